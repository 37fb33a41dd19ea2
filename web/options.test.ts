import { describe, expect, it } from 'vitest';
import { parseOptions, streamUrl } from './options.js';

describe('parseOptions', () => {
  it('has dark, non-kiosk defaults with a pixel-ratio cap of 1', () => {
    const o = parseOptions('');
    expect(o).toMatchObject({ channels: [], metrics: [], sources: [], kiosk: false, embed: false, theme: 'dark', title: '', token: null, dpr: 1, problems: [] });
  });

  it('reads lists, flags and values', () => {
    const o = parseOptions('?channels=host,http&metrics=host.cpu.*,!host.cpu.core*&sources=web-1,web-2&kiosk&embed=1&theme=light&title=Ops%20wall&token=abc&dpr=2');
    expect(o.channels).toEqual(['host', 'http']);
    expect(o.metrics).toEqual(['host.cpu.*', '!host.cpu.core*']);
    expect(o.sources).toEqual(['web-1', 'web-2']);
    expect(o.kiosk).toBe(true);
    expect(o.embed).toBe(true);
    expect(o.theme).toBe('light');
    expect(o.title).toBe('Ops wall');
    expect(o.token).toBe('abc');
    expect(o.dpr).toBe(2);
    expect(o.problems).toEqual([]);
  });

  it('turns a flag off with 0 or false', () => {
    expect(parseOptions('?kiosk=0&embed=false')).toMatchObject({ kiosk: false, embed: false });
  });

  it('falls back to defaults and reports bad values', () => {
    const o = parseOptions('?channels=host,disk&theme=pink&dpr=9&sources=bad%20name');
    expect(o.channels).toEqual([]);
    expect(o.theme).toBe('dark');
    expect(o.dpr).toBe(1);
    expect(o.sources).toEqual([]);
    expect(o.problems).toHaveLength(4);
    expect(o.problems.join('\n')).toMatch(/\?channels:/);
    expect(o.problems.join('\n')).toMatch(/\?dpr: dpr must be between/);
  });
});

describe('streamUrl', () => {
  it('is relative, never rooted', () => {
    expect(streamUrl({ channels: [], sources: [], token: null }, null)).toBe('api/stream');
  });

  it('passes channels, sources, the last event id and the token', () => {
    expect(streamUrl({ channels: ['host', 'http'], sources: ['a', 'b'], token: 't k' }, 'e1-42')).toBe(
      'api/stream?channels=host,http&sources=a,b&lastEventId=e1-42&token=t+k',
    );
  });
});
