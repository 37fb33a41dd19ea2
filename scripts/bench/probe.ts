import http from 'node:http';

/**
 * Connects one raw SSE client for `ms` and returns the byte size of each
 * non-snapshot frame type (the last one seen), e.g. { host: 1234, process: 700 }.
 */
export function probeFrameSizes(url: string, ms: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const sizes: Record<string, number> = {};
    const req = http.get(url, (res) => {
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i + 2);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(frame)?.[1];
          if (ev && ev !== 'snapshot') sizes[ev] = Buffer.byteLength(frame);
        }
      });
    });
    req.on('error', reject);
    setTimeout(() => {
      req.destroy();
      resolve(sizes);
    }, ms);
  });
}
