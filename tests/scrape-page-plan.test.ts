import { createServer } from 'node:http';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { INGEST_VALUE_MAX } from '../shared/ingest.js';
import type { Stat, TickEvent } from '../shared/schema.js';
import { MemoryHub } from '../server/hub/memory-hub.js';
import { parseExposition, SeriesCache, type Family } from '../server/sources/scrape/exposition.js';
import { expositionPoints, PointsPlan } from '../server/sources/scrape/exposition-points.js';
import { Folder } from '../server/sources/scrape/folder.js';
import { PagePlan } from '../server/sources/scrape/page-plan.js';
import { ScrapeTarget } from '../server/sources/scrape/scrape-target.js';
import { parseTargetSpec } from '../server/sources/scrape/target-spec.js';
import { SeriesWindows } from '../server/windows/series-windows.js';

/*
 * A target's page plan (server/sources/scrape/page-plan.ts) and points plan
 * (exposition-points.ts) against reading every page afresh: a sequence of
 * pages, each a change of the last (values moved, lines added, removed,
 * relabelled, moved, cut short, CRLF, garbage), read through one plan as a
 * target reads them round after round, gives the families and the points a
 * fresh parseExposition + expositionPoints give, or the same error. The
 * plan's hit and miss counts show which path each round took, so a test whose
 * rounds all missed (and never tried the plan) cannot pass unseen.
 */

type Outcome = { families: unknown; points: unknown; dropped: number } | { error: string };

function plainFamilies(families: readonly Family[]): unknown {
  return families.map((f) => ({ name: f.name, type: f.type, samples: f.samples.map((s) => [s.suffix, Object.entries(s.labels), s.value]) }));
}

function outcome(read: () => { families: readonly Family[]; points: ReturnType<typeof expositionPoints> }): Outcome {
  try {
    const { families, points } = read();
    // Points as plain data (bucket objects, quantile slots and labels compared by value, NaN by Object.is in toEqual).
    return { families: plainFamilies(families), points: JSON.parse(JSON.stringify(points.points, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))), dropped: points.dropped };
  } catch (err) {
    return { error: `${(err as Error).constructor.name}: ${(err as Error).message}` };
  }
}

const keep = (name: string) => !name.startsWith('skip');

/** Reads pages in turn as a target does (one plan, cache, name memo and points plan); each round's outcome beside a fresh read's. */
function rounds(texts: Array<string | Buffer>): { got: Outcome[]; want: Outcome[]; plan: PagePlan } {
  const plan = new PagePlan();
  const cache = new SeriesCache();
  const names = new Map();
  const points = new PointsPlan();
  const got: Outcome[] = [];
  const want: Outcome[] = [];
  for (const t of texts) {
    const bytes = typeof t === 'string' ? Buffer.from(t) : t;
    got.push(
      outcome(() => {
        const families = plan.read(bytes, cache);
        return { families, points: expositionPoints(families, keep, names, points) };
      }),
    );
    want.push(
      outcome(() => {
        const families = parseExposition(bytes.toString('utf8'));
        return { families, points: expositionPoints(families, keep) };
      }),
    );
  }
  return { got, want, plan };
}

const BASE = [
  '# HELP tok Tokens.',
  '# TYPE tok counter',
  'tok_total{m="a"} 100',
  'tok_total{m="b"} 7',
  '# TYPE g gauge',
  'g{path="a \\"q\\" \\\\ b\\nc",__proto__="x"} 1.5',
  '__proto__ 1',
  'constructor{constructor="1"} 2',
  '# TYPE lat histogram',
  'lat_bucket{le="0.1"} 1',
  'lat_bucket{le="1"} 3',
  'lat_bucket{le="+Inf"} 4',
  'lat_count 4',
  'lat_sum 2.5',
  '# TYPE rpc summary',
  'rpc{quantile="0.5"} 0.2',
  'rpc{quantile="0.99"} 0.9',
  'rpc_count 10',
  'skip_me 3',
];
const page = (lines: string[], eol = '\n') => lines.join(eol) + eol;
const withValue = (lines: string[], at: number, v: string) => lines.map((l, i) => (i === at ? l.replace(/ [^ ]+$/, ` ${v}`) : l));

describe('a page plan read round after round', () => {
  it('reads a page whose values move through the plan, alike', () => {
    const texts = [0, 1, 2, 3].map((r) => page(BASE.map((l) => (l.startsWith('#') ? l : l.replace(/ ([^ ]+)$/, (_m, v) => ` ${Number(v) + r * 10}`)))));
    const { got, want, plan } = rounds(texts);
    expect(got).toEqual(want);
    expect([plan.hits, plan.misses]).toEqual([3, 1]);
  });

  it('reads a page whose layout changes, alike: a line added, removed, relabelled, moved', () => {
    const added = [...BASE.slice(0, 4), 'tok_total{m="c"} 1', ...BASE.slice(4)];
    const removed = BASE.filter((l) => !l.startsWith('tok_total{m="b"}'));
    const relabelled = BASE.map((l) => l.replace('m="a"', 'm="A"'));
    const moved = [BASE[0], BASE[1], BASE[3], BASE[2], ...BASE.slice(4)];
    const { got, want, plan } = rounds([page(BASE), page(BASE), page(added), page(added), page(removed), page(relabelled), page(moved), page(moved), page(BASE)]);
    expect(got).toEqual(want);
    expect([plan.hits, plan.misses]).toEqual([3, 6]);
  });

  it('reads values that become NaN, +Inf or -Inf, a counter reset and a missing count, alike', () => {
    const at = (prefix: string) => BASE.findIndex((l) => l.startsWith(prefix));
    const texts = [
      page(BASE),
      page(withValue(BASE, at('tok_total{m="a"}'), 'NaN')),
      page(withValue(BASE, at('g{'), '+Inf')),
      page(withValue(BASE, at('rpc{quantile="0.5"}'), 'NaN')),
      page(withValue(BASE, at('lat_count'), 'NaN')),
      page(withValue(BASE, at('rpc_count'), 'nan')),
      page(withValue(BASE, at('tok_total{m="a"}'), '3')),
      page(withValue(BASE, at('lat_bucket{le="1"}'), '-Inf')),
      page(withValue(BASE, at('g{'), '1e400')),
      page(BASE),
    ];
    const { got, want, plan } = rounds(texts);
    expect(got).toEqual(want);
    expect(plan.misses).toBe(1);
  });

  it('reads a histogram bucket added, and bounds that change, alike', () => {
    const added = BASE.flatMap((l) => (l.startsWith('lat_bucket{le="1"}') ? ['lat_bucket{le="0.5"} 2', l] : [l]));
    const rebound = BASE.map((l) => l.replace('le="0.1"', 'le="0.2"'));
    const { got, want, plan } = rounds([page(BASE), page(added), page(added), page(rebound), page(BASE)]);
    expect(got).toEqual(want);
    expect([plan.hits, plan.misses]).toEqual([1, 4]);
  });

  it('reads CRLF pages, blanks, timestamps and exemplars, and a last line without a newline, alike', () => {
    const stamped = BASE.map((l) => (l.startsWith('#') ? l : `${l} 1700000000000`));
    const exemplar = BASE.map((l) => (l.startsWith('tok_total') ? `${l} # {trace_id="abc"} 1.0 1700000000.1` : l));
    const spaced = BASE.map((l) => (l.startsWith('#') ? l : l.replace(/ ([^ ]+)$/, '\t $1')));
    const texts = [page(BASE, '\r\n'), page(withValue(BASE, 2, '5'), '\r\n'), page(['', ...BASE, '   ']), page(['', ...withValue(BASE, 2, '6'), '   ']), page(stamped), page(stamped.map((l) => l.replace('1700000000000', '1700000001000'))), page(exemplar), page(spaced), page(spaced), BASE.join('\n'), withValue(BASE, 2, '9').join('\n'), withValue(BASE, 2, '9').join('\n') + '\r'];
    const { got, want, plan } = rounds(texts);
    expect(got).toEqual(want);
    // The second of each pair reads through the plan (a timestamp that moves is ignored as parseExposition ignores it), and a last line gaining a \r.
    expect(plan.hits).toBe(7);
  });

  it('reads a page cut short mid-line, a value that does not read, garbage and # EOF, alike', () => {
    const full = page(BASE);
    const texts = [full, full.slice(0, -1), full.slice(0, full.indexOf('lat_bucket{le="1"}') + 12), full, full.slice(0, full.indexOf('lat_count 4') + 10), full, page(withValue(BASE, 2, '0x1f')), full, 'x{a="1} 2\n', full, '\u0000\u0001 garbage', full, page([...BASE, '# EOF', 'anything after 1']), page([...withValue(BASE, 2, '1e3'), '# EOF', 'other things after']), full];
    const { got, want, plan } = rounds(texts);
    expect(got).toEqual(want);
    expect(got.filter((o) => 'error' in o).length).toBe(5);
    // The page less its last newline, and the page with other lines after # EOF, read through the plan.
    expect(plan.hits).toBe(2);
  });

  it('reads a page with very long lines and non-ASCII bytes alike (non-ASCII pages are read in full)', () => {
    const long = `long{v="${'x'.repeat(100_000)}"} 1`;
    const utf = 'é{l="ü"} 1';
    const texts = [page([...BASE, long]), page([...withValue(BASE, 2, '2'), long.replace(/1$/, '2')]), page([...BASE, 'g_utf{l="ü"} 1']), page([...BASE, 'g_utf{l="ü"} 2']), page([utf]), Buffer.from([0x78, 0x7b, 0x61, 0x3d, 0x22, 0xff, 0x22, 0x7d, 0x20, 0x31, 0x0a]), Buffer.from('x{a="y"} 1\n'), Buffer.from([0x78, 0x7b, 0x61, 0x3d, 0x22, 0x79, 0x22, 0x7d, 0x20, 0x31, 0xc3, 0x0a])];
    const { got, want, plan } = rounds(texts);
    expect(got).toEqual(want);
    expect(plan.hits).toBe(1);
  });

  it('reads a series written twice on a page alike', () => {
    const twice = [...BASE, 'tok_total{m="a"} 101', 'g{path="a \\"q\\" \\\\ b\\nc",__proto__="x"} 9'];
    const { got, want, plan } = rounds([page(twice), page(withValue(twice, twice.length - 1, '10')), page(withValue(twice, 2, '1'))]);
    expect(got).toEqual(want);
    expect(plan.hits).toBe(2);
  });
});

/* Generated pages: lines of samples (some odd), comments and types, each round a change of the last. */
const NAMES = ['x', 'x_total', 'x_created', 'h', 'h_bucket', 'h_count', 'h_sum', 's', 's_count', '__proto__', 'constructor', 'vllm:tokens_total', 'skip_x'];
const name = fc.constantFrom(...NAMES);
const labelText = fc.array(fc.constantFrom('a', ' ', '\\"', '\\\\', '\\n', '}', ',', '#', 'é'), { maxLength: 4 }).map((p) => p.join(''));
const labels = fc.array(fc.tuple(fc.constantFrom('le', 'quantile', '__proto__', 'a', 'b'), fc.oneof(labelText, fc.constantFrom('0.5', '1', '+Inf', '0.99'))), { maxLength: 3 });
const value = fc.oneof(fc.constantFrom('1', '-2.5', '+Inf', '-Inf', 'NaN', '1e3', '.5', '0x1f', '', '17.000000000000004', '1e-400'), fc.double().map(String), fc.integer().map(String));
const line = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(name, fc.option(labels, { nil: null }), fc.constantFrom(' ', '  ', '\t'), value, fc.constantFrom('', ' 1700000000000', ' # {a="b"} 1')).map(([n, l, sep, v, after]) => ({ head: `${n}${l === null ? '' : `{${l.map(([k, x]) => `${k}="${x}"`).join(',')}}`}${sep}`, v, after })) },
  { weight: 2, arbitrary: fc.tuple(name, fc.constantFrom('counter', 'gauge', 'histogram', 'summary', 'untyped')).map(([n, t]) => ({ head: `# TYPE ${n} ${t}`, v: null, after: '' })) },
  { weight: 1, arbitrary: fc.constantFrom('', '# HELP x h', '   ', '# EOF', 'x{a="1"', '\u00a0').map((head) => ({ head, v: null, after: '' })) },
);
type Line = { head: string; v: string | null; after: string };
const change = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constant('values' as const), fc.array(value, { minLength: 1, maxLength: 30 })) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('add' as const), fc.nat(), line) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('drop' as const), fc.nat()) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('swap' as const), fc.nat(), fc.nat()) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('cut' as const), fc.nat()) },
);

function render(lines: Line[], eol: string): string {
  return lines.map((l) => (l.v === null ? l.head : `${l.head}${l.v}${l.after}`)).join(eol) + eol;
}

function apply(lines: Line[], c: ChangeValue): { lines: Line[]; cut: number | null } {
  const out = lines.slice();
  if (c[0] === 'values') out.forEach((l, i) => l.v !== null && (out[i] = { ...l, v: c[1][i % c[1].length] }));
  else if (c[0] === 'add') out.splice(c[1] % (out.length + 1), 0, c[2]);
  else if (c[0] === 'drop' && out.length) out.splice(c[1] % out.length, 1);
  else if (c[0] === 'swap' && out.length) [out[c[1] % out.length], out[c[2] % out.length]] = [out[c[2] % out.length], out[c[1] % out.length]];
  return { lines: out, cut: c[0] === 'cut' ? c[1] : null };
}
type ChangeValue = ['values', string[]] | ['add', number, Line] | ['drop', number] | ['swap', number, number] | ['cut', number];

describe('a page plan on generated pages', () => {
  it('reads every round of changing pages as a fresh read does', () => {
    let hits = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), fc.array(change, { maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (first, changes, eol) => {
        const texts = [render(first, eol)];
        let lines: Line[] = first;
        for (const c of changes) {
          const next = apply(lines, c as ChangeValue);
          lines = next.lines;
          const text = render(lines, eol);
          // A cut page is this round's only: the next round goes on from the whole one.
          texts.push(next.cut === null ? text : text.slice(0, next.cut % (text.length + 1)));
        }
        const { got, want, plan } = rounds(texts);
        expect(got).toEqual(want);
        hits += plan.hits;
      }),
      { numRuns: 1500 },
    );
    // The generated rounds did take the plan, often.
    expect(hits).toBeGreaterThan(500);
  });
});

describe('a page plan reading values', () => {
  it('reads every decimal value as Number() does, and the words the format allows, through the plan', () => {
    const decimal = fc
      .tuple(fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{0,18}$/), fc.option(fc.stringMatching(/^[0-9]{0,18}$/)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 400 }))))
      .map(([sign, int, frac, exp]) => `${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `${exp[0]}${exp[1]}${exp[2]}`}`);
    const values = fc.array(fc.oneof(decimal, fc.double().map(String), fc.constantFrom('0', '-0', '1e22', '1e23', '9007199254740993', '0.1', '.1e-22', '+Inf', 'Inf', '-Inf', 'NaN', 'nan', '0x1f', 'Infinity', '1_0')), { minLength: 3, maxLength: 3 });
    let hits = 0;
    fc.assert(
      fc.property(fc.array(values, { minLength: 2, maxLength: 4 }), (rounds_) => {
        const texts = [['1', '2', '3'], ...rounds_].map((vs) => `# TYPE x gauge\nx{i="0"} ${vs[0]}\nx{i="1"} ${vs[1]}\r\nx{i="2"} ${vs[2]} 1700000000000\n`);
        const { got, want, plan } = rounds(texts);
        expect(got).toEqual(want);
        hits += plan.hits;
      }),
      { numRuns: 2000 },
    );
    expect(hits).toBeGreaterThan(1000);
  });
});

describe('a scrape target reading through its plans, over HTTP', () => {
  it('publishes, round after round, what a fresh parse and fold of each page gives', async () => {
    // Layouts that change under the target: rounds of moving values, then a line added, a counter reset, NaN, a bucket added, lines moved.
    const lines = (r: number) => [
      '# TYPE tok counter',
      `tok_total{m="a"} ${100 + r * 10}`,
      `tok_total{m="b"} ${r < 6 ? 7 + r : r - 6}`,
      '# TYPE g gauge',
      `g{path="x"} ${r % 3 === 2 ? 'NaN' : r * 1.5}`,
      '# TYPE lat histogram',
      `lat_bucket{le="0.1"} ${r}`,
      ...(r >= 8 ? [`lat_bucket{le="0.5"} ${2 * r}`] : []),
      `lat_bucket{le="1"} ${3 * r}`,
      `lat_bucket{le="+Inf"} ${4 * r}`,
      `lat_count ${4 * r}`,
      '# TYPE rpc summary',
      `rpc{quantile="0.5"} ${r % 4 === 3 ? 'NaN' : 0.2 * r}`,
      `rpc_count ${10 * r}`,
      ...(r >= 4 ? ['up 1'] : []),
    ];
    const texts = Array.from({ length: 14 }, (_, r) => {
      const l = lines(r);
      return (r >= 11 ? [...l.slice(3), ...l.slice(0, 3)] : l).join('\n') + '\n';
    });
    const queue = [...texts];
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(queue.shift() ?? ''));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const spec = parseTargetSpec(`http://127.0.0.1:${(server.address() as { port: number }).port}/metrics;name=t`);
    if (!spec.ok) throw new Error(spec.error);
    let clock = 1_000_000;
    const hub = new MemoryHub({ capacity: 64 });
    const target = new ScrapeTarget({ spec: spec.spec, hub, windows: new SeriesWindows({ span: 60_000 }, 1000), logger: pino({ level: 'silent' }), interval: 1000, window: 60_000, maxSeries: 1000, now: () => clock });
    const ticks: TickEvent[] = [];
    hub.subscribe((e) => void ('tick' in e && ticks.push(e.tick)));
    const reference = new Folder(60_000);
    try {
      for (const text of texts) {
        const before = ticks.length;
        await target.scrape();
        expect(target.state, String(target.problem)).toBe('up');
        const got = ticks.length > before ? Object.fromEntries(Object.entries(ticks.at(-1)!.values as Record<string, Stat>).map(([k, st]) => [k, st.v])) : {};
        const fold = reference.fold(expositionPoints(parseExposition(text)).points, clock);
        fold.commit();
        const want = Object.fromEntries(fold.readings.filter((x) => Math.abs(x.v) <= INGEST_VALUE_MAX).map((x) => [x.key, x.v]));
        expect(got, text).toEqual(want);
        clock += 1000;
      }
    } finally {
      await target.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    expect(ticks.length).toBe(texts.length);
  });
});
