import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChange, CompactTick, expandCompact, type Stat, StreamTick } from '../../shared/schema.js';
import { compactTickJson, KeyJson, num, streamTickJson, writeTicks } from './tick-json.js';
import { encodeFrame } from './hub.js';
import { JsonBytes } from './json-bytes.js';

const stat = (v: number, more: Partial<Stat> = {}): Stat => ({ v, min: 0, max: 10, avg: 5, n: 60, trend: 'stable', u: '%', ...more });
const parse = (json: string) => StreamTick.parse(JSON.parse(json));

describe('compactTickJson', () => {
  const base = { 'host.cpu': stat(3), 'host.mem': stat(7) };
  const tick = { t: 2, source: 'a', values: { 'host.cpu': stat(4), 'host.mem': stat(8, { min: 1, max: 12, avg: 6, trend: 'rising' as const }) } };

  it('writes values in key order, one-letter window fields, and the keys only when the layout differs', () => {
    const same = compactTickJson(tick, (k) => base[k as keyof typeof base], ['host.cpu', 'host.mem']);
    expect(same).toBe('{"t":2,"source":"a","values":[4,{"v":8,"l":1,"h":12,"a":6,"d":1}]}');
    const moved = compactTickJson(tick, (k) => base[k as keyof typeof base], ['host.mem', 'host.cpu']);
    expect(moved).toBe('{"t":2,"source":"a","keys":["host.cpu","host.mem"],"values":[4,{"v":8,"l":1,"h":12,"a":6,"d":1}]}');
    expect(compactTickJson(tick, null, null)).toContain('"keys":["host.cpu","host.mem"]');
  });

  it('expands to the same StreamTick as the keyed form', () => {
    const b = (k: string) => base[k as keyof typeof base];
    for (const [layout, bs] of [[['host.cpu', 'host.mem'], b], [null, null]] as const) {
      const compact = expandCompact(CompactTick.parse(JSON.parse(compactTickJson(tick, bs, layout))), ['host.cpu', 'host.mem']);
      expect(compact).toEqual(StreamTick.parse(JSON.parse(streamTickJson(tick, bs))));
    }
  });
});

describe('streamTickJson', () => {
  it('writes a stat whole when its series has no base, as the first tick of a series must', () => {
    const json = streamTickJson({ t: 1, source: 'a', values: { 'host.cpu': stat(3) } }, null);
    expect(parse(json).values['host.cpu']).toEqual(stat(3));
  });

  it('leaves out what did not change, n always, and writes a value-only change as a bare number', () => {
    const base = { 'host.cpu': stat(3), 'host.mem': stat(7) };
    const json = streamTickJson({ t: 2, source: 'a', values: { 'host.cpu': stat(4, { n: 61 }), 'host.mem': stat(8, { max: 12, trend: 'rising' }) } }, (k) => base[k as keyof typeof base]);
    expect(json).toBe('{"t":2,"source":"a","values":{"host.cpu":4,"host.mem":{"v":8,"max":12,"trend":"rising"}}}');
  });

  it('sends a unit again when it changes', () => {
    const json = streamTickJson({ t: 2, source: 'a', values: { 'app.x': stat(1, { u: 'ms' }) } }, () => stat(1));
    expect(parse(json).values['app.x']).toEqual({ v: 1, u: 'ms' });
  });

  it('folds back, change by change, into exactly the stats that were published (n aside)', () => {
    // -0 is 0 in JSON, whoever writes it.
    const field = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
    const stats = fc.array(
      fc.record({ v: field, min: fc.constantFrom(0, 1), max: field, avg: field, n: fc.nat(100), trend: fc.constantFrom('rising', 'falling', 'stable' as const), u: fc.constantFrom('', '%', 'a"b\\') }),
      { minLength: 1, maxLength: 20 },
    );
    fc.assert(
      fc.property(stats, (list) => {
        let held: Stat | undefined;
        let client: Stat | null = null;
        for (const s of list) {
          const change = parse(streamTickJson({ t: 1, source: 'a', values: { k: s } }, () => held)).values.k;
          client = applyChange(client, change);
          held = s;
          expect({ ...client, n: 0 }).toEqual({ ...s, n: 0 });
        }
        expect(client!.n).toBe(list[0].n);
      }),
    );
  });

  it('keeps the data line one line of JSON whatever a source calls its series', () => {
    const json = streamTickJson({ t: 1, source: 'a\nb', values: { 'x"\n\u2028y': stat(1) } }, null);
    expect(json).not.toMatch(/[\n\r]/);
    expect(Object.keys(JSON.parse(json).values)).toEqual(['x"\n\u2028y']);
  });
});

describe('KeyJson', () => {
  const key = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('host.cpu', '__proto__', 'constructor', 'x"\n\u2028y', '\ud800', 'a\\b'));
  const stat = fc.record({ v: fc.double(), min: fc.double(), max: fc.double(), avg: fc.double(), n: fc.nat(100), trend: fc.constantFrom('rising', 'falling', 'stable' as const), u: fc.string() });

  it('writes ticks byte for byte as JSON.stringify of each key would, while it holds keys and after it forgets them', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(key, stat, { maxKeys: 12 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 8 }), (ticks, max) => {
        const names = new KeyJson(max);
        let prev: Record<string, Stat> = {};
        for (const values of ticks) {
          const tick = { t: 1, source: 's', values: Object.assign(Object.create(null), values) as Record<string, Stat> };
          const base = (k: string) => (Object.hasOwn(prev, k) ? prev[k] : undefined);
          expect(streamTickJson(tick, base, names)).toBe(streamTickJson(tick, base));
          expect(streamTickJson(tick, null, names)).toBe(streamTickJson(tick, null));
          prev = tick.values;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('holds at most max keys', () => {
    const names = new KeyJson(3);
    for (let i = 0; i < 10; i++) expect(names.of(`k${i}`).toString()).toBe(`"k${i}":`);
    expect((names as unknown as { texts: Map<string, Buffer> }).texts.size).toBeLessThanOrEqual(3);
  });
});

describe('num', () => {
  it('is the shortest text that parses back to exactly the same number', () => {
    expect(num(1529000000)).toBe('1.529e9');
    expect(num(1529286656)).toBe('1529286656');
    expect(num(0.000123)).toBe('1.23e-4');
    expect(num(99.5)).toBe('99.5');
    expect(num(Number.NaN)).toBe('null');
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(JSON.parse(num(x))).toBe(Object.is(x, -0) ? 0 : x);
        expect(num(x).length).toBeLessThanOrEqual(JSON.stringify(x).length);
      }),
    );
  });

  it('picks the shorter of the plain and exponent forms, as trying both would', () => {
    const both = (x: number) => {
      const plain = String(x);
      const exp = x.toExponential().replace('e+', 'e');
      return plain.length >= 6 && exp.length < plain.length ? exp : plain;
    };
    const scaled = fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: -12, max: 25 })).map(([m, e]) => m * 10 ** e);
    // Where the forms can trade places: around 0.001 and 0.01, long runs of zeros, 1e21 and past.
    const edges = fc.oneof(fc.double({ min: 1e-4, max: 0.02, noNaN: true }), fc.double({ min: 1e20, max: 1e23, noNaN: true }), fc.constantFrom(0.001, 0.01, -0.001, 0.0015, 1e21, -1e21, 1e-7, 100, 1000, 123400, 1e20));
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), scaled, edges), (x) => {
          expect(num(x)).toBe(both(x));
        }),
      { numRuns: 5000 },
    );
  });
});

describe('ticks written as bytes', () => {
  it('write any key, source and unit as the JSON.stringify text of the same tick would read, in UTF-8, on one line', () => {
    // Whole stats (no base) carry every field, so the text must equal a reference built with JSON.stringify.
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    fc.assert(
      fc.property(fc.uniqueArray(text, { minLength: 1, maxLength: 6 }), text, text, fc.double({ noNaN: true, noDefaultInfinity: true }), (keys, source, u, v) => {
        const values = Object.create(null) as Record<string, Stat>;
        for (const k of keys) values[k] = stat(v, { u });
        const tick = { t: 7, source, values };
        const json = streamTickJson(tick, null);
        expect(json).not.toMatch(/[\n\r]/);
        const ref = `{"t":7,"source":${JSON.stringify(source)},"values":{${Object.keys(values)
          .map((k) => `${JSON.stringify(k)}:{"v":${num(Object.is(v, -0) ? 0 : v)},"min":0,"max":10,"avg":5,"n":60,"trend":"stable","u":${JSON.stringify(u)}}`)
          .join(',')}}}`;
        expect(json).toBe(ref);
        const compact = compactTickJson(tick, null, null);
        expect(JSON.parse(compact)).toEqual(JSON.parse(`{"t":7,"source":${JSON.stringify(source)},"keys":${JSON.stringify(Object.keys(values))},"values":${JSON.stringify(Object.keys(values).map(() => JSON.parse(ref).values[Object.keys(values)[0]]).map((s: Record<string, unknown>) => ({ v: s.v, l: 0, h: 10, a: 5, n: 60, d: 0, u })))}}`));
      }),
    );
  });

  it('grow past their first buffer and frame a tick of megabytes whole', async () => {
    const values = Object.create(null) as Record<string, Stat>;
    for (let i = 0; i < 20_000; i++) values[`metric_${i}{label="é${i}"}`] = stat(i / 3);
    const out = new JsonBytes();
    writeTicks(out, null, { t: 1, source: 's', values }, null, new KeyJson(), null);
    const frame = encodeFrame('e-1', 'app', out);
    const text = frame.toString('utf8');
    expect(text.startsWith('id: e-1\nevent: app\ndata: {')).toBe(true);
    expect(text.endsWith('}}\n\n')).toBe(true);
    const parsed = JSON.parse(text.slice('id: e-1\nevent: app\ndata: '.length)) as { values: Record<string, Stat> };
    expect(Object.keys(parsed.values)).toHaveLength(20_000);
    expect(parsed.values['metric_19999{label="é19999"}']).toEqual(stat(19999 / 3));
    // The same writer begun again holds nothing of the tick before.
    writeTicks(out, null, { t: 2, source: 's', values: { a: stat(1) } }, null, new KeyJson(), null);
    expect(out.text()).toBe(streamTickJson({ t: 2, source: 's', values: { a: stat(1) } }, null));
  });

  it('write the keyed and the compact tick in one pass exactly as each alone', () => {
    const field = fc.oneof(fc.constantFrom(0, 1, 2.5), fc.double({ noNaN: true, noDefaultInfinity: true }));
    const statArb = fc.record({ v: field, min: field, max: field, avg: field, n: fc.nat(100), trend: fc.constantFrom('rising', 'falling', 'stable' as const), u: fc.constantFrom('', '%', 'ms') });
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/), { minLength: 1, maxLength: 5 }), fc.array(fc.tuple(statArb, fc.option(statArb, { nil: undefined })), { minLength: 5, maxLength: 5 }), fc.boolean(), (keys, pairs, sameLayout) => {
        const values = Object.create(null) as Record<string, Stat>;
        const bases = new Map<string, Stat | undefined>();
        keys.forEach((k, i) => {
          values[k] = pairs[i][0];
          bases.set(k, pairs[i][1]);
        });
        const tick = { t: 3, source: 'src', values };
        const base = (k: string) => bases.get(k);
        const layout = sameLayout ? Object.keys(values) : null;
        const [k, c] = [new JsonBytes(), new JsonBytes()];
        writeTicks(k, c, tick, base, new KeyJson(), layout);
        expect(k.text()).toBe(streamTickJson(tick, base));
        expect(c.text()).toBe(compactTickJson(tick, base, layout));
        // And what each says is the same tick.
        expect(expandCompact(CompactTick.parse(JSON.parse(c.text())), Object.keys(values))).toEqual(StreamTick.parse(JSON.parse(k.text())));
      }),
    );
  });
});
