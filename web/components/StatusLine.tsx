import type { StatusSummary } from '../view.js';
import { STATE_ICON } from './Tile.js';

/** "All normal", or "1 critical · 2 warnings — CPU, Memory": a shape, a word and the worst names. */
export function StatusLine({ status }: { status: StatusSummary }) {
  if (!status.checks) return null;
  return (
    <span class={`statusline st-${status.worst}`} data-status={status.worst} role="status" aria-live="polite">
      <span aria-hidden="true">{STATE_ICON[status.worst]}</span> {status.text}
      {status.names && <span class="statusline-names"> — {status.names}</span>}
    </span>
  );
}
