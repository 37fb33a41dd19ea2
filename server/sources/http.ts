import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reading, Source } from './sampler.js';
import type { Exporter, Family } from './exported.js';

const RESERVOIR = 4096;

/**
 * Request metrics for any Express app, independent of routes so cardinality stays
 * fixed: rate, latency percentiles, status classes and error rate per interval.
 * Latency is sampled into a fixed reservoir; event streams count as requests but
 * not in latency (they last as long as the client stays).
 */
export class HttpMetrics implements Source, Exporter {
  readonly channel = 'http' as const;
  readonly digits = 3;
  private readonly latencies = new Float64Array(RESERVOIR);
  private seen = 0;
  private requests = 0;
  private readonly classes = [0, 0, 0, 0, 0, 0];
  private last = 0;
  /** Since start, for /metrics: requests per status class, and latency sum (s) and count. */
  private readonly totals = [0, 0, 0, 0, 0, 0];
  private latencySum = 0;
  private latencyCount = 0;
  /** Latency quantiles of the last interval, s (a summary's quantiles). */
  private quantiles: [number, number, number] | null = null;

  /** Plain node:http types: the stream's route runs it before Express too (server/http/stream-first.ts). */
  readonly middleware = (_req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const start = process.hrtime.bigint();
    // One listener, not 'finish' and 'close': a response emits 'close' once whether it
    // finished or was cut off, and every listener is paid for on every request.
    res.on('close', () => this.record(res, start));
    next();
  };

  private record(res: ServerResponse, start: bigint): void {
    this.requests++;
    const cls = Math.min(5, Math.floor(res.statusCode / 100));
    this.classes[cls]++;
    this.totals[cls]++;
    if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    this.latencySum += ms / 1000;
    this.latencyCount++;
    // Reservoir sampling keeps percentiles fair under any request rate in O(1) memory.
    const i = this.seen++;
    if (i < RESERVOIR) this.latencies[i] = ms;
    else {
      const j = Math.floor(Math.random() * (i + 1));
      if (j < RESERVOIR) this.latencies[j] = ms;
    }
  }

  start(): void {
    this.last = Date.now();
  }

  sample(now: number): Reading[] {
    const s = Math.max(0.001, (now - (this.last || now - 1000)) / 1000);
    this.last = now;
    const n = Math.min(this.seen, RESERVOIR);
    const sorted = this.latencies.slice(0, n).sort();
    const q = (p: number) => (n ? sorted[Math.min(n - 1, Math.floor(p * n))] : 0);
    const errors = this.classes[5];
    this.quantiles = n ? [q(0.5) / 1000, q(0.95) / 1000, q(0.99) / 1000] : null;
    const out: Reading[] = [
      { name: 'http.requests', unit: '/s', v: this.requests / s },
      // With no request in the interval latency reads 0 rather than going stale.
      { name: 'http.latency.p50', unit: 'ms', v: q(0.5) },
      { name: 'http.latency.p95', unit: 'ms', v: q(0.95) },
      { name: 'http.latency.p99', unit: 'ms', v: q(0.99) },
      { name: 'http.status.2xx', unit: '/s', v: this.classes[2] / s },
      { name: 'http.status.3xx', unit: '/s', v: this.classes[3] / s },
      { name: 'http.status.4xx', unit: '/s', v: this.classes[4] / s },
      { name: 'http.status.5xx', unit: '/s', v: errors / s },
      { name: 'http.errors', unit: '%', v: this.requests ? (100 * errors) / this.requests : 0 },
    ];
    this.seen = 0;
    this.requests = 0;
    this.classes.fill(0);
    return out;
  }

  /** Requests by status class and latency as a summary, cumulative since start. */
  families(): Family[] {
    const q = this.quantiles;
    return [
      {
        name: 'vigil_http_requests_total',
        type: 'counter',
        help: 'HTTP requests answered, by status class.',
        samples: [1, 2, 3, 4, 5].map((c) => ({ labels: { code: `${c}xx` }, v: this.totals[c] })),
      },
      {
        name: 'vigil_http_request_duration_seconds',
        type: 'summary',
        help: 'HTTP request latency (streams left out); quantiles over the last sampling interval.',
        samples: [
          ...(q ? (['0.5', '0.95', '0.99'] as const).map((quantile, i) => ({ labels: { quantile }, v: q[i] })) : []),
          { suffix: '_sum', v: this.latencySum },
          { suffix: '_count', v: this.latencyCount },
        ],
      },
    ];
  }
}
