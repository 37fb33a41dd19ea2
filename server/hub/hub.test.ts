import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from './hub.js';

describe('encodeFrame', () => {
  it('writes the id, event and data lines and the blank line as UTF-8, whatever the data holds', () => {
    expect(encodeFrame('e1-2', 'app', '{"a":"é"}').toString()).toBe('id: e1-2\nevent: app\ndata: {"a":"é"}\n\n');
    const data = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ minLength: 5000, maxLength: 20_000 }));
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]{1,12}-[0-9]{1,9}$/), fc.constantFrom('app', 'host', 'status'), data, (id, channel, d) => {
        expect(encodeFrame(id, channel, d).equals(Buffer.from(`id: ${id}\nevent: ${channel}\ndata: ${d}\n\n`))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
