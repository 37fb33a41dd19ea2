import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { startVigil } from './helpers/server.js';

describe('stopping the stream while sessions are opening', () => {
  it('does not throw when a stream is ended before its session has sent its headers', async () => {
    const srv = await startVigil();
    const thrown: unknown[] = [];
    const onUncaught = (err: unknown) => thrown.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      // Express handles the request synchronously up to createSession, which defers
      // the headers to setImmediate; a listener added after Express's runs in between.
      srv.vigil.server!.once('request', (req: http.IncomingMessage) => {
        if (req.url?.startsWith('/api/stream')) srv.vigil.stream.stop();
      });
      await new Promise<void>((resolve) => {
        const req = http.get(srv.url + '/api/stream', (res) => {
          res.resume();
          res.on('close', () => resolve());
        });
        req.on('error', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(thrown).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await srv.stop();
    }
  });
});
