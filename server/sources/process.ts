import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Reading, Source } from '../sampler.js';

/** Counters the stream keeps; the process source turns them into rates. */
export interface StreamCounters {
  readonly clients: number;
  readonly eventsSent: number;
  readonly bytesSent: number;
  readonly slowDisconnects: number;
}

/** Vigil's own health: event-loop delay, memory, CPU and what it sends. */
export class ProcessSource implements Source {
  readonly channel = 'process' as const;
  private loop: IntervalHistogram | null = null;
  private prev: { t: number; cpu: NodeJS.CpuUsage; events: number; bytes: number } | null = null;

  constructor(private readonly counters: () => StreamCounters) {}

  start(): void {
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
    const c = this.counters();
    this.prev = { t: Date.now(), cpu: process.cpuUsage(), events: c.eventsSent, bytes: c.bytesSent };
  }

  stop(): void {
    this.loop?.disable();
    this.loop = null;
  }

  sample(now: number): Reading[] {
    const c = this.counters();
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const out: Reading[] = [
      { name: 'process.heap.used', unit: 'B', v: mem.heapUsed },
      { name: 'process.rss', unit: 'B', v: mem.rss },
      { name: 'process.clients', unit: '', v: c.clients },
      { name: 'process.slow_disconnects', unit: '', v: c.slowDisconnects },
    ];
    if (this.loop && this.loop.count > 0) {
      out.push(
        { name: 'process.loop.p50', unit: 'ms', v: this.loop.percentile(50) / 1e6 },
        { name: 'process.loop.p99', unit: 'ms', v: this.loop.percentile(99) / 1e6 },
      );
      this.loop.reset();
    }
    const p = this.prev;
    if (p && now > p.t) {
      const s = (now - p.t) / 1000;
      const cpuMs = (cpu.user - p.cpu.user + cpu.system - p.cpu.system) / 1000;
      out.push(
        { name: 'process.cpu', unit: '%', v: (100 * cpuMs) / (now - p.t) },
        { name: 'process.events', unit: '/s', v: (c.eventsSent - p.events) / s },
        { name: 'process.sent', unit: 'B/s', v: (c.bytesSent - p.bytes) / s },
      );
    }
    this.prev = { t: now, cpu, events: c.eventsSent, bytes: c.bytesSent };
    return out;
  }
}
