// "Copy as": the commands the server built for an exchange, each in a read-only box with a
// button that puts it on the clipboard (127.0.0.1 is a secure context, so the API is there).

import { useState } from 'preact/hooks';
import type { Detail } from './api.js';

export function CopyAs({ commands }: { commands: Detail['copy'] }) {
  const [copied, setCopied] = useState('');
  if (commands.length === 0) return null;
  const copy = (label: string, text: string): void => {
    navigator.clipboard.writeText(text).then(
      () => setCopied(label),
      () => setCopied(`${label}: the clipboard refused; select the text instead`),
    );
  };
  return (
    <div class="copy">
      <h3>copy as</h3>
      {commands.map((c) => (
        <div key={c.label} class="copy-one">
          <button onClick={() => copy(c.label, c.command)}>{c.label}</button>
          {copied === c.label && <span class="meta"> copied</span>}
          <textarea readOnly rows={3} data-testid={`copy-${c.label}`} value={c.command} />
          {c.notes.length > 0 && (
            <ul class="notes">
              {c.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </div>
  );
}
