import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** http://127.0.0.1:port: the same paths as the upstream. */
  url: string;
  /** Connections open now. */
  readonly connections: number;
  /** Cuts every open connection at once, as a network drop does (RST, no clean end). */
  dropAll(): void;
  stop(): Promise<void>;
}

/**
 * A plain TCP relay in front of a server, so a test can cut a client's
 * connection mid-stream without the server's cooperation.
 */
export async function startTcpProxy(upstream: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    const up = net.connect(upstream.port, upstream.host);
    const pair: [net.Socket, net.Socket] = [client, up];
    pairs.add(pair);
    const done = () => {
      pairs.delete(pair);
      client.destroy();
      up.destroy();
    };
    client.on('error', done).on('close', done);
    up.on('error', done).on('close', done);
    client.pipe(up);
    up.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dropAll = () => {
    for (const [client, up] of [...pairs]) {
      client.resetAndDestroy();
      up.resetAndDestroy();
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return pairs.size;
    },
    dropAll,
    async stop() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
