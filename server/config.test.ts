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
