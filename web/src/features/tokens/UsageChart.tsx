// Uses per day as bars (SVG, no chart library): each bar has its date and count as a tooltip.
import type { Usage } from '../../api/types';
import { plural } from '../../lib/words';

const WIDTH = 1000;
const HEIGHT = 150;
const AXIS = 22;

export function UsageChart({ usage }: { usage: Usage }) {
  const total = usage.data.reduce((sum, day) => sum + day.count, 0);
  const max = Math.max(1, ...usage.data.map((day) => day.count));
  const slot = WIDTH / Math.max(usage.data.length, 1);
  const first = usage.data[0]?.date;
  const last = usage.data.at(-1)?.date;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + AXIS}`} role="img" aria-label={`Uses per day: ${plural(total, 'use')} in the last ${usage.data.length} days`}>
        <line x1="0" y1={HEIGHT + 0.5} x2={WIDTH} y2={HEIGHT + 0.5} className="chart-axis" />
        {usage.data.map((day, i) => {
          const h = day.count === 0 ? 0 : Math.max(2, (day.count / max) * (HEIGHT - 10));
          return (
            <rect key={day.date} x={i * slot + slot * 0.15} y={HEIGHT - h} width={slot * 0.7} height={h} className="chart-bar" rx="2">
              <title>{`${day.date}: ${plural(day.count, 'use')}`}</title>
            </rect>
          );
        })}
        <text x="0" y={HEIGHT + AXIS - 4} className="chart-label">
          {first}
        </text>
        <text x={WIDTH} y={HEIGHT + AXIS - 4} className="chart-label" textAnchor="end">
          {last}
        </text>
      </svg>
      <figcaption className="muted">
        {total === 0 ? 'No uses in the last 30 days.' : `${plural(total, 'use')} in the last ${usage.data.length} days; busiest day ${plural(max, 'use')}.`}
      </figcaption>
    </figure>
  );
}
