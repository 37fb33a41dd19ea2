import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stat } from '../../shared/schema.js';
import { capturedLogger } from '../../tests/helpers/log-capture.js';
import { stateOf } from '../../tests/helpers/tier-state.js';
import type { TierSpec } from './tier.js';
import { TierPersister } from './tier-persister.js';
import { TierStore } from './tier-store.js';

const stat = (v: number): Stat => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable', u: '' });
/** Small tiers, so that a few ticks wrap them, a jump of a minute sweeps series and a log soon passes its state file. */
const SPECS: readonly TierSpec[] = [
  { name: 'a', step: 1000, capacity: 6 },
  { name: 'b', step: 5000, capacity: 4 },
];
const KEYS = ['x', 'y', 'z{cpu=0}', 'w'];
const SOURCES = ['s0', 's1', 's2'];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Step =
  | { kind: 'tick'; source: number; dt: number; keys: boolean[]; v: number }
  | { kind: 'write' }
  | { kind: 'restart' }
  | { kind: 'clockBack' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      source: fc.integer({ min: 0, max: SOURCES.length - 1 }),
      // Mostly within a bucket or the next; now and then past a ring, or past the sweep (60 s).
      dt: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 2500 }) }, { weight: 1, arbitrary: fc.integer({ min: 5000, max: 40_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 90_000 }) }),
      keys: fc.array(fc.boolean(), { minLength: KEYS.length, maxLength: KEYS.length }),
      v: fc.double({ min: -1e9, max: 1e9, noNaN: true }),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'write' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clockBack' as const }) },
);

/** A tick of SOURCES[source] after dt ms with the keys named by their first letters. */
const tick = (source: number, dt: number, keys: string): Step => ({ kind: 'tick', source, dt, keys: KEYS.map((k) => keys.includes(k[0])), v: dt });

describe('the tiers log', () => {
  it('a state file and its log replayed give the store as it was at the last write, whatever the ticks, writes and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 60 }), fc.constantFrom(0.3, 1, 4, 1e9), fc.constantFrom(2, 10_000), async (steps, compactAt, maxSeries) => {
        const dir = mkdtempSync(join(tmpdir(), 'vigil-tierlog-'));
        dirs.push(dir);
        let clock = 1_700_000_000_000;
        const make = () => {
          const store = new TierStore({ specs: SPECS, now: () => clock, maxSeries });
          return { store, p: new TierPersister(store, { dir, interval: 60_000, logger: capturedLogger().logger, compactAt, now: () => clock }) };
        };
        let { store, p } = make();
        let written = stateOf(store);
        for (const s of steps) {
          if (s.kind === 'tick') {
            clock += s.dt;
            const values = Object.fromEntries(KEYS.filter((_, i) => s.keys[i]).map((k, i) => [k, stat(s.v + i)]));
            store.fold('app', { t: clock, source: SOURCES[s.source], values });
          } else if (s.kind === 'clockBack') {
            // Far enough that what was folded lies in the future: the groups start over.
            clock -= 10 * 60_000;
          } else if (s.kind === 'write') {
            await p.flush();
            written = stateOf(store);
          } else {
            // A crash after the last write: a new process reads what is on disk and goes on from there.
            ({ store, p } = make());
            await p.load();
            expect(stateOf(store)).toEqual(written);
          }
        }
        await p.flush();
        const back = make();
        await back.p.load();
        expect(stateOf(back.store)).toEqual(stateOf(store));
      }),
      {
        numRuns: 120,
        examples: [
          // A sweep forgets y of s0 (a tick of s1 runs it) and s0 then gains z: as many series as at the last write, not the same ones.
          [[tick(0, 1000, 'xy'), { kind: 'write' }, tick(0, 40_000, 'x'), tick(0, 15_000, 'x'), tick(1, 6000, 'x'), tick(0, 1000, 'xz'), { kind: 'write' }, { kind: 'restart' }], 1e9, 10_000],
        ],
      },
    );
  }, 120_000);
});
