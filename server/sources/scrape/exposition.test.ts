import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition, SeriesCache } from './exposition.js';
import { expositionPoints } from './exposition-points.js';

const OPENMETRICS = `# HELP vllm:generation_tokens Number of generation tokens processed.
# TYPE vllm:generation_tokens counter
vllm:generation_tokens_total{model_name="m"} 120.0 # {trace_id="abc"} 1.0 1700000000.1
vllm:generation_tokens_created{model_name="m"} 1.7e9
# TYPE vllm:e2e_request_latency_seconds histogram
# UNIT vllm:e2e_request_latency_seconds seconds
vllm:e2e_request_latency_seconds_bucket{le="0.5",model_name="a"} 1.0
vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="a"} 3.0
vllm:e2e_request_latency_seconds_count{model_name="a"} 3.0
vllm:e2e_request_latency_seconds_sum{model_name="a"} 3.2
vllm:e2e_request_latency_seconds_bucket{le="0.5",model_name="b"} 5.0
vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="b"} 6.0
vllm:e2e_request_latency_seconds_count{model_name="b"} 6.0
vllm:e2e_request_latency_seconds_created{model_name="b"} 1.7e9
# TYPE g gauge
g{path="a \\"q\\" \\\\ b\\nc",__proto__="x"} 7 1700000000000
# EOF
ignored after EOF {{{
`;

describe('parseExposition', () => {
  it('files OpenMetrics _total and _created under their counter, ignoring exemplars', () => {
    const f = parseExposition(OPENMETRICS);
    const c = f.find((x) => x.name === 'vllm:generation_tokens')!;
    expect(c.type).toBe('counter');
    expect(c.samples.map((s) => [s.suffix, s.value])).toEqual([
      ['_total', 120],
      ['_created', 1.7e9],
    ]);
    expect(f.map((x) => x.name)).toEqual(['vllm:generation_tokens', 'vllm:e2e_request_latency_seconds', 'g']);
  });

  it('unescapes label values and keeps a label named __proto__ as a label', () => {
    const g = parseExposition(OPENMETRICS).find((x) => x.name === 'g')!;
    expect(g.samples[0].labels.path).toBe('a "q" \\ b\nc');
    expect(Object.keys(g.samples[0].labels)).toEqual(['path', '__proto__']);
    expect(g.samples[0].value).toBe(7);
  });

  it('reads the 0.0.4 format, where a counter family is named with _total', () => {
    const f = parseExposition('# HELP x_total h\n# TYPE x_total counter\nx_total{a="1"} 5\nx_total{a="2"} +Inf\nup NaN\n');
    expect(f[0]).toMatchObject({ name: 'x_total', type: 'counter' });
    expect(f[0].samples.map((s) => s.value)).toEqual([5, Infinity]);
    expect(f[1]).toMatchObject({ name: 'up', type: 'untyped' });
  });

  it('throws naming the line on garbage, a bad value or an unterminated label', () => {
    expect(() => parseExposition('# ok\n\u0000\u0001 garbage')).toThrow(ExpositionError);
    expect(() => parseExposition('x 1\ny 0x1f\n')).toThrow(/line 2: value "0x1f" is not a number/);
    expect(() => parseExposition('x{a="1} 2\n')).toThrow(/line 1: unterminated label value/);
    expect(() => parseExposition('x\n')).toThrow(/line 1/);
  });
});

describe('the series cache', () => {
  it('remembers the order of at most `max` lines, however long the page', () => {
    const cache = new SeriesCache(100);
    const page = 'x 1\n'.repeat(30_000) + 'y 2\n';
    const f = parseExposition(page, cache);
    expect(f.map((x) => [x.name, x.samples.length])).toEqual([['x', 30_000], ['y', 1]]);
    expect(cache.last.length).toBe(100);
    // Read again: the first 100 lines by the order, the rest by the map, all alike.
    expect(parseExposition(page, cache).map((x) => [x.name, x.samples.length, x.samples.at(-1)!.value])).toEqual([['x', 30_000, 1], ['y', 1, 2]]);
  });
});

describe('expositionPoints', () => {
  it('keeps each histogram label set apart and leaves out _created', () => {
    const { points, dropped } = expositionPoints(parseExposition(OPENMETRICS));
    expect(dropped).toBe(0);
    const hs = points.filter((p) => p.kind === 'histogram');
    expect(hs.map((h) => [h.name, { ...h.labels }, h.unit, h.kind === 'histogram' && h.count])).toEqual([
      ['vllm.e2e_request_latency_seconds', { model_name: 'a' }, 's', 3],
      ['vllm.e2e_request_latency_seconds', { model_name: 'b' }, 's', 6],
    ]);
    const c = points.find((p) => p.kind === 'counter')!;
    expect([c.name, c.kind === 'counter' && c.v]).toEqual(['vllm.generation_tokens', 120]);
    const g = points.find((p) => p.kind === 'gauge')!;
    expect(Object.entries(g.labels)).toEqual([
      ['path', 'a__q____b_c'],
      ['__proto__', 'x'],
    ]);
  });

  it('drops the x_created gauges the 0.0.4 format writes beside a counter, and filters by family name', () => {
    const text = '# TYPE a_total counter\na_total 1\n# TYPE a_created gauge\na_created 1.7e9\n# TYPE b gauge\nb 2\n';
    expect(expositionPoints(parseExposition(text)).points.map((p) => p.name)).toEqual(['a', 'b']);
    expect(expositionPoints(parseExposition(text), (n) => n.startsWith('b')).points.map((p) => p.name)).toEqual(['b']);
  });

  it('maps names to legal dotted ones and leaves out __proto__, keeping constructor like any name', () => {
    const text = '__proto__ 1\nconstructor{__proto__="x"} 2\nHTTP:Server:Dur 3\nvllm:num_requests_running 4\n# TYPE __proto___total counter\n__proto___total 5\n';
    const { points, dropped } = expositionPoints(parseExposition(text));
    expect(points.map((p) => p.key)).toEqual(['constructor{__proto__=x}', 'app.http.server.dur', 'vllm.num_requests_running']);
    expect(dropped).toBe(2);
  });

  it('leaves out a series with more than 5 labels and counts it', () => {
    const { points, dropped } = expositionPoints(parseExposition('x{a="1",b="2",c="3",d="4",e="5",f="6"} 1\nx{job="j",instance="i",a="1"} 2\n'));
    expect(dropped).toBe(1);
    expect(points.map((p) => ({ ...p.labels }))).toEqual([{ a: '1' }]);
  });

  it('reads buckets in any order, the same through the series cache, and drops a histogram with an unreadable bound', () => {
    const page = (order: number[], le3 = '+Inf') => {
      const lines = [`h_bucket{le="0.5"} 1`, `h_bucket{le="1"} 3`, `h_bucket{le="${le3}"} 4`];
      return `# TYPE h histogram\n${order.map((i) => lines[i]).join('\n')}\nh_count 4\n`;
    };
    const cache = new SeriesCache();
    const buckets = (text: string) => expositionPoints(parseExposition(text, cache)).points.map((p) => p.kind === 'histogram' && p.buckets.map((b) => [b.le, b.count]));
    const want = [[[0.5, 1], [1, 3], [Infinity, 4]]];
    for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0], [0, 1, 2]]) expect(buckets(page(order))).toEqual(want);
    const { points, dropped } = expositionPoints(parseExposition(page([0, 1, 2], 'x'), cache));
    expect([points.length, dropped]).toEqual([0, 1]);
  });
});
