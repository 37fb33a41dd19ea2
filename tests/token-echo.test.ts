import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVigil, parseConfig, type Vigil } from '../server/index.js';
import { ConfigError } from '../server/config.js';
import { startVigil, type Running } from './helpers/server.js';

const READ = 'read-secret-abcdefghij';
const INGEST = 'ingest-secret-klmnopqrst';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A built page as the server sees it: index.html and a hashed asset. */
function pageDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-page-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vigil</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'export {};');
  return dir;
}

describe('the read token in a URL is never echoed', () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startVigil({ readToken: READ, ingestToken: INGEST }, { pageDir: pageDir() });
  });
  afterAll(() => srv.stop());

  it.each(['/assets', '/assets/', '/assets?x=1'])('GET %s?token=: no redirect carrying it, in Location or body', async (path) => {
    const res = await fetch(`${srv.url}${path}${path.includes('?') ? '&' : '?'}token=${READ}`, { redirect: 'manual' });
    const body = await res.text();
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
    expect(body).not.toContain(READ);
  });

  it('still serves the page and its assets with the token', async () => {
    expect((await fetch(`${srv.url}/?token=${READ}`)).status).toBe(200);
    expect((await fetch(`${srv.url}/assets/index-abc123.js`)).status).toBe(200);
  });
});

describe('a page mounted at a prefix', () => {
  let vigil: Vigil;
  let server: Server;
  let base = '';
  beforeAll(async () => {
    vigil = createVigil(parseConfig({ port: 0, logLevel: 'silent', interval: 100, diskUsageInterval: 0, readToken: READ }), { pageDir: pageDir() });
    const app = express();
    app.use('/status', vigil.router);
    await vigil.start({ listen: false });
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await vigil.stop();
    await new Promise((r) => server.close(r));
  });

  it('redirects /status to /status/ with the other query parameters, without the token', async () => {
    const res = await fetch(`${base}/status?channels=host&token=${READ}`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/status/?channels=host');
    expect(await res.text()).not.toContain(READ);
  });
});

/** Runs main.ts with these args and env until it exits (or 30 s); everything it printed. */
function runMain(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--disk-usage-interval', '0', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => proc.kill('SIGTERM'), 30_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The one line parseConfig refuses these with. */
function refusal(env: Record<string, string>, argv: string[] = []): string {
  try {
    parseConfig({}, env, argv);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('accepted');
}

describe('start-up errors never print a secret', () => {
  it.each([
    ['an empty variable before the ingest token', ['--read-token', '--ingest-token', INGEST]],
    ['an empty variable as the last flag but one', ['--ingest-token', INGEST, '--read-token', '--log-level', INGEST]],
    ['a stray argument', [INGEST]],
    ['a typo in a flag with its value inline', [`--ingest-tokn=${INGEST}`]],
  ])('%s', (_what, argv) => {
    const message = refusal({}, argv);
    expect(message).toMatch(/^(option --\S+ needs a value|unknown option)/);
    expect(message).not.toContain(INGEST);
  });

  it.each([
    'redis://:s3cretpw@127.0.0.1:99999',
    'redis://:s3c%ZZretpw@127.0.0.1:1',
    'redis://user:s3cretpw@127.0.0.1/notadb',
    'redis://:s3cretpw@127.0.0.1 6379',
    'http://:s3cretpw@127.0.0.1:6379',
    'redis://:s3cr@tpw@@127.0.0.1:6379x',
  ])('a bad REDIS_URL %s: refused naming REDIS_URL, without the password', (url) => {
    const message = refusal({ REDIS_URL: url });
    expect(message).toMatch(/^invalid setting --redis-url \(REDIS_URL="[^"]*\*\*\*@[^"]*"\): /);
    expect(message).not.toMatch(/s3c/);
  });

  it('the process prints one line and exits 2, for an unset variable before a token and for a bad REDIS_URL', { timeout: 70_000 }, async () => {
    const [flags, redis] = await Promise.all([runMain(['--read-token', '--ingest-token', INGEST]), runMain([], { REDIS_URL: 'redis://:s3cretpw@127.0.0.1:99999' })]);
    for (const { code, out } of [flags, redis]) {
      expect(code).toBe(2);
      expect(out.trim().split('\n')).toHaveLength(1);
      expect(out).not.toContain(INGEST);
      expect(out).not.toContain('s3cretpw');
    }
    expect(flags.out).toMatch(/^vigil: option --read-token needs a value/);
    expect(redis.out).toMatch(/^vigil: invalid setting --redis-url/);
  });
});
