import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { requireBinary } from './binary.js';

export const python = requireBinary('python3', 'apt-get install -y python3-prometheus-client', ['/usr/bin/python3']);
export const nodeExporterBin = requireBinary('prometheus-node-exporter', 'apt-get install -y prometheus-node-exporter', ['/usr/bin/prometheus-node-exporter']);

const VLLM_FIXTURE = fileURLToPath(new URL('../fixtures/vllm_fixture.py', import.meta.url));

export interface Exporter {
  /** The metrics page, http://127.0.0.1:PORT/metrics. */
  url: string;
  port: number;
  /** SIGTERM, then SIGKILL after 2 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function stopper(c: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
  return async () => {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    }
  };
}

/** Resolves once `ready` matches the output, rejects (and kills the child) when it exits or takes 15 s. */
async function started(c: ChildProcess, name: string, ready: RegExp): Promise<RegExpExecArray> {
  const stop = stopper(c);
  try {
    return await new Promise<RegExpExecArray>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${name} did not start in 15 s: ${out}`)), 15_000);
      const onData = (b: Buffer) => {
        out += b.toString();
        const m = ready.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      c.stdout?.on('data', onData);
      c.stderr?.on('data', onData);
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}): ${out}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * tests/fixtures/vllm_fixture.py on Debian's python3 and prometheus_client:
 * vLLM's metric names and types, driven at the rates `args` give
 * (`--gen-rate 400`, …). Callers stop it in afterAll or finally.
 */
export async function startVllmFixture(args: string[] = []): Promise<Exporter> {
  if (!python.path) throw new Error(python.skip ?? 'python3 missing');
  const c = spawn(python.path, [VLLM_FIXTURE, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const m = await started(c, 'vllm_fixture.py', /listening (\d+)/);
  const port = Number(m[1]);
  return { url: `http://127.0.0.1:${port}/metrics`, port, stop: stopper(c) };
}

/** Debian's prometheus-node-exporter on 127.0.0.1 and a free port (never the system service's 9100). */
export async function startNodeExporter(): Promise<Exporter> {
  if (!nodeExporterBin.path) throw new Error(nodeExporterBin.skip ?? 'prometheus-node-exporter missing');
  const port = await freePort();
  const c = spawn(nodeExporterBin.path, [`--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  await started(c, 'prometheus-node-exporter', /Listening on/i);
  return { url: `http://127.0.0.1:${port}/metrics`, port, stop: stopper(c) };
}
