import type { StreamSettings } from '../../shared/schema.js';
import { filterKey, type Projection, type SnapshotFilter } from '../windows/projection.js';
import { snapshotJson } from './snapshot-json.js';

const MAX_ENTRIES = 64;

/**
 * Snapshot frames encoded once and shared: every client that connects between
 * two hub events with the same filter gets the same bytes, so a thousand clients
 * reconnecting at once after a restart cost one snapshot, not a thousand. Entries
 * are valid for one projection id only; the first lookup after an event drops them.
 */
export class SnapshotCache {
  private forId = '';
  private readonly frames = new Map<string, Buffer>();

  constructor(
    private readonly projection: Projection,
    private readonly settings: StreamSettings,
  ) {}

  /** The `event: snapshot` frame for this filter (and its points per group), with the id it stands for. */
  frame(filter: SnapshotFilter, reset: boolean, epoch: string, now: number): { id: string; bytes: Buffer } {
    const id = this.projection.lastId;
    if (id !== this.forId) {
      this.frames.clear();
      this.forId = id;
    }
    // Every count at or above what the projection keeps gives the same snapshot: one entry.
    const n = Math.min(filter.points ?? Infinity, this.settings.history);
    const key = `${reset ? 1 : 0}|${epoch}|${n}|${filter.span ?? '5m'}|${filter.tierPoints ?? ''}|${filterKey(filter)}`;
    let bytes = this.frames.get(key);
    if (!bytes) {
      const snap = this.projection.snapshot(this.settings, filter, reset, epoch, now, n);
      bytes = Buffer.from(`id: ${id}\nevent: snapshot\ndata: ${snapshotJson(snap)}\n\n`);
      if (this.frames.size >= MAX_ENTRIES) this.frames.clear();
      this.frames.set(key, bytes);
    }
    return { id, bytes };
  }
}
