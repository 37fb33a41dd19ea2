import { describe, expect, it } from 'vitest';
import { parseOptions, streamUrl } from './options.js';

describe('parseOptions', () => {
  it('has dark, non-kiosk defaults with a pixel-ratio cap of 1', () => {
    const o = parseOptions('');
    expect(o).toMatchObject({ channels: [], metrics: [], sources: [], kiosk: false, embed: false, theme: 'dark', title: '', token: null, dpr: 1, points: 60, problems: [] });
  });

  it('reads lists, flags and values', () => {
    const o = parseOptions('?channels=host,http&metrics=host.cpu.*,!host.cpu.core*&sources=web-1,web-2&kiosk&embed=1&theme=light&title=Ops%20wall&token=abc&dpr=2&points=300');
    expect(o.channels).toEqual(['host', 'http']);
    expect(o.metrics).toEqual(['host.cpu.*', '!host.cpu.core*']);
    expect(o.sources).toEqual(['web-1', 'web-2']);
    expect(o.kiosk).toBe(true);
    expect(o.embed).toBe(true);
    expect(o.theme).toBe('light');
    expect(o.title).toBe('Ops wall');
    expect(o.token).toBe('abc');
    expect(o.dpr).toBe(2);
    expect(o.points).toBe(300);
    expect(o.problems).toEqual([]);
  });

  it.each(['0', '10001', '1.5', 'abc', ''])('falls back to 60 points for ?points=%s and says why', (bad) => {
    const o = parseOptions(`?points=${bad}`);
    expect(o.points).toBe(60);
    expect(o.problems).toEqual([`?points: points must be a whole number from 1 to 10000, got "${bad}" (ignored)`]);
  });

  it('takes 1 and 10000 points', () => {
    expect(parseOptions('?points=1').points).toBe(1);
    expect(parseOptions('?points=10000').points).toBe(10_000);
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
  it('is relative, never rooted, and asks for the page\'s points per group', () => {
    expect(streamUrl({ channels: [], sources: [], token: null, points: 60 }, null)).toBe('api/stream?history=60&compact=1');
  });

  it('passes channels, sources, the points, the last event id and the token', () => {
    expect(streamUrl({ channels: ['host', 'http'], sources: ['a', 'b'], token: 't k', points: 120 }, 'e1-42')).toBe(
      'api/stream?channels=host,http,status&sources=a,b&history=120&compact=1&lastEventId=e1-42&token=t+k',
    );
  });
});

describe('span option', () => {
  it('asks for span and points for a coarse span, history for 5m, and falls back on a bad span', () => {
    const o = parseOptions('?span=24h&points=120');
    expect(o.span).toBe('24h');
    expect(streamUrl(o, null)).toBe('api/stream?span=24h&points=120&compact=1');
    expect(streamUrl(parseOptions(''), null)).toBe('api/stream?history=60&compact=1');
    const bad = parseOptions('?span=2d');
    expect(bad.span).toBe('5m');
    expect(bad.problems[0]).toMatch(/^\?span:/);
  });
});

describe('parseOptions: dashboards and words a new user would type', () => {
  it('says what ?theme takes instead of a raw "Invalid input"', () => {
    expect(parseOptions('?theme=blue').problems).toEqual(['?theme: expected "dark" or "light", got "blue" (ignored)']);
  });
  it('reads ?dashboard and ?view, defaulting to the default dashboard as tiles', () => {
    expect(parseOptions('')).toMatchObject({ dashboard: 'default', view: 'tiles' });
    expect(parseOptions('?dashboard=ops-wall&view=status')).toMatchObject({ dashboard: 'ops-wall', view: 'status', problems: [] });
    expect(parseOptions('?view=list').problems).toEqual(['?view: expected "tiles" or "status", got "list" (ignored)']);
  });
});
