// The org's seat use: a meter named "Seats" reading "N of M seats used".
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Seats } from '../../api/types';

export function SeatMeter() {
  const seats = useQuery({ queryKey: ['seats'], queryFn: () => api.get<Seats>('/v1/seats'), retry: false });
  if (!seats.data) return null;
  const { used, limit } = seats.data;
  const text = limit === null ? `${used} seats used (no limit)` : `${used} of ${limit} seats used`;
  return (
    <div className="seat-meter">
      <span id="seats-label" className="seat-title">
        Seats
      </span>
      {limit !== null && <meter aria-labelledby="seats-label" aria-valuetext={text} min={0} max={limit} value={used} low={Math.floor(limit * 0.8)} high={limit} optimum={0} />}
      <span className="muted">{text}</span>
    </div>
  );
}
