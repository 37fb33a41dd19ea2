import { describe, expect, it } from 'vitest';
import { emptyText } from './Empty.js';

describe('emptyText', () => {
  it('waits for the first snapshot even when the stream is already open (live)', () => {
    expect(emptyText({ ready: false, state: 'live' })).toBe('Waiting for the first snapshot…');
    expect(emptyText({ ready: false, state: 'connecting' })).toBe('Waiting for the first snapshot…');
  });
  it('says nothing matches only once a snapshot came, and says offline when it is', () => {
    expect(emptyText({ ready: true, state: 'live' })).toMatch(/^No metrics match/);
    expect(emptyText({ ready: false, state: 'offline' })).toBe('Cannot reach the server; retrying.');
  });
});
