import { formatAge } from '../format.js';
import type { ConnectionState } from '../stream-model.js';
import type { StatusSummary } from '../view.js';
import { StatusLine } from './StatusLine.js';

const WORD: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};
const ICON: Record<ConnectionState, string> = { connecting: '◌', live: '●', reconnecting: '◌', offline: '✕' };

export interface ConnectionBadgeProps {
  state: ConnectionState;
  lastEventAgeSec: number | null;
}

/** The connection at a glance: a shape and a word, not only a colour. */
export function ConnectionBadge({ state, lastEventAgeSec }: ConnectionBadgeProps) {
  const since = lastEventAgeSec === null ? 'no event yet' : `last event ${formatAge(lastEventAgeSec * 1000)}`;
  return (
    <span class={`conn conn-${state}`} role="status" aria-live="polite" data-state={state} title={since}>
      <span class="conn-icon" aria-hidden="true">
        {ICON[state]}
      </span>
      {WORD[state]}
    </span>
  );
}

export interface StatusBarProps extends ConnectionBadgeProps {
  title: string;
  host: string | null;
  ready: boolean;
  status: StatusSummary;
  tileCount: number;
  sources: number;
  malformed: number;
  lastProblem: string | null;
  problems: string[];
}

export function StatusBar(p: StatusBarProps) {
  return (
    <header class="bar">
      <h1 class="bar-title">{p.title}</h1>
      <StatusLine status={p.status} />
      {/* Nothing is counted before the first snapshot: "0 metrics" would be wrong, not true. */}
      {p.ready && (
        <span class="bar-meta">
          {p.tileCount} {p.tileCount === 1 ? 'metric' : 'metrics'}
          {p.sources > 1 ? ` · ${p.sources} sources` : ''}
        </span>
      )}
      {p.host && <span class="bar-meta bar-host">{p.host}</span>}
      <span class="bar-spacer" />
      {p.problems.map((m) => (
        <span class="bar-warn" key={m}>
          ⚠ {m}
        </span>
      ))}
      {p.malformed > 0 && (
        <span class="bar-warn malformed" title={p.lastProblem ?? ''} data-malformed={p.malformed}>
          ⚠ {p.malformed} malformed {p.malformed === 1 ? 'event' : 'events'} ignored
        </span>
      )}
      <ConnectionBadge state={p.state} lastEventAgeSec={p.lastEventAgeSec} />
    </header>
  );
}
