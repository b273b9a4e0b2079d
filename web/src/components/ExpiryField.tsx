// "Expiration": Never, 7 days, 30 days, 90 days, 1 year, or Custom (a date).
import { allowedChoices, EXPIRY_PRESETS, type ExpiryChoice } from '../lib/expiry';
import type { Policy } from '../api/types';

export function ExpiryField({
  choice,
  date,
  policy,
  onChoice,
  onDate,
}: {
  choice: ExpiryChoice;
  date: string;
  policy: Policy | undefined;
  onChoice: (choice: ExpiryChoice) => void;
  onDate: (date: string) => void;
}) {
  const allowed = allowedChoices(policy);
  return (
    <div className="field-row">
      <label className="field">
        <span>Expiration</span>
        <select value={choice} onChange={(event) => onChoice(event.target.value as ExpiryChoice)}>
          {EXPIRY_PRESETS.map((preset) => (
            <option key={preset.value} value={preset.value} disabled={!allowed.has(preset.value)}>
              {preset.label}
            </option>
          ))}
        </select>
      </label>
      {choice === 'custom' && (
        <label className="field">
          <span>Expiration date</span>
          <input type="date" value={date} required onChange={(event) => onDate(event.target.value)} />
        </label>
      )}
    </div>
  );
}

/** The first choice the policy allows, preferring 30 days (a sensible default). */
export function defaultExpiry(policy: Policy | undefined): ExpiryChoice {
  const allowed = allowedChoices(policy);
  for (const choice of ['30d', '7d', 'custom'] as const) if (allowed.has(choice)) return choice;
  return 'never';
}
