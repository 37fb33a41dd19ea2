import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandGroup, groupTimes, Snapshot } from '../shared/schema.js';
import { spawnVigil, type VigilProcess } from './helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-data-'));
const procs: VigilProcess[] = [];
afterAll(async () => {
  for (const p of procs) await p.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function start(sub: string, interval = 1000): Promise<VigilProcess> {
  const p = await spawnVigil(['--data-dir', join(dir, sub), '--persist-interval', String(interval)]);
  procs.push(p);
  return p;
}

/** The 1h tier of host.cpu.total: its points (time → [lo, avg, hi]) and the ticks it counts. */
async function hourOf(url: string) {
  let snap = Snapshot.parse(await (await fetch(`${url}/api/snapshot?span=1h&channels=host`)).json());
  for (let i = 0; i < 200 && !snap.groups.length; i++) {
    await sleep(50);
    snap = Snapshot.parse(await (await fetch(`${url}/api/snapshot?span=1h&channels=host`)).json());
  }
  const g = expandGroup(snap.groups[0]);
  const times = groupTimes(g);
  const points = new Map(times.map((t, i) => [t, [g.lo!['host.cpu.total'][i], g.history['host.cpu.total'][i], g.hi!['host.cpu.total'][i]]]));
  // The rounding step of this column in the snapshot (snapshotJson's columnExponent): a hundredth of its spread, as a power of ten.
  const all = [...points.values()].flat().filter((v): v is number => typeof v === 'number');
  const spread = Math.max(...all) - Math.min(...all);
  const step = spread > 0 ? 10 ** (Math.floor(Math.log10(spread)) - 2) : 0;
  return { points, n: g.values['host.cpu.total'].n, step };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tiers across restarts (a real process, a real data dir)', () => {
  it('a SIGTERM and a start keep the 1h tier: the points from before the restart are in the snapshot after it', async () => {
    const a = await start('term');
    await sleep(3000);
    const before = await hourOf(a.url);
    expect(before.n).toBeGreaterThan(15);
    // The log is in play: written to every interval since the first (whole) write.
    expect(statSync(join(dir, 'term', 'tiers.log')).size).toBeGreaterThan(32);
    a.proc.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    // SIGTERM wrote the whole state: an empty log of its generation.
    expect(statSync(join(dir, 'term', 'tiers.log')).size).toBe(32);
    const b = await start('term');
    const after = await hourOf(b.url);
    // Every tick counted before is still counted (plus the few of the new process).
    expect(after.n).toBeGreaterThanOrEqual(before.n);
    const [oldest] = before.points.keys();
    if (oldest !== Math.max(...before.points.keys())) {
      // The snapshot rounds a column to a hundredth of its spread (snapshotJson), and the new process's
      // points can widen it: the same point may read 5.8 before and 6 after. So equal within both steps.
      const was = before.points.get(oldest)!;
      const is = after.points.get(oldest);
      expect(is).toHaveLength(3);
      const slack = (before.step + after.step) / 2 + 1e-9;
      was.forEach((v, i) => expect(Math.abs(is![i]! - v!), `point ${i}: ${is![i]} after, ${v} before`).toBeLessThanOrEqual(slack + 1e-3 * Math.abs(v!)));
    } else expect(after.points.has(oldest)).toBe(true);
    await b.kill();
  }, 90_000);

  it('kill -9 loses at most one PERSIST_INTERVAL of ticks', async () => {
    const a = await start('kill', 1000);
    await sleep(3500);
    const before = await hourOf(a.url);
    a.proc.kill('SIGKILL');
    await a.exited;
    // What survives is the state file and the log's records after it.
    expect(statSync(join(dir, 'kill', 'tiers.log')).size).toBeGreaterThan(32);
    const b = await start('kill', 1000);
    const after = await hourOf(b.url);
    // 100 ms ticks: one interval is 10 of them; a little slack for the request before the kill.
    expect(after.n).toBeGreaterThanOrEqual(before.n - 10 - 3);
    expect(after.n).toBeGreaterThan(10);
    // No temporary file is mistaken for state, nor left behind by the killed process: only tiers.bin and
    // tiers.log (and the new process's own, should it be writing a state file right now).
    expect(readdirSync(join(dir, 'kill')).filter((f) => !f.endsWith(`.tmp-${b.proc.pid}`)).sort()).toEqual(['tiers.bin', 'tiers.log']);
    await b.kill();
  }, 90_000);

  it('a log torn inside its last record (a crash while appending) loses that one interval, and the process goes on', async () => {
    const a = await start('torn', 1000);
    await sleep(4500);
    const before = await hourOf(a.url);
    a.proc.kill('SIGKILL');
    await a.exited;
    const file = join(dir, 'torn', 'tiers.log');
    const log = readFileSync(file);
    // Record starts: each is its 8-byte head and the length it names.
    const at = [32];
    while (at.at(-1)! < log.length) at.push(at.at(-1)! + 8 + log.readUInt32LE(at.at(-1)! + 4));
    expect(at.length).toBeGreaterThanOrEqual(3);
    const last = at.at(-2)!;
    writeFileSync(file, log.subarray(0, last + Math.floor((log.length - last) / 2)));
    const b = await start('torn', 1000);
    const after = await hourOf(b.url);
    // The records before the torn one: at most two intervals (the torn one, the unwritten one) of 100 ms ticks lost.
    expect(after.n).toBeGreaterThanOrEqual(before.n - 20 - 3);
    expect(after.n).toBeGreaterThan(10);
    await sleep(1500);
    // Cut back to its good records, then appended to again: every record in it whole.
    const now = readFileSync(file);
    let end = 32;
    while (end < now.length) end += 8 + now.readUInt32LE(end + 4);
    expect(end).toBe(now.length);
    expect(now.length).toBeGreaterThan(last);
    expect(now.subarray(0, last)).toEqual(log.subarray(0, last));
    await b.kill();
  }, 90_000);
});
