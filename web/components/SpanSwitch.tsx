import { SPANS, type SpanName } from '../../shared/schema.js';

/** The page's own URL with `span` set: the choice is in the address, so a reload or a bookmark keeps it. */
export function spanHref(search: string, span: SpanName): string {
  const q = new URLSearchParams(search);
  if (span === '5m') q.delete('span');
  else q.set('span', span);
  const s = q.toString();
  return s ? `?${s}` : '?';
}

/** Links to the other spans (outside kiosk mode; a wall display sets ?span= once). */
export function SpanSwitch({ span, search }: { span: SpanName; search: string }) {
  return (
    <nav class="spans" aria-label="span">
      {SPANS.map((s) => (
        <a key={s} href={spanHref(search, s)} aria-current={s === span ? 'true' : undefined} class={s === span ? 'on' : undefined}>
          {s}
        </a>
      ))}
    </nav>
  );
}
