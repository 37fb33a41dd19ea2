import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.js';

describe('scrape targets in the config', () => {
  it('reads URL, name, match globs, interval and timeout, from repeated flags', () => {
    const c = parseConfig({}, {}, ['--scrape', 'http://h:8000/metrics;name=llm-1;match=vllm:*|up', '--scrape', 'http://10.0.0.7:9100/metrics;interval=5000;timeout=2000']);
    expect(c.scrape.map((t) => [t.url, t.name, t.match, t.interval, t.timeout])).toEqual([
      ['http://h:8000/metrics', 'llm-1', ['vllm:*', 'up'], null, null],
      ['http://10.0.0.7:9100/metrics', '10.0.0.7-9100', [], 5000, 2000],
    ]);
    expect(c.scrape[0].keep('vllm:num_requests_running')).toBe(true);
    expect(c.scrape[0].keep('up')).toBe(true);
    expect(c.scrape[0].keep('process_cpu_seconds_total')).toBe(false);
  });

  it('splits SCRAPE on commas', () => {
    const c = parseConfig({}, { SCRAPE: 'http://a:1/metrics, http://b:2/metrics;name=b' });
    expect(c.scrape.map((t) => t.name)).toEqual(['a-1', 'b']);
  });

  it.each([
    ['ftp://h/metrics', /target 1 .*url: must be an http:\/\/ or https:\/\/ URL/],
    ['http://h:1/m;nmae=x', /unknown option "nmae"/],
    ['http://h:1/m;match=vllm:*|', /match: must not be empty/],
    ['http://h:1/m;match=a b', /match: must be a metric name glob/],
    ['http://h:1/m;interval=10', /interval: must be at least 100 ms/],
    ['http://h:1/m;name=has space', /name: source must be letters/],
    ['http://h:1/m,http://h:1/m', /target 2: name h-1 is taken/],
    ['http://h:1/m;name=a;name=b', /option name given twice/],
  ])('refuses %s naming what is wrong', (raw, message) => {
    expect(() => parseConfig({}, { SCRAPE: raw })).toThrow(message);
  });

  it('never echoes a URL password', () => {
    let msg = '';
    try {
      parseConfig({}, { SCRAPE: 'http://u:s3cret-pass@h:1/m' });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/must not carry user:password/);
    expect(msg).not.toContain('s3cret');
  });
});
