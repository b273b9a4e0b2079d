// The scope catalogue as checkboxes, grouped by category, each labelled by its
// scope string with the description beside it. Only scopes the person holds are
// offered: a token can never do more than its maker.
import { useId } from 'react';
import type { ScopeCatalogue } from '../api/types';

export function ScopePicker({
  catalogue,
  allowed,
  selected,
  onChange,
  legend = 'Scopes',
  hint,
}: {
  catalogue: ScopeCatalogue;
  allowed: string[] | null;
  selected: Set<string>;
  onChange: (next: Set<string>) => void;
  legend?: string;
  hint?: string;
}) {
  const id = useId();
  const categories = catalogue.categories
    .map((category) => ({ ...category, scopes: category.scopes.filter((entry) => allowed === null || allowed.includes(entry.scope)) }))
    .filter((category) => category.scopes.length > 0);
  return (
    <fieldset className="scopes">
      <legend>{legend}</legend>
      {hint && <p className="muted hint">{hint}</p>}
      {categories.map((category) => (
        <fieldset key={category.name} className="scope-category">
          <legend>{category.name}</legend>
          {category.scopes.map((entry) => {
            const descId = `${id}-${entry.scope}`;
            return (
              <div key={entry.scope} className="scope-option">
                <input
                  type="checkbox"
                  id={`${descId}-box`}
                  aria-describedby={descId}
                  checked={selected.has(entry.scope)}
                  onChange={(event) => {
                    const next = new Set(selected);
                    if (event.target.checked) next.add(entry.scope);
                    else next.delete(entry.scope);
                    onChange(next);
                  }}
                />
                <label htmlFor={`${descId}-box`} className="mono">
                  {entry.scope}
                </label>
                <span id={descId} className="muted scope-description">
                  {entry.description}
                </span>
              </div>
            );
          })}
        </fieldset>
      ))}
    </fieldset>
  );
}
