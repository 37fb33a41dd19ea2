import type { PageView } from '../view.js';

/**
 * What shows where tiles would. "Nothing matches" is said only once a snapshot
 * came: an open stream without one yet knows nothing (it used to flash
 * "Live · 0 metrics · No metrics match" before the first snapshot).
 */
export function emptyText(view: Pick<PageView, 'ready' | 'state'>): string {
  if (view.ready) return 'No metrics match this page’s filters or dashboard.';
  return view.state === 'offline' ? 'Cannot reach the server; retrying.' : 'Waiting for the first snapshot…';
}

export function Empty({ view }: { view: PageView }) {
  return <p class="empty">{emptyText(view)}</p>;
}
