import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on host:port; resolves with the server and a URL a client can dial. */
export async function listen(app: RequestListener, port: number, host: string): Promise<{ server: Server; url: string }> {
  const server = createServer(app);
  // Streams live for hours; only idle keep-alive sockets should time out.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${h === '0.0.0.0' ? '127.0.0.1' : h === '[::]' ? '[::1]' : h}:${addr.port}`;
  return { server, url };
}

/**
 * Stops accepting, runs `endStreams` (so streams end cleanly and their sockets
 * close once flushed), and resolves once every socket is gone.
 */
export async function close(server: Server, endStreams: () => void): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  endStreams();
  server.closeIdleConnections();
  // A client that reads nothing, or a socket that never sent a request (a browser's
  // preconnect), would hold close() open.
  const grace = setTimeout(() => server.closeAllConnections(), 500);
  await closed;
  clearTimeout(grace);
}
