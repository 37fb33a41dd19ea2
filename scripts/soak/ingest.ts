export const TOKEN = 'soak-ingest-token-0123456789abcdef';

/** `perSecond` ingest requests a second, each with the running count; returns the counts by status. */
export function runIngest(url: string, perSecond: number): { statuses: Map<string, number>; stop(): void } {
  const statuses = new Map<string, number>();
  let n = 0;
  const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
  const send = () => {
    n++;
    const body = JSON.stringify({ source: 'soak', metrics: [{ name: 'soak.requests', value: n }, { name: 'soak.value', value: Math.random() * 100, unit: 'ms' }] });
    fetch(`${url}/api/ingest`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body })
      .then(async (r) => {
        await r.arrayBuffer();
        count(String(r.status));
      })
      .catch((err: Error & { cause?: { code?: string } }) => count(`error ${err.cause?.code ?? err.message}`));
  };
  // Paced by the clock, not by timer firings (which drift under load): each 20 ms sends what is due.
  const t0 = Date.now();
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - t0) * perSecond) / 1000);
    while (n < due) send();
  }, 20);
  return { statuses, stop: () => clearInterval(timer) };
}
