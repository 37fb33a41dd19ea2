import type { PageView } from '../view.js';

/** What shows where tiles would: waiting, offline, or nothing matches (only once a snapshot came). */
export function Empty({ view }: { view: PageView }) {
  const text = !view.ready
    ? view.state === 'offline'
      ? 'Cannot reach the server; retrying.'
      : 'Waiting for the first snapshot…'
    : 'No metrics match this page’s filters or dashboard.';
  return <p class="empty">{text}</p>;
}
