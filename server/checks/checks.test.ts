import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardsFile } from '../../shared/dashboards.js';
import type { StatusEvent, TickEvent } from '../../shared/schema.js';
import type { HubEvent } from '../hub/hub.js';
import { MemoryHub } from '../hub/memory-hub.js';
import { withTickKeys } from '../hub/tick-keys.js';
import { Checks } from './checks.js';

const stat = (v: number, avg = v) => ({ v, min: v, max: v, avg, n: 1, trend: 'stable' as const, u: '%' });
const file = (tiles: DashboardsFile['dashboards'][string]['sections'][number]['tiles'], hide?: string[]): DashboardsFile => ({
  dashboards: { wall: { sections: [{ title: 'Inference', tiles }], hide } },
});

let stop: (() => void) | null = null;
afterEach(() => stop?.());

function setup(dashboards: DashboardsFile) {
  const hub = new MemoryHub();
  let now = 0;
  const checks = new Checks({ hub, dashboards, now: () => now, every: 60_000 });
  const events: HubEvent[] = [];
  hub.subscribe((e) => events.push(e));
  checks.start();
  stop = () => checks.stop();
  const status = () => events.filter((e) => e.channel === 'status').map((e) => (e as { status: StatusEvent }).status);
  const tick = (t: number, source: string, values: TickEvent['values']) => {
    now = t;
    hub.publish('app', { t, source, values });
  };
  const expire = (at: number) => {
    now = at;
    (checks as unknown as { expire(): void }).expire();
  };
  return { hub, checks, events, status, tick, expire };
}

describe('Checks', () => {
  it('announces every check in full at start, then one status event per tick that changes a status', () => {
    const { status, tick } = setup(file([{ metric: 'inference.latency.p95', source: 'llm-*', on: 'avg', warn: 500, critical: 1000 }]));
    expect(status()).toEqual([{ t: 0, full: true, checks: [], removed: [] }]);
    tick(1000, 'llm-1', { 'inference.latency.p95': stat(2000, 300) });
    tick(2000, 'llm-1', { 'inference.latency.p95': stat(2000, 400) });
    tick(3000, 'llm-1', { 'inference.latency.p95': stat(2000, 1200) });
    const changes = status().slice(1);
    expect(changes.map((s) => s.checks.map((c) => [c.title, c.source, c.status, c.value, c.level, c.since]))).toEqual([
      [['inference.latency.p95', 'llm-1', 'ok', 300, null, 1000]],
      [['inference.latency.p95', 'llm-1', 'critical', 1200, 1000, 3000]],
    ]);
  });

  it('makes one check per series a glob matches, and none for another source or a hidden series', () => {
    const { checks, tick } = setup(file([{ metric: 'inference.*', source: 'llm-*', critical: 10 }], ['inference.debug*']));
    tick(1000, 'llm-1', { 'inference.tokens': stat(1), 'inference.debug_x': stat(1) });
    tick(1000, 'llm-2', { 'inference.tokens': stat(20) });
    tick(1000, 'batch', { 'inference.tokens': stat(20) });
    expect(checks.list().map((c) => [c.id, c.status])).toEqual([
      ['wall/0.0/inference.tokens@llm-1', 'ok'],
      ['wall/0.0/inference.tokens@llm-2', 'critical'],
    ]);
    expect(checks.worst()).toBe('critical');
  });

  it('gives a series to the first tile that matches it, so a catch-all after a judged tile judges nothing twice', () => {
    const { checks, tick } = setup(file([{ metric: 'app.cpu', critical: 90, title: 'CPU' }, { metric: 'app.*', critical: 1 }]));
    tick(1000, 'a', { 'app.cpu': stat(50), 'app.other': stat(5) });
    expect(checks.list().map((c) => [c.title, c.status])).toEqual([['CPU', 'ok'], ['app.other', 'critical']]);
  });

  it('matches label values: a tile may pick one mount point, and its title names the labels it did not pin', () => {
    const { checks, tick } = setup(file([{ metric: 'host.fs.percent', labels: { mountpoint: '/' }, title: 'Root', critical: 90 }, { metric: 'host.disk.busy', title: 'Busy', critical: 90 }]));
    tick(1000, 'a', { 'host.fs.percent{mountpoint=/}': stat(95), 'host.fs.percent{mountpoint=/boot}': stat(99), 'host.disk.busy{device=sda}': stat(1) });
    expect(checks.list().map((c) => [c.title, c.metric, c.status])).toEqual([
      ['Root', 'host.fs.percent{mountpoint=/}', 'critical'],
      ['Busy sda', 'host.disk.busy{device=sda}', 'ok'],
    ]);
  });

  it('turns a series that went silent for its tile’s stale span unknown, and back once it reports again', () => {
    const { checks, status, tick, expire } = setup(file([{ metric: 'app.tps', critical: 10, below: true, stale: 5000 }]));
    tick(1000, 'llm-1', { 'app.tps': stat(50) });
    expire(6000);
    expect(checks.list()[0]).toMatchObject({ status: 'ok' });
    expire(6001);
    expect(checks.list()[0]).toMatchObject({ status: 'unknown', value: null, since: 6001 });
    expect(status().at(-1)!.checks.map((c) => c.status)).toEqual(['unknown']);
    tick(7000, 'llm-1', { 'app.tps': stat(5) });
    expect(checks.list()[0]).toMatchObject({ status: 'critical', value: 5, since: 7000 });
  });

  it('forgets a series silent past the idle span and announces its checks removed', () => {
    const hub = new MemoryHub();
    let now = 0;
    const checks = new Checks({ hub, dashboards: file([{ metric: 'app.x', critical: 1 }]), now: () => now, idleTtl: 10_000, every: 60_000 });
    const seen: StatusEvent[] = [];
    hub.subscribe((e) => e.channel === 'status' && seen.push(e.status));
    checks.start();
    stop = () => checks.stop();
    hub.publish('app', { t: 0, source: 'a', values: { 'app.x': stat(0) } });
    now = 10_001;
    (checks as unknown as { expire(): void }).expire();
    expect(checks.list()).toEqual([]);
    expect(seen.at(-1)).toMatchObject({ full: false, checks: [], removed: ['wall/0.0/app.x@a'] });
  });

  it('judges a source that hands the same key array every tick (a scrape target) by place, also after its series were forgotten', () => {
    const hub = new MemoryHub();
    let now = 0;
    const checks = new Checks({ hub, dashboards: file([{ metric: 'app.x', critical: 10 }, { metric: 'app.y', warn: 5 }]), now: () => now, idleTtl: 10_000, every: 60_000 });
    checks.start();
    stop = () => checks.stop();
    const keys = ['app.y', 'app.x'] as const;
    const tick = (t: number, y: number, x: number) => {
      now = t;
      hub.publish('app', { t, source: 'a', values: withTickKeys({ 'app.y': stat(y), 'app.x': stat(x) }, keys) });
    };
    const states = () => Object.fromEntries(checks.list().map((c) => [c.id, c.status]));
    tick(0, 1, 1);
    tick(1000, 6, 1);
    expect(states()).toEqual({ 'wall/0.0/app.x@a': 'ok', 'wall/0.1/app.y@a': 'warn' });
    tick(2000, 1, 20);
    expect(states()).toEqual({ 'wall/0.0/app.x@a': 'critical', 'wall/0.1/app.y@a': 'ok' });
    now = 20_000;
    (checks as unknown as { expire(): void }).expire();
    expect(checks.list()).toEqual([]);
    // Back with the very same key array: its series are made again, not read from a stale place.
    tick(21_000, 9, 30);
    expect(states()).toEqual({ 'wall/0.0/app.x@a': 'critical', 'wall/0.1/app.y@a': 'warn' });
  });

  it('rebuilds every check from the series seen on reload, and announces them in full', () => {
    const { checks, status, tick } = setup(file([{ metric: 'app.x', critical: 100 }]));
    tick(1000, 'a', { 'app.x': stat(50) });
    checks.reload(file([{ metric: 'app.x', critical: 10, title: 'X' }]));
    const last = status().at(-1)!;
    expect(last.full).toBe(true);
    expect(last.checks.map((c) => [c.title, c.status])).toEqual([['X', 'critical']]);
  });

  it('publishes status events in the hub’s id sequence, right after the tick that caused them', () => {
    const { events, tick } = setup(file([{ metric: 'app.x', critical: 1 }]));
    tick(1000, 'a', { 'app.x': stat(5) });
    expect(events.map((e) => [e.seq, e.channel])).toEqual([[1, 'status'], [2, 'app'], [3, 'status']]);
    expect(events[2].frame.toString()).toMatch(/^id: \S+-3\nevent: status\ndata: \{"t":1000,"full":false,"checks":\[\{"id":"wall\/0.0\/app.x@a"/);
  });
});
