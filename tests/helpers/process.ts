import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface VigilProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  /** Settles with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running; for finally blocks. */
  kill(): Promise<void>;
}

/**
 * Runs `server/main.ts` as its own process (through tsx, so no build is needed),
 * on 127.0.0.1, quiet and fast unless `args` say otherwise. Resolves once it
 * prints the URL it serves.
 */
export async function spawnVigil(args: string[] = []): Promise<VigilProcess> {
  const defaults = ['--host', '127.0.0.1', '--port', '0', '--interval', '100', '--disk-usage-interval', '0', '--log-level', 'silent', '--data-dir', ''];
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...defaults, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil did not start in 20 s: ${out}`)), 20_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /serving (http:\/\/[^/\s]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`vigil exited with ${code} before serving: ${out}`));
    });
  });
  return {
    proc,
    url,
    port: Number(new URL(url).port),
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
