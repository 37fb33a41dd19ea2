import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Reading, Source } from './sampler.js';
import { single, type Exporter, type Family } from './exported.js';

/** Counters the stream keeps; the process source turns them into rates. */
export interface StreamCounters {
  readonly clients: number;
  readonly eventsSent: number;
  readonly bytesSent: number;
  readonly slowDisconnects: number;
}

/**
 * How often the event-loop monitor's timer fires, ms. Each firing wakes the
 * process: at Node's default of 10 ms that alone cost about 1 % of a core on an
 * idle Vigil (measured: 33-40 CPU ticks per 20 s at 10 ms, 16 with the monitor
 * at 1 s), several times the whole 1 Hz host sampler. A block of the loop shorter
 * than this is still caught whenever a firing falls due during it; longer ones always.
 */
export const LOOP_RESOLUTION = 50;

/** Vigil's own health: event-loop delay, memory, CPU and what it sends. */
export class ProcessSource implements Source, Exporter {
  readonly channel = 'process' as const;
  readonly digits = 3;
  private loop: IntervalHistogram | null = null;
  private prev: { t: number; cpu: NodeJS.CpuUsage; events: number; bytes: number } | null = null;

  constructor(private readonly counters: () => StreamCounters) {}

  start(): void {
    this.loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION });
    this.loop.enable();
    const c = this.counters();
    this.prev = { t: Date.now(), cpu: process.cpuUsage(), events: c.eventsSent, bytes: c.bytesSent };
  }

  /**
   * The stream's own counters, cumulative. CPU, memory, heap and event-loop lag are
   * prom-client's default metrics on the same registry, so they are not repeated.
   */
  families(): Family[] {
    const c = this.counters();
    return [
      ...single('vigil_stream_clients', 'gauge', 'Open stream clients.', c.clients),
      ...single('vigil_stream_events_sent_total', 'counter', 'Events written to stream clients.', c.eventsSent),
      ...single('vigil_stream_sent_bytes_total', 'counter', 'Bytes written to stream clients.', c.bytesSent),
      ...single('vigil_stream_slow_disconnects_total', 'counter', 'Stream clients cut off for falling CLIENT_BUFFER bytes behind.', c.slowDisconnects),
    ];
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
        { name: 'process.loop.p50', unit: 'ms', v: loopDelay(this.loop.percentile(50)) },
        { name: 'process.loop.p99', unit: 'ms', v: loopDelay(this.loop.percentile(99)) },
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

/**
 * The monitor records the whole time between two firings of its timer, i.e. the
 * resolution plus the delay: an idle loop reads ~50 ms. The delay is what is left.
 */
function loopDelay(ns: number): number {
  return Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION) * 1000) / 1000);
}
