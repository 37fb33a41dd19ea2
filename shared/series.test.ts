import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IngestLabels as Labels } from './ingest.js';
import { MAX_LABELS, MetricKey, keyName, labelValue, metricKey, parseMetricKey } from './series.js';

const name = fc.stringMatching(/^[a-z0-9_]{1,12}(\.[a-z0-9_]{1,12}){0,3}$/);
const labelName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
const labelVal = fc.stringMatching(/^[A-Za-z0-9_.:/+~-]{1,20}$/);
const labels = fc.dictionary(labelName, labelVal, { maxKeys: MAX_LABELS });

describe('metric keys', () => {
  it('round-trip: the key of a name and labels parses back to them, and is a legal MetricKey', () => {
    fc.assert(
      fc.property(name, labels, (n, l) => {
        const key = metricKey(n, l);
        expect(MetricKey.safeParse(key).success).toBe(true);
        const back = parseMetricKey(key);
        expect(back.name).toBe(n);
        expect({ ...back.labels }).toEqual(l);
        expect(keyName(key)).toBe(n);
      }),
    );
  });

  it('one series, one key: label order does not matter', () => {
    expect(metricKey('host.cpu.seconds', { mode: 'user', cpu: '0' })).toBe('host.cpu.seconds{cpu=0,mode=user}');
    expect(metricKey('host.cpu.seconds', { cpu: '0', mode: 'user' })).toBe('host.cpu.seconds{cpu=0,mode=user}');
    expect(metricKey('host.cpu.total', {})).toBe('host.cpu.total');
    expect(metricKey('host.cpu.total')).toBe('host.cpu.total');
  });

  it('refuses keys that could break the framing or the split', () => {
    for (const bad of ['a{b=c', 'a{b=c}}', 'a{}', 'a{b=}', 'a{b=c d}', 'a{b="c"}', 'a{b=c\n}', 'a{B=c}', 'a{b=c,b2=@}', 'a{a=1,b=2,c=3,d=4,e=5,f=6}']) {
      expect(MetricKey.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('labelValue makes any raw string legal, and keeps a legal one as it is', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (raw) => {
        expect(Labels.safeParse({ x: labelValue(raw) }).success).toBe(true);
      }),
    );
    expect(labelValue('/var/lib/docker')).toBe('/var/lib/docker');
    expect(labelValue('/media/My Disk')).toBe('/media/My_Disk');
  });

  it('parses prototype-named labels into a plain record, not onto a prototype', () => {
    const { labels: l } = parseMetricKey('a{__proto__=x,constructor=y}');
    expect(Object.keys(l)).toEqual(['__proto__', 'constructor']);
    expect(l.__proto__).toBe('x');
  });
});
