/**
 * Pushes a realistic stream of an AI inference service's metrics to Vigil's
 * ingest API, for the README demo: tokens/s, request latency p50/p95, queue
 * depth, GPU utilisation and memory, for a few replicas, once a second (one
 * batch request per tick, one group per replica). Load follows a slow wave with
 * bursts; latency and queue depth follow load, as they do.
 *
 *   npx tsx scripts/demo-producer.ts --url http://127.0.0.1:8080 --token <INGEST_TOKEN> [--replicas 2] [--interval 1000] [--seconds 0]
 *
 * The token may also come from INGEST_TOKEN. --seconds 0 runs until Ctrl-C.
 */
import { IngestAccepted, type IngestGroup } from '../shared/ingest.js';

function opt(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

const url = (opt('url', 'http://127.0.0.1:8080') ?? '').replace(/\/$/, '') + '/api/ingest';
const token = opt('token') ?? process.env.INGEST_TOKEN;
const replicas = Number(opt('replicas', '2'));
const interval = Number(opt('interval', '1000'));
const seconds = Number(opt('seconds', '0'));
if (!token) {
  console.error('demo-producer: pass --token <INGEST_TOKEN> (or set INGEST_TOKEN)');
  process.exit(2);
}

/** One replica's state, moved a step per tick: load drives everything else. */
class Replica {
  private queue = 0;
  private burst = 0;
  constructor(
    readonly source: string,
    private readonly phase: number,
  ) {}

  step(t: number): IngestGroup {
    const wave = 0.55 + 0.35 * Math.sin(t / 45_000 + this.phase);
    if (this.burst <= 0 && Math.random() < 0.02) this.burst = 5 + Math.random() * 10;
    const load = Math.min(1.3, wave + (this.burst-- > 0 ? 0.5 : 0) + (Math.random() - 0.5) * 0.08);
    // Past capacity the queue grows, below it drains.
    this.queue = Math.max(0, this.queue + (load - 0.9) * 40 + (Math.random() - 0.5) * 3);
    const tokens = 1800 * Math.min(load, 1) * (0.95 + Math.random() * 0.1);
    const p50 = 180 + 220 * load + this.queue * 6;
    const p95 = p50 * (1.6 + Math.random() * 0.4);
    return {
      source: this.source,
      metrics: [
        { name: 'inference.tokens_per_s', value: round(tokens), unit: 'tok/s', t },
        { name: 'inference.latency.p50', value: round(p50), unit: 'ms', t },
        { name: 'inference.latency.p95', value: round(p95), unit: 'ms', t },
        { name: 'inference.queue.depth', value: Math.round(this.queue), unit: '', t },
        { name: 'gpu.util', value: round(Math.min(100, 100 * load * (0.92 + Math.random() * 0.06))), unit: '%', t },
        { name: 'gpu.mem.used', value: round(14.2 + 4 * load + this.queue * 0.01), unit: 'GB', t },
      ],
    };
  }
}

const round = (x: number) => Math.round(x * 10) / 10;
const fleet = Array.from({ length: replicas }, (_, i) => new Replica(`llm-${i + 1}`, i * 1.7));

/** The last problem printed: a server that stays down (or keeps refusing) is reported once, not every tick. */
let problem: string | null = null;
function report(now: string | null): void {
  if (now === problem) return;
  if (now) console.error(`${problem === null ? '\n' : ''}demo-producer: ${now}; retrying every ${interval} ms`);
  else console.error('\ndemo-producer: pushing again');
  problem = now;
}

async function tick(): Promise<void> {
  const t = Date.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(fleet.map((r) => r.step(t))),
  });
  const body: unknown = await res.json().catch(() => null);
  if (res.status !== 202) {
    if (res.status === 401 || res.status === 404) {
      console.error(`demo-producer: ${res.status} ${JSON.stringify(body)}`);
      process.exit(1);
    }
    report(`${res.status} ${JSON.stringify(body)}`);
    return;
  }
  report(null);
  const ok = IngestAccepted.parse(body);
  process.stdout.write(`\rpushed ${ok.accepted} metrics for ${ok.sources.join(', ')} at ${new Date(t).toISOString()}`);
}

const stopAt = seconds > 0 ? Date.now() + seconds * 1000 : Infinity;
const timer = setInterval(() => {
  if (Date.now() >= stopAt) {
    clearInterval(timer);
    process.stdout.write('\n');
    return;
  }
  tick().catch((err) => report(`cannot reach ${url} (${err instanceof Error ? err.message : String(err)})`));
}, interval);
tick().catch((err) => report(`cannot reach ${url} (${err instanceof Error ? err.message : String(err)})`));
process.once('SIGINT', () => {
  process.stdout.write('\n');
  process.exit(0);
});
