import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExposition, SeriesCache } from '../server/sources/scrape/exposition.js';
import { parseExposition as parseMain } from './fixtures/exposition-main.js';

/*
 * The one-pass parser with its series cache (server/sources/scrape/exposition.ts)
 * against the parser as it was on main (tests/fixtures/exposition-main.ts), on
 * generated pages of real and hostile lines: both give the same families,
 * samples, labels and values, or both throw the same error. Each page is read
 * twice with one cache, with other values and timestamps the second time, as a
 * target reads its pages round after round (the second read takes the cached path).
 */

type Outcome = { families: unknown } | { error: string };
/** What both parsers' families have in common (the memo each keeps differs). */
type Family = { name: string; type: string; samples: Array<{ suffix: string; labels: Record<string, string>; value: number }> };

function plain(families: Family[]): unknown {
  return families.map((f) => ({ name: f.name, type: f.type, samples: f.samples.map((s) => [s.suffix, Object.entries(s.labels), s.value]) }));
}

function outcome(read: () => Family[]): Outcome {
  try {
    return { families: plain(read()) };
  } catch (err) {
    return { error: `${(err as Error).constructor.name}: ${(err as Error).message}` };
  }
}

const NAMES = ['x', 'x_total', 'x_created', 'h', 'h_bucket', 'h_count', 'h_sum', 's', 's_count', 'g_gcount', 'i_info', '__proto__', 'constructor', 'vllm:tokens_total', 'a:b', '9bad', 'é'];
const name = fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,6}$/));
const labelText = fc.array(fc.constantFrom('a', ' ', '\\"', '\\\\', '\\n', '\\x', '}', '{', ',', '#', '=', 'é', '\t', ' 1 '), { maxLength: 6 }).map((p) => p.join(''));
const labels = fc.array(fc.tuple(fc.constantFrom('le', 'quantile', '__proto__', 'a', 'b', 'model_name', '1x', ''), labelText, fc.constantFrom(',', ', ', '')), { maxLength: 3 });
const VALUES = ['1', '-2.5', '+Inf', 'Inf', '-Inf', 'NaN', 'nan', '1e3', '1E-3', '.5', '5.', '+.5e-3', '0x1f', 'Infinity', '', '1_000', '1e', '-', '.', '0.0', '1.7e9'];
const value = fc.oneof(fc.constantFrom(...VALUES), fc.double().map(String), fc.integer().map(String));
const after = fc.constantFrom('', ' 1700000000000', '\t12', ' # {trace_id="abc"} 1.0 1700000000.1', ' ', '  x y');
const sep = fc.constantFrom(' ', ' ', ' ', '  ', '\t', ' \t', '');

interface Spec {
  kind: 'sample' | 'type' | 'other';
  name: string;
  labels: Array<[string, string, string]> | null;
  sep: string;
  values: [string, string];
  after: [string, string];
  other: string;
}

const spec: fc.Arbitrary<Spec> = fc.record({
  kind: fc.constantFrom('sample', 'sample', 'sample', 'type', 'other'),
  name,
  labels: fc.option(labels, { nil: null }),
  sep,
  values: fc.tuple(value, value),
  after: fc.tuple(after, after),
  other: fc.oneof(
    fc.constantFrom('', '   ', '# HELP x help', '# EOF', '# UNIT x seconds', '#', '# TYPE', '# TYPE x', '\u00a0', ' x 1', 'x{a="1"', 'x{a="1"}1'),
    fc.constantFrom('counter', 'gauge', 'histogram', 'summary', 'untyped', 'COUNTER', 'bogus', 'info', 'stateset').map((t) => `# TYPE x ${t}`),
    fc.string({ maxLength: 20 }),
  ),
});

function render(specs: Spec[], round: 0 | 1, eol: string): string {
  return specs
    .map((s) => {
      if (s.kind === 'other') return s.other;
      if (s.kind === 'type') return `# TYPE ${s.name} ${s.values[round].length % 2 ? 'counter' : 'histogram'}`;
      const l = s.labels === null ? '' : `{${s.labels.map(([k, v, c]) => `${k}="${v}"${c}`).join('')}}`;
      return `${s.name}${l}${s.sep}${s.values[round]}${s.after[round]}`;
    })
    .join(eol);
}

describe('parseExposition against the parser it replaced', () => {
  it('reads generated pages alike, the second round from its cache', () => {
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), (specs, eol) => {
        const cache = new SeriesCache();
        for (const round of [0, 1] as const) {
          const text = render(specs, round, eol);
          expect(outcome(() => parseExposition(text, cache))).toEqual(outcome(() => parseMain(text)));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads alike when lines move, come and go between rounds (the cache guess of the next series misses)', () => {
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (specs, picks) => {
        const cache = new SeriesCache();
        // Round 0 as generated, round 1 the same lines, some left out, some twice, in another order; then round 0 again.
        const moved = specs.length ? picks.map((k) => specs[k % specs.length]) : [];
        for (const [lines, round] of [[specs, 0], [moved, 1], [specs, 0], [specs, 1]] as const) {
          const text = render(lines, round, '\n');
          expect(outcome(() => parseExposition(text, cache))).toEqual(outcome(() => parseMain(text)));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads every decimal value as Number() does, cached or not', () => {
    const decimal = fc
      .tuple(fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{0,18}$/), fc.option(fc.stringMatching(/^[0-9]{0,18}$/)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 400 }))))
      .map(([sign, int, frac, exp]) => `${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `${exp[0]}${exp[1]}${exp[2]}`}`);
    const values = fc.array(fc.oneof(decimal, fc.double().map(String), fc.constantFrom('0', '-0', '-0.0', '1e22', '1e23', '9007199254740993', '123456789012345.6', '0.1', '.1e-22')), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(values, values, (a, b) => {
        const cache = new SeriesCache();
        for (const vs of [a, b]) {
          const text = vs.map((v, i) => `x{i="${i % 7}"} ${v}\n`).join('');
          const got = outcome(() => parseExposition(text, cache));
          expect(got).toEqual(outcome(() => parseMain(text)));
          if ('families' in got) {
            const read = (got.families as Array<{ samples: Array<[string, unknown, number]> }>)[0].samples.map((s) => s[2]);
            vs.forEach((v, i) => expect(Object.is(read[i], Number(v))).toBe(true));
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a known page of escapes, odd names, _created, NaN and +Inf alike, cached or not', () => {
    const text = [
      '# TYPE vllm:generation_tokens counter',
      'vllm:generation_tokens_total{model_name="m"} 120.0 # {trace_id="abc"} 1.0 1700000000.1',
      'vllm:generation_tokens_created{model_name="m"} 1.7e9',
      '# TYPE h histogram',
      'h_bucket{le="0.5",a="x y"} 1',
      'h_bucket{le="+Inf",a="x y"} NaN',
      'h_count{a="x y"} +Inf 1700000000000',
      'g{path="a \\"q\\" \\\\ b\\nc",__proto__="x"} -Inf',
      '__proto__ 1',
      'constructor{constructor="1"} 2',
    ].join('\n');
    const cache = new SeriesCache();
    const want = outcome(() => parseMain(text));
    expect(outcome(() => parseExposition(text, cache))).toEqual(want);
    expect(outcome(() => parseExposition(text, cache))).toEqual(want);
    expect(outcome(() => parseExposition(text))).toEqual(want);
    expect((want as { families: Array<{ name: string }> }).families.map((f) => f.name)).toEqual(['vllm:generation_tokens', 'h', 'g', '__proto__', 'constructor']);
  });

  it('fails 5 MB of garbage with the same error, and a page gone bad after good rounds', () => {
    const garbage = randomBytes(5 << 20).toString('latin1');
    expect(outcome(() => parseExposition(garbage, new SeriesCache()))).toEqual(outcome(() => parseMain(garbage)));
    const lines = Array.from({ length: 2000 }, (_, i) => `x{i="${i}"} ${i}`);
    const cache = new SeriesCache();
    parseExposition(lines.join('\n'), cache);
    const bad = [...lines.slice(0, 1000), `x{i="5"} 0x1f`, ...lines.slice(1000)].join('\n');
    const got = outcome(() => parseExposition(bad, cache));
    expect(got).toEqual(outcome(() => parseMain(bad)));
    expect(got).toEqual({ error: 'ExpositionError: line 1001: value "0x1f" is not a number' });
  });
});
