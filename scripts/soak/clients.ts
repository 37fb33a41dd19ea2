import http from 'node:http';
import type { ContinuityChecker } from './checker.js';

export interface ClientStats {
  connects: number;
  /** Reconnects the soak asked for (churn). */
  churned: number;
  /** Streams that ended or failed without being asked to (then reconnected). */
  dropped: number;
  /** Non-200 answers to a stream request. */
  refused: number;
  events: number;
  resets: number;
  /** A resume (Last-Event-ID sent) answered with a fresh snapshot not marked reset: a silent gap. */
  freshOnResume: number;
}

/**
 * One stream client over raw HTTP (what EventSource does, without a browser):
 * every channel, Last-Event-ID on every reconnect, the id of the last event or
 * snapshot it saw. Each event id is handed to the checker with the one before.
 */
class SoakClient {
  private req: http.ClientRequest | null = null;
  private prev: string | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly stats: ClientStats,
    private readonly checker: ContinuityChecker,
  ) {}

  connect(): void {
    if (this.closed) return;
    const resume = this.prev;
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (resume) headers['Last-Event-ID'] = resume;
    this.stats.connects++;
    const req = http.get(this.url, { headers, agent: false });
    this.req = req;
    let buf = '';
    let delay = 1000;
    const lost = () => {
      if (this.req === req) this.stats.dropped++;
    };
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        this.stats.refused++;
        delay = 2000 + Math.random() * 1000;
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          this.frame(buf.slice(0, end), resume !== null);
          buf = buf.slice(end + 2);
        }
      });
      res.on('end', lost);
      res.on('error', lost);
    });
    req.on('error', lost);
    // Every way a connection ends (end, error, churn) closes it; the next one opens from here.
    req.on('close', () => {
      const churned = this.req !== req;
      if (this.req === req) this.req = null;
      setTimeout(() => this.connect(), churned ? 50 : delay).unref();
    });
  }

  /** Ends this connection and opens the next at once, as a page reload or a network blip would. */
  churn(): void {
    const req = this.req;
    if (!req) return;
    this.req = null;
    this.stats.churned++;
    req.destroy();
  }

  close(): void {
    this.closed = true;
    this.req?.destroy();
  }

  private frame(block: string, resumed: boolean): void {
    let id = '';
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data = line.slice(6);
    }
    if (!id) return;
    if (type === 'snapshot') {
      // The snapshot's JSON starts with its reset flag (shared/schema.ts Snapshot).
      if (data.startsWith('{"reset":true')) this.stats.resets++;
      else if (resumed && this.prev !== null) this.stats.freshOnResume++;
    } else {
      this.stats.events++;
      if (this.prev) this.checker.check(this.prev, id);
    }
    this.prev = id;
  }
}

/** `n` clients of one stream URL, opened a few at a time, with a churn of `perSecond` reconnects a second. */
export class ClientPool {
  readonly stats: ClientStats = { connects: 0, churned: 0, dropped: 0, refused: 0, events: 0, resets: 0, freshOnResume: 0 };
  private readonly clients: SoakClient[] = [];
  private churnTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly checker: ContinuityChecker,
  ) {}

  async open(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const c = new SoakClient(this.url, this.stats, this.checker);
      this.clients.push(c);
      c.connect();
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 100));
    }
  }

  churn(perSecond: number): void {
    if (perSecond <= 0) return;
    // Paced by the clock, not by timer firings (which drift under load).
    const t0 = Date.now();
    let done = 0;
    this.churnTimer = setInterval(() => {
      const due = Math.floor(((Date.now() - t0) * perSecond) / 1000);
      for (; done < due; done++) this.clients[Math.floor(Math.random() * this.clients.length)]?.churn();
    }, 50);
  }

  close(): void {
    if (this.churnTimer) clearInterval(this.churnTimer);
    for (const c of this.clients) c.close();
  }
}
