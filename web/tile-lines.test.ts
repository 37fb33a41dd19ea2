import { describe, expect, it } from 'vitest';
import type { CheckState } from '../shared/schema.js';
import { Ring } from './ring.js';
import type { Series } from './series-store.js';
import { foldLines, lineOf } from './tile-lines.js';
import { tileView, type TileView } from './view.js';

function view(name: string, source = 'web-1', unit = '%', version = 1): TileView {
  const ring = new Ring(10);
  ring.fill([1000, 2000], [1, 2]);
  const s: Series = { key: `${name}@${source}`, name, source, channel: 'host', unit, ring, stat: null, seenAt: 2000, version };
  return tileView(s, 1000, 2500);
}

const check = (status: CheckState['status']) => ({ status }) as CheckState;

describe('lineOf', () => {
  it('names the tile by the key with the line label as * and the line by its value', () => {
    expect(lineOf('host.cpu.mode{mode=user}', 'mode')).toEqual({ group: 'host.cpu.mode{mode=*}', line: 'user' });
    expect(lineOf('host.cpu.seconds{cpu=1,mode=idle}', 'mode')).toEqual({ group: 'host.cpu.seconds{cpu=1,mode=*}', line: 'idle' });
    expect(lineOf('host.disk.read{device=sda}', 'metric')).toEqual({ group: 'host.disk.*{device=sda}', line: 'read' });
    expect(lineOf('host.cpu.total', 'mode')).toEqual({ group: 'host.cpu.total', line: '' });
  });
});

describe('foldLines', () => {
  it('draws series that differ only in the label as lines of one tile, titled and keyed by what they share', () => {
    const modes = ['user', 'system', 'iowait'].map((m) => view(`host.cpu.mode{mode=${m}}`));
    const [t] = foldLines(modes, 'mode', 'CPU by mode');
    expect(t.lines?.map((l) => l.lineName)).toEqual(['user', 'system', 'iowait']);
    expect(t.key).toBe('host.cpu.mode{mode=*}@web-1');
    expect(t.label).toBe('CPU by mode');
    expect(t.version).toBe(3);
    expect(t.lines?.[0].label).toBe('CPU by mode user');
  });

  it('keeps sources, other label values and units apart, and a group of one a plain tile', () => {
    const out = foldLines(
      [
        view('host.disk.read{device=sda}', 'a', 'B/s'),
        view('host.disk.write{device=sda}', 'a', 'B/s'),
        view('host.disk.read{device=sdb}', 'a', 'B/s'),
        view('host.disk.write{device=sdb}', 'a', 'B/s'),
        view('host.disk.read{device=sda}', 'b', 'B/s'),
        view('host.disk.busy{device=sda}', 'a', '%'),
      ],
      'metric',
      undefined,
    );
    expect(out.map((t) => [t.key, t.label, t.lines?.length ?? 0])).toEqual([
      ['host.disk.*{device=sda}@a', 'disk sda', 2],
      ['host.disk.*{device=sdb}@a', 'disk sdb', 2],
      ['host.disk.read{device=sda}@b', 'disk.read sda', 0],
      ['host.disk.busy{device=sda}@a', 'disk.busy sda', 0],
    ]);
  });

  it('splits past eight lines into further tiles', () => {
    const cores = Array.from({ length: 10 }, (_, i) => view(`host.cpu.core{cpu=${i}}`));
    const out = foldLines(cores, 'cpu', 'CPU per core');
    expect(out.map((t) => [t.key, t.lines?.length])).toEqual([
      ['host.cpu.core{cpu=*}@web-1', 8],
      ['host.cpu.core{cpu=*}@web-1#2', 2],
    ]);
  });

  it('shows the worst of its lines’ checks, and is stale only when every line is', () => {
    const lines = ['a', 'b', 'c'].map((m) => view(`app.q{queue=${m}}`));
    lines[0].check = check('ok');
    lines[1].check = check('critical');
    lines[2].check = check('warn');
    lines[0].stale = true;
    const [t] = foldLines(lines, 'queue', undefined);
    expect(t.check?.status).toBe('critical');
    expect(t.stale).toBe(false);
    for (const l of lines) l.stale = true;
    expect(foldLines(lines, 'queue', undefined)[0].stale).toBe(true);
  });
});
