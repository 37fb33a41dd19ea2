import { describe, expect, it } from 'vitest';
import { parseDashboards } from './dashboards.js';
import { DEFAULT_DASHBOARDS } from './default-dashboards.js';
import { DashboardMatcher } from './tile-match.js';

const tile = (t: object) => ({ dashboards: { default: { sections: [{ title: 'S', tiles: [t] }] } } });
const error = (json: unknown) => {
  const r = parseDashboards(json);
  return r.ok ? 'accepted' : r.error;
};

describe('parseDashboards', () => {
  it('accepts the issue’s example and the built-in dashboards', () => {
    const example = {
      dashboards: {
        default: {
          title: 'Ops wall',
          sections: [{ title: 'Inference', tiles: [{ metric: 'inference.latency.p95', source: 'llm-*', title: 'p95 latency', on: 'avg', warn: 500, critical: 1000, for: 30000 }] }],
        },
      },
    };
    expect(error(example)).toBe('accepted');
    expect(error(DEFAULT_DASHBOARDS)).toBe('accepted');
  });

  it.each([
    [{}, /^dashboards: /],
    [{ dashboards: {} }, /^dashboards: at least one dashboard/],
    [{ dashboards: { 'bad name!': { sections: [{ title: 'S', tiles: [] }] } } }, /dashboard name must be/],
    [{ dashboards: { default: { sections: [] } } }, /^dashboards\.default\.sections: a dashboard needs at least one section$/],
    [tile({ metric: 'x', wran: 1 }), /^dashboards\.default\.sections\[0\]\.tiles\[0\]: unknown key "wran"/],
    [tile({ metric: 'x', warn: '90' }), /^dashboards\.default\.sections\[0\]\.tiles\[0\]\.warn: expected a number, got string "90"$/],
    [tile({ metric: 'x', on: 'p99' }), /^dashboards\.default\.sections\[0\]\.tiles\[0\]\.on: expected one of "v", "avg", "min", "max", got string "p99"$/],
    [tile({ metric: 'x', warn: 90, critical: 80 }), /^dashboards\.default\.sections\[0\]\.tiles\[0\]\.critical: critical must be at or past warn/],
    [tile({ metric: 'x', below: true, warn: 10, critical: 20 }), /\.critical: critical must be at or past warn/],
    [tile({ metric: 'x', for: -1 }), /\.for: for must be 0 or more ms/],
    [tile({ metric: 'x y' }), /\.metric: metric must be a glob/],
    [tile({ metric: '' }), /\.metric: metric must not be empty/],
    [tile({ metric: 'x', title: 'a\nb' }), /\.title: must not contain control characters/],
    [tile({ metric: 'x', scale: 0 }), /\.scale: scale must be above 0/],
    [tile({ metric: 'x', labels: { Mount: '/' } }), /\.labels.*label name must be/],
    [{ dashboards: { __proto__: { sections: [{ title: 'S', tiles: [] }] } } }, /./],
    [tile({ metric: 'host.cpu.mode', lines: 'Mode' }), /^dashboards\.default\.sections\[0\]\.tiles\[0\]\.lines: lines must be a label name \(\[a-z_\]\[a-z0-9_\]\*, e\.g\. "mode"\) or "metric"/],
    [tile({ metric: 'host.cpu.mode', lines: '' }), /\.tiles\[0\]\.lines: lines must be a label name/],
    [tile({ metric: 'host.cpu.mode', lines: 3 }), /\.tiles\[0\]\.lines: expected a string, got number 3$/],
    [tile({ metric: 'host.cpu.mode', lines: ['mode'] }), /\.tiles\[0\]\.lines: expected a string, got a list$/],
  ])('refuses %j with one line naming where and what', (json, re) => {
    const e = error(JSON.parse(JSON.stringify(json)));
    expect(e).toMatch(re);
    expect(e).not.toContain('\n');
  });

  it('refuses names that would reach an object’s prototype (__proto__, constructor)', () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const json = JSON.parse(`{"dashboards":{"${name}":{"sections":[{"title":"S","tiles":[]}]}}}`);
      const r = parseDashboards(json);
      if (r.ok) expect(Object.getPrototypeOf(r.value.dashboards)).toBe(Object.prototype);
      if (r.ok) expect(Object.hasOwn(r.value.dashboards, name)).toBe(true);
    }
  });
});

describe('DashboardMatcher on the built-in default', () => {
  const m = new DashboardMatcher(DEFAULT_DASHBOARDS.dashboards.default);
  const place = (key: string) => m.place(key, 'web-1');
  it('judges CPU, memory and the root filesystem, and shows the rest of the host', () => {
    expect(m.tile(place('host.cpu.total')!)).toMatchObject({ title: 'CPU', critical: 90 });
    expect(m.tile(place('host.fs.percent{mountpoint=/}')!)).toMatchObject({ title: 'Root filesystem' });
    expect(m.tile(place('host.fs.percent{mountpoint=/boot}')!)).toMatchObject({ title: 'Filesystems used', lines: 'mountpoint' });
    expect(m.tile(place('host.fs.free{mountpoint=/boot}')!)).toMatchObject({ metric: 'host.*' });
    expect(place('app.tokens')).toEqual({ section: 3, tile: 0 });
  });
  it('puts CPU by mode, disks and interfaces on tiles of lines', () => {
    expect(m.tile(place('host.cpu.mode{mode=user}')!)).toMatchObject({ title: 'CPU by mode', lines: 'mode' });
    expect(m.tile(place('host.disk.write{device=sda}')!)).toMatchObject({ lines: 'metric' });
    expect(m.tile(place('host.net.rx{interface=eth0}')!)).toMatchObject({ title: 'Network', lines: 'metric' });
    expect(m.tile(place('host.pressure.io')!)).toMatchObject({ lines: 'metric' });
  });
  it('hides loopback and virtual interfaces and per-core CPU, under either naming', () => {
    for (const k of ['host.net.rx{interface=lo}', 'host.net.tx{interface=ifb0}', 'host.net.rx{interface=veth12ab}', 'host.net.lo.rx', 'host.net.ifb1.tx', 'host.cpu.core{cpu=3}', 'host.cpu.core3']) expect(place(k), k).toBeNull();
    expect(place('host.net.rx{interface=eth0}')).not.toBeNull();
    expect(place('host.net.eth0.rx')).not.toBeNull();
  });
});
