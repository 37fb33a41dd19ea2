import { Redis } from 'ioredis';

/**
 * Reads the Redis stream directly, apart from Vigil, and numbers every entry in
 * order (epoch markers too): the truth the clients' ids are checked against.
 * It starts before Vigil and reads from the beginning; across a Redis restart
 * the new stream's ids are later than the old ones, so it simply goes on.
 */
export class StreamTap {
  private readonly positions = new Map<string, number>();
  private next = 0;
  private last = '0-0';
  private running = true;
  private readonly conn: Redis;
  private loop: Promise<void>;

  constructor(url: string, private readonly stream = 'vigil:events') {
    this.conn = new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 200 });
    this.conn.on('error', () => {});
    this.loop = this.run();
  }

  get size(): number {
    return this.positions.size;
  }

  position = (id: string): number | undefined => this.positions.get(id);

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const res = (await this.conn.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', this.stream, this.last)) as Array<[string, Array<[string, string[]]>]> | null;
        for (const [id, fields] of res?.[0][1] ?? []) {
          const e = fields[fields.indexOf('e') + 1];
          this.positions.set(`${e}-${id}`, this.next++);
          this.last = id;
        }
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.conn.disconnect();
    await this.loop;
  }
}
