import { describe, expect, it } from 'vitest';
import { formatAge, formatNumber, formatText, formatValue } from './format.js';

describe('formatNumber', () => {
  it('keeps about three significant figures and drops trailing zeros', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(123.4)).toBe('123');
    expect(formatNumber(2.5)).toBe('2.5');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(-4.56)).toBe('-4.56');
  });

  it('shows non-finite numbers as symbols', () => {
    expect(formatNumber(NaN)).toBe('–');
    expect(formatNumber(Infinity)).toBe('∞');
  });
});

describe('formatValue', () => {
  it('formats percentages with one decimal', () => {
    expect(formatValue(12.345, '%')).toEqual({ value: '12.3', unit: '%' });
    expect(formatValue(100, '%')).toEqual({ value: '100', unit: '%' });
  });

  it('formats bytes in binary multiples', () => {
    expect(formatValue(512, 'B')).toEqual({ value: '512', unit: 'B' });
    expect(formatValue(1536, 'B')).toEqual({ value: '1.5', unit: 'KiB' });
    expect(formatValue(3.5 * 1024 ** 2, 'B')).toEqual({ value: '3.5', unit: 'MiB' });
    expect(formatValue(16 * 1024 ** 3, 'B')).toEqual({ value: '16', unit: 'GiB' });
    expect(formatValue(1023.9, 'B')).toEqual({ value: '1', unit: 'KiB' });
  });

  it('formats byte rates in binary multiples per second', () => {
    expect(formatValue(0, 'B/s')).toEqual({ value: '0', unit: 'B/s' });
    expect(formatValue(2048, 'B/s')).toEqual({ value: '2', unit: 'KiB/s' });
    expect(formatValue(125 * 1024 ** 2, 'B/s')).toEqual({ value: '125', unit: 'MiB/s' });
  });

  it('formats milliseconds as µs, ms or s', () => {
    expect(formatValue(0.25, 'ms')).toEqual({ value: '250', unit: 'µs' });
    expect(formatValue(12.5, 'ms')).toEqual({ value: '12.5', unit: 'ms' });
    expect(formatValue(1250, 'ms')).toEqual({ value: '1.25', unit: 's' });
    expect(formatValue(0, 'ms')).toEqual({ value: '0', unit: 'ms' });
  });

  it('formats seconds as a duration', () => {
    expect(formatValue(42, 's')).toEqual({ value: '42', unit: 's' });
    expect(formatText(5 * 3600 + 12 * 60 + 3, 's')).toBe('5 h 12 m');
    expect(formatText(3 * 86400 + 4 * 3600, 's')).toBe('3 d 4 h');
    expect(formatText(125, 's')).toBe('2 m 5 s');
  });

  it('formats counts and rates with SI suffixes', () => {
    expect(formatValue(1.5, '')).toEqual({ value: '1.5', unit: '' });
    expect(formatValue(12_300, '')).toEqual({ value: '12.3k', unit: '' });
    expect(formatValue(2_500_000, '/s')).toEqual({ value: '2.5', unit: 'M/s' });
    expect(formatValue(42, '/s')).toEqual({ value: '42', unit: '/s' });
  });

  it('keeps any other unit as sent', () => {
    expect(formatValue(21.5, '°C')).toEqual({ value: '21.5', unit: '°C' });
    expect(formatValue(4200, 'tok')).toEqual({ value: '4.2', unit: 'k tok' });
    expect(formatText(3, 'req')).toBe('3 req');
  });
});

describe('formatAge', () => {
  it('says how long ago in the largest sensible unit', () => {
    expect(formatAge(200)).toBe('now');
    expect(formatAge(1999)).toBe('now');
    expect(formatAge(2000)).toBe('2 s ago');
    expect(formatAge(4000)).toBe('4 s ago');
    expect(formatAge(180_000)).toBe('3 min ago');
    expect(formatAge(3 * 3600_000)).toBe('3 h ago');
  });
});
