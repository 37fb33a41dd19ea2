import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The example the docs give; tests serve through it as written, apart from addresses. */
export const DOCS_NGINX_CONF = fileURLToPath(new URL('../../docs/nginx.conf', import.meta.url));

export interface NginxOptions {
  /** Absolute nginx binary (from requireBinary). */
  bin: string;
  /** Where Vigil listens, e.g. http://127.0.0.1:41234; several for several instances. */
  upstream: string | string[];
  /** Directives added at the top of `location /status/`, e.g. ['proxy_read_timeout 2s;']. */
  location?: string[];
  /** The http-context config to render; the docs example by default. */
  conf?: string;
}

export interface Nginx {
  /** http://127.0.0.1:port (Vigil is under `${url}/status/`). */
  url: string;
  /** The rendered http-context config, for failure messages. */
  conf: string;
  /** Everything nginx logged so far. */
  errorLog(): Promise<string>;
  /** Stops nginx (fast shutdown: streams are cut) and removes its files. */
  stop(): Promise<void>;
}

function replaceOnce(text: string, from: RegExp, to: (match: string) => string, what: string): string {
  if (!from.test(text)) throw new Error(`nginx config: cannot find ${what} (${from}) to render; did docs/nginx.conf change?`);
  return text.replace(from, to);
}

/** The docs config with our upstream, port and extra directives. */
export function renderConf(source: string, upstream: string | string[], port: number, location: string[] = []): string {
  // The `server` lines of the upstream block become the upstreams given, with the parameters of the first (max_fails=…).
  let conf = replaceOnce(source, /upstream vigil \{\n[^}]*\}/, (block) => {
    const params = /^\s*server\s+\S+?((?:\s+[^;\s]+)*);/m.exec(block)?.[1] ?? '';
    const servers = [upstream].flat().map((u) => `    server ${new URL(u).host}${params};`);
    const kept = block.split('\n').filter((line) => !/^\s*server\s+[^;]+;/.test(line));
    if (kept.length === block.split('\n').length) throw new Error('nginx config: no server line in upstream vigil');
    return [kept[0], ...servers, ...kept.slice(1)].join('\n');
  }, 'the upstream block');
  conf = replaceOnce(conf, /listen\s+80;/, () => `listen 127.0.0.1:${port};`, 'the listen directive');
  return replaceOnce(conf, /location \/status\/ \{\n/, (m) => m + location.map((d) => `        ${d}\n`).join(''), 'location /status/');
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts nginx in the foreground (one process, no daemon, no workers) with its
 * own prefix, pid, logs and temp dirs in a fresh temp directory, serving the
 * rendered config on a free port. Callers stop it in afterAll/finally.
 */
export async function startNginx(opts: NginxOptions): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-nginx-'));
  const port = await freePort();
  const conf = renderConf(opts.conf ?? (await readFile(DOCS_NGINX_CONF, 'utf8')), opts.upstream, port, opts.location);
  const errorLog = join(dir, 'error.log');
  await writeFile(join(dir, 'site.conf'), conf);
  await writeFile(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      // One process running as the caller (even root): no workers to drop privileges to `nobody`.
      'master_process off;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${errorLog} info;`,
      'events { worker_connections 256; }',
      'http {',
      `    access_log ${dir}/access.log;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/${t};`),
      `    include ${dir}/site.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = spawn(opts.bin, ['-p', dir, '-e', errorLog, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const readLog = () => readFile(errorLog, 'utf8').catch(() => '');
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      const why = `nginx did not start: ${stderr}${await readLog()}\n--- config ---\n${conf}`;
      await stop();
      throw new Error(why);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, conf, errorLog: readLog, stop };
}
