// The filter bar: the CLI's filter language, applied by the server. A parse error is shown under
// the input with a caret at the column the parser named.

import { useEffect, useState } from 'preact/hooks';

export interface FilterBarProps {
  value: string;
  error?: { message: string; column: number };
  fp: string;
  onApply: (filter: string) => void;
  onClearFp: () => void;
}

export function FilterBar(p: FilterBarProps) {
  const [text, setText] = useState(p.value);
  useEffect(() => setText(p.value), [p.value]);
  return (
    <form
      class="filter"
      onSubmit={(e) => {
        e.preventDefault();
        p.onApply(text);
      }}
    >
      <input
        data-testid="filter"
        value={text}
        spellcheck={false}
        placeholder="filter: protocol:postgres sql~users latency>50ms error … (Enter)"
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
      />
      {p.fp && (
        <span class="chip">
          fingerprint {p.fp}{' '}
          <button type="button" onClick={p.onClearFp}>
            ×
          </button>
        </span>
      )}
      {p.error && (
        <div class="filter-error" data-testid="filter-error">
          <code>{text}</code>
          <code>{' '.repeat(Math.max(0, p.error.column - 1))}^</code>
          <span>{p.error.message}</span>
        </div>
      )}
    </form>
  );
}
