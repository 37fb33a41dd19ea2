import { describe, expect, it } from 'vitest';
import { legalName } from './names.js';

describe('legalName', () => {
  it('keeps names that are prototype properties, but gives up on __proto__ (no JSON client keeps that key)', () => {
    expect(legalName('constructor')).toBe('constructor');
    expect(legalName('toString')).toBe('tostring');
    expect(legalName('__proto__')).toBeNull();
    expect(legalName('__PROTO__')).toBeNull();
    expect(legalName('__proto__:rate')).toBe('__proto__.rate');
  });
});
