import http from 'node:http';

/** The latest heap and the minute's worst event-loop p99, from Vigil's own `process` channel. */
export function watchProcess(url: string): { heap: number; clients: number; takeMinute(): number; close(): void } {
  const state = { heap: NaN, clients: NaN, worst: 0 };
  let req: http.ClientRequest | null = null;
  let closed = false;
  const open = () => {
    if (closed) return;
    let buf = '';
    req = http.get(`${url}/api/stream?channels=process&history=0`, { agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const data = /^data: (.*)$/m.exec(buf.slice(0, end))?.[1];
          buf = buf.slice(end + 2);
          const v = data ? (JSON.parse(data) as { values?: Record<string, { v: number }> }).values : undefined;
          if (!v?.['process.heap.used']) continue;
          state.heap = v['process.heap.used'].v;
          state.clients = v['process.clients']?.v ?? state.clients;
          const p99 = v['process.loop.p99']?.v;
          if (p99 !== undefined) state.worst = Math.max(state.worst, p99);
        }
      });
    });
    req.on('error', () => {});
    req.on('close', () => setTimeout(open, 1000).unref());
  };
  open();
  return {
    get heap() {
      return state.heap;
    },
    get clients() {
      return state.clients;
    },
    takeMinute() {
      const w = state.worst;
      state.worst = 0;
      return w;
    },
    close() {
      closed = true;
      req?.destroy();
    },
  };
}
