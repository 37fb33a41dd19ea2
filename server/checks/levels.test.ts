import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LevelJudge } from './levels.js';

const run = (judge: LevelJudge, points: Array<[t: number, v: number]>) => points.map(([t, v]) => judge.judge(v, t).status);

describe('LevelJudge', () => {
  it('is warn past warn and critical past critical, above the levels by default', () => {
    const j = new LevelJudge({ warn: 80, critical: 90, hysteresis: 0 });
    expect(run(j, [[0, 50], [1, 80], [2, 85], [3, 95], [4, 90], [5, 70]])).toEqual(['ok', 'ok', 'warn', 'critical', 'warn', 'ok']);
  });

  it('inverts the comparison with below (free disk, tokens/s)', () => {
    const j = new LevelJudge({ warn: 20, critical: 10, below: true, hysteresis: 0 });
    expect(run(j, [[0, 50], [1, 15], [2, 5], [3, 30]])).toEqual(['ok', 'warn', 'critical', 'ok']);
  });

  it('counts a level only once it has held for `for` ms', () => {
    const j = new LevelJudge({ critical: 90, for: 3000, hysteresis: 0 });
    expect(run(j, [[0, 95], [1000, 95], [2999, 95], [3000, 95], [4000, 50]])).toEqual(['ok', 'ok', 'ok', 'critical', 'ok']);
  });

  it('starts `for` over when the value clears before it has held', () => {
    const j = new LevelJudge({ critical: 90, for: 2000, hysteresis: 0 });
    expect(run(j, [[0, 95], [1000, 50], [2000, 95], [3000, 95], [4000, 95]])).toEqual(['ok', 'ok', 'ok', 'ok', 'critical']);
  });

  it('clears only past the hysteresis band, so a value hovering at the line does not flap', () => {
    const j = new LevelJudge({ critical: 90, hysteresis: 5 });
    expect(run(j, [[0, 91], [1, 89], [2, 90.5], [3, 86], [4, 85], [5, 89]])).toEqual(['critical', 'critical', 'critical', 'critical', 'ok', 'ok']);
  });

  it('defaults the hysteresis to 5 % of the level', () => {
    const j = new LevelJudge({ warn: 100 });
    expect(run(j, [[0, 101], [1, 95.5], [2, 95]])).toEqual(['warn', 'warn', 'ok']);
  });

  it('forgets its trips on reset: after a stale spell a level must hold anew', () => {
    const j = new LevelJudge({ critical: 90, for: 1000, hysteresis: 0 });
    run(j, [[0, 95], [500, 95]]);
    j.reset();
    expect(run(j, [[1000, 95], [1999, 95], [2000, 95]])).toEqual(['ok', 'ok', 'critical']);
  });

  it('never flaps while the value stays within the hysteresis band (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 85.01, max: 94.99, noNaN: true }), { minLength: 1, maxLength: 200 }), (vs) => {
        const j = new LevelJudge({ critical: 90, hysteresis: 5 });
        j.judge(95, 0); // tripped
        return vs.every((v, i) => j.judge(v, i + 1).status === 'critical');
      }),
    );
  });

  it('is critical exactly when the value has been past critical for `for` ms, with no hysteresis (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 100 })), { minLength: 1, maxLength: 100 }), fc.integer({ min: 0, max: 5000 }), (steps, hold) => {
        const j = new LevelJudge({ critical: 50, for: hold, hysteresis: 0 });
        let t = 0;
        let pastSince: number | null = null;
        for (const [dt, v] of steps) {
          t += dt;
          pastSince = v > 50 ? (pastSince ?? t) : null;
          const expected = pastSince !== null && t - pastSince >= hold ? 'critical' : 'ok';
          if (j.judge(v, t).status !== expected) return false;
        }
        return true;
      }),
    );
  });

  it('is never better than warn while past critical, and never worse than ok below every level (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), { minLength: 1, maxLength: 100 }), (vs) => {
        const j = new LevelJudge({ warn: 10, critical: 20 });
        return vs.every((v, i) => {
          const s = j.judge(v, i).status;
          return (v > 20 ? s !== 'ok' : true) && (v <= 9.5 ? s === 'ok' : true);
        });
      }),
    );
  });
});
