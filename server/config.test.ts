import { describe, expect, it } from 'vitest';
import { ConfigError, helpText, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('applies defaults, then env, then flags, then overrides', () => {
    expect(parseConfig().port).toBe(8080);
    expect(parseConfig({}, { PORT: '9000' }).port).toBe(9000);
    expect(parseConfig({}, { PORT: '9000' }, ['--port', '9100']).port).toBe(9100);
    expect(parseConfig({ port: 0 }, { PORT: '9000' }, ['--port=9100']).port).toBe(0);
    expect(parseConfig({}, {}, ['--trend-threshold', '0.3']).trendThreshold).toBe(0.3);
  });

  it('names the setting and the rule when a value is bad', () => {
    expect(() => parseConfig({}, { PORT: 'abc' })).toThrow(/--port \(PORT="abc"\)/);
    expect(() => parseConfig({}, {}, ['--interval', '5'])).toThrow(ConfigError);
    expect(() => parseConfig({}, {}, ['--interval', '5'])).toThrow(/--interval.*100/);
    expect(() => parseConfig({}, {}, ['--nope', '1'])).toThrow(/unknown option "--nope"/);
    expect(() => parseConfig({}, {}, ['--port'])).toThrow(/needs a value/);
    expect(() => parseConfig({}, { SOURCE: 'bad name!' })).toThrow(/--source/);
  });

  it('refuses the agent and server roles without a Redis URL, in one line', () => {
    expect(() => parseConfig({}, {}, ['--role', 'agent'])).toThrow(/^--role agent needs Redis: set REDIS_URL/);
    expect(() => parseConfig({}, { ROLE: 'server' })).toThrow(ConfigError);
    expect(parseConfig({}, { ROLE: 'agent', REDIS_URL: 'redis://127.0.0.1:6379' }).role).toBe('agent');
    expect(parseConfig().role).toBe('standalone');
    expect(() => parseConfig({}, { REDIS_URL: 'http://x' })).toThrow(/--redis-url.*redis:\/\//);
  });

  it('returns a frozen object with a source name', () => {
    const c = parseConfig();
    expect(Object.isFrozen(c)).toBe(true);
    expect(c.source).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
  });

  it('lists every setting in --help', () => {
    expect(helpText()).toMatch(/--port <v>\s+PORT/);
    expect(helpText()).toMatch(/--client-buffer <v>\s+CLIENT_BUFFER/);
  });
});

describe('ingest and token settings', () => {
  const token = 'i'.repeat(20);
  it('turns ingest on when INGEST_TOKEN is set and off when it is not, so a bare start works', () => {
    expect(parseConfig().ingest).toBe('off');
    expect(parseConfig({}, { INGEST_TOKEN: token }).ingest).toBe('on');
    expect(parseConfig({}, { INGEST_TOKEN: token, INGEST: 'off' }).ingest).toBe('off');
  });

  it('refuses INGEST=on without a token, with what to do', () => {
    expect(() => parseConfig({}, { INGEST: 'on' })).toThrow(/INGEST_TOKEN is not set: set INGEST_TOKEN/);
  });

  it('refuses a short token or a read token equal to the ingest token, without echoing either', () => {
    const short = 'short-secret';
    expect(() => parseConfig({}, { INGEST_TOKEN: short })).toThrow(/--ingest-token \(INGEST_TOKEN=<hidden>\): must be at least 16/);
    try {
      parseConfig({}, { INGEST_TOKEN: short });
    } catch (err) {
      expect(String(err)).not.toContain(short);
    }
    expect(() => parseConfig({}, { INGEST_TOKEN: token, READ_TOKEN: token })).toThrow(/READ_TOKEN must differ/);
  });

  it('accepts only CSP source expressions for frame-ancestors and origins for CORS', () => {
    expect(parseConfig({}, { FRAME_ANCESTORS: "'self' https://intranet.example.com" }).frameAncestors).toBe("'self' https://intranet.example.com");
    expect(() => parseConfig({}, { FRAME_ANCESTORS: "'self'; script-src *" })).toThrow(/--frame-ancestors/);
    expect(() => parseConfig({}, { FRAME_ANCESTORS: 'https://a.example\nX: y' })).toThrow(/--frame-ancestors/);
    expect(parseConfig({}, { CORS_ORIGINS: 'https://a.example, http://b.example:8080' }).corsOrigins).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(parseConfig().corsOrigins).toEqual([]);
    expect(() => parseConfig({}, { CORS_ORIGINS: 'https://a.example/path' })).toThrow(/--cors-origins/);
  });
});

describe('--help', () => {
  it('lines up every row: each env column and each help text starts at one column', () => {
    const rows = helpText().split('\n').filter((l) => l.startsWith('  --') && !l.includes('--help'));
    expect(rows.length).toBeGreaterThan(20);
    const envAt = new Set(rows.map((r) => r.search(/ [A-Z][A-Z_]+ /)));
    expect(envAt.size).toBe(1);
    const helpAt = new Set(rows.map((r) => r.search(/ [A-Z][A-Z_]+ +\S/) + (/ [A-Z][A-Z_]+ +/.exec(r)?.[0].length ?? 0)));
    expect(helpAt.size).toBe(1);
  });

  it('states each default once', () => {
    const source = helpText().split('\n').find((l) => l.includes('--source'))!;
    expect(source.match(/hostname/g)).toHaveLength(1);
  });
});
