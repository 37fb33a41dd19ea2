import { describe, expect, it } from 'vitest';
import { compileGlobs } from './glob.js';

describe('compileGlobs', () => {
  it('passes everything without patterns', () => {
    expect(compileGlobs([])('host.cpu.total')).toBe(true);
  });

  it('matches * across dots and ? as one character', () => {
    const m = compileGlobs(['host.*', 'http.latency.p?5']);
    expect(m('host.net.eth0.rx')).toBe(true);
    expect(m('http.latency.p95')).toBe(true);
    expect(m('http.latency.p999')).toBe(false);
    expect(m('process.heap')).toBe(false);
  });

  it('treats dots and regex characters literally', () => {
    const m = compileGlobs(['host.cpu.total']);
    expect(m('host.cpu.total')).toBe(true);
    expect(m('hostXcpuXtotal')).toBe(false);
    expect(m('host.cpu.total2')).toBe(false);
    expect(compileGlobs(['a+b'])('a+b')).toBe(true);
  });

  it('excludes with a leading !', () => {
    const m = compileGlobs(['host.cpu.*', '!host.cpu.core*']);
    expect(m('host.cpu.total')).toBe(true);
    expect(m('host.cpu.core3')).toBe(false);
    const onlyExclude = compileGlobs(['!host.swap.*']);
    expect(onlyExclude('host.mem.used')).toBe(true);
    expect(onlyExclude('host.swap.used')).toBe(false);
  });

  it('ignores blank entries', () => {
    expect(compileGlobs([' ', '', '!'])('anything')).toBe(true);
  });
});
