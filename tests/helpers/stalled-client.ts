import net from 'node:net';

/**
 * A client that sends a stream request and then stops reading: its socket is
 * paused after the response head, so everything the server writes piles up in
 * the kernel buffers and then in the server's `res.writableLength`.
 */
export async function openStalled(url: string): Promise<{ socket: net.Socket; received: () => number; drain: () => Promise<void> }> {
  const u = new URL(url);
  const socket = net.connect(Number(u.port), u.hostname);
  let bytes = 0;
  let head = '';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        socket.pause();
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  socket.on('error', () => {});
  return {
    socket,
    received: () => bytes,
    /** Reads everything left until the server's end of the connection. */
    drain: () =>
      new Promise<void>((resolve) => {
        socket.on('data', (c: Buffer) => (bytes += c.length));
        socket.once('close', () => resolve());
        socket.resume();
      }),
  };
}
