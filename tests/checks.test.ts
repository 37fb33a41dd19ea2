import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CheckState, StatusEvent, StatusResponse } from '../shared/schema.js';
import { spawnVigil, type VigilProcess } from './helpers/process.js';
import { type Running, startVigil } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

const TOKEN = 'checks-test-ingest-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'vigil-dashboards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  return path;
}

const wall = {
  dashboards: {
    default: {
      title: 'Ops wall',
      sections: [{ title: 'Inference', tiles: [{ metric: 'inference.latency.p95', source: 'llm-*', title: 'p95 latency', warn: 500, critical: 1000 }] }],
    },
  },
};

async function push(url: string, source: string, value: number): Promise<void> {
  const res = await fetch(`${url}/api/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ source, metrics: [{ name: 'inference.latency.p95', value, unit: 'ms' }] }),
  });
  expect(res.status).toBe(202);
}

const status = async (url: string, q = '') => {
  const res = await fetch(`${url}/api/status${q}`);
  return { code: res.status, body: StatusResponse.parse(await res.json()) };
};

describe('checks over HTTP and SSE', () => {
  let srv: Running | null = null;
  const clients: SseRecorder[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await srv?.stop();
    srv = null;
  });

  it('goes critical and back in api/status, ?fail=critical, event: status and the snapshot, in the ticks’ id sequence', async () => {
    srv = await startVigil({ ingestToken: TOKEN, ingestCoalesce: 0, dashboards: file('wall.json', wall) });
    const sse = new SseRecorder(`${srv.url}/api/stream?channels=app,status`);
    clients.push(sse);
    await sse.waitFor((r) => r.of('snapshot').length > 0, 5000, 'snapshot');

    await push(srv.url, 'llm-1', 300);
    await sse.waitFor((r) => r.of('status').some((e) => e.data.includes('"status":"ok"')), 2000, 'ok status');
    expect(await status(srv.url, '?fail=critical')).toMatchObject({ code: 200, body: { status: 'ok' } });

    await push(srv.url, 'llm-1', 1500);
    await sse.waitFor((r) => r.of('status').some((e) => e.data.includes('"status":"critical"')), 2000, 'critical status');
    const critical = await status(srv.url, '?fail=critical');
    expect(critical.code).toBe(503);
    expect(critical.body.checks).toEqual([
      expect.objectContaining({ dashboard: 'default', title: 'p95 latency', metric: 'inference.latency.p95', source: 'llm-1', status: 'critical', value: 1500, level: 1000 }),
    ]);
    expect((await status(srv.url, '?fail=warn')).code).toBe(503);
    const snap = await (await fetch(`${srv.url}/api/snapshot?history=0`)).json();
    expect(snap.checks.map((c: CheckState) => c.status)).toEqual(['critical']);

    // 960 is under the level but inside its hysteresis band (5 %: clears at 950): still critical.
    await push(srv.url, 'llm-1', 960);
    const held = (await status(srv.url)).body;
    expect(held.status).toBe('critical');
    // The value is the one judged now, not the one that crossed the level; since stays the crossing's.
    expect(held.checks[0]).toMatchObject({ status: 'critical', value: 960, level: 1000, since: critical.body.checks[0].since });
    expect(await (await fetch(`${srv.url}/metrics`)).text()).toMatch(/^vigil_check_value\{[^}]*source="llm-1"\} 960$/m);
    await push(srv.url, 'llm-1', 900);
    await sse.waitFor((r) => r.of('status').filter((e) => e.data.includes('"status":"warn"')).length > 0, 2000, 'back to warn');
    await push(srv.url, 'llm-1', 100);
    await sse.waitFor((r) => r.of('status').at(-1)!.data.includes('"status":"ok"'), 2000, 'back to ok');
    expect(await status(srv.url, '?fail=critical')).toMatchObject({ code: 200, body: { status: 'ok' } });

    // Status events and ticks share one id sequence: a reconnect with an id replays both.
    const ids = sse.events.filter((e) => e.type !== 'snapshot').map((e) => Number(e.id.split('-').at(-1)));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const first = sse.of('app')[0].id;
    const replay = new SseRecorder(`${srv.url}/api/stream?channels=app,status&lastEventId=${first}`);
    clients.push(replay);
    await replay.waitFor((r) => r.of('status').length >= 3, 2000, 'replayed status events');
    expect(replay.of('snapshot')).toEqual([]);
    for (const e of replay.of('status')) StatusEvent.parse(JSON.parse(e.data));
  });

  it('answers 400 naming ?fail and 404 naming the dashboards for an unknown ?dashboard', async () => {
    srv = await startVigil({ dashboards: file('wall2.json', wall) });
    const bad = await fetch(`${srv.url}/api/status?fail=bad`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'fail: expected fail=critical, fail=warn or fail=unknown' });
    const none = await fetch(`${srv.url}/api/status?dashboard=nope`);
    expect(none.status).toBe(404);
    expect((await none.json()).error).toMatch(/no dashboard "nope"; there are: default/);
    expect(await (await fetch(`${srv.url}/api/dashboards`)).json()).toEqual(wall);
  });

  it('keeps api/status and api/dashboards behind the read token like the rest of the API', async () => {
    srv = await startVigil({ readToken: 'read-token-0123456789abcdef' });
    for (const path of ['api/status', 'api/dashboards']) {
      expect((await fetch(`${srv.url}/${path}`)).status).toBe(401);
      expect((await fetch(`${srv.url}/${path}?token=read-token-0123456789abcdef`)).status).toBe(200);
    }
  });

  it('exports each check’s state to /metrics as a state set', async () => {
    srv = await startVigil({ ingestToken: TOKEN, ingestCoalesce: 0, dashboards: file('wall3.json', wall) });
    await push(srv.url, 'llm-2', 700);
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const labels = 'dashboard="default",title="p95 latency",metric="inference.latency.p95",source="llm-2"';
    expect(text).toContain(`vigil_check_status{${labels},state="warn"} 1`);
    expect(text).toContain(`vigil_check_status{${labels},state="ok"} 0`);
    expect(text).toContain(`vigil_check_value{${labels}} 700`);
  });
});

describe('the dashboards file at start-up and on SIGHUP', () => {
  const procs: VigilProcess[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill();
  });

  async function startFails(path: string): Promise<{ code: number | null; stderr: string }> {
    const p = await spawnVigil(['--dashboards', path]).then(
      (v) => {
        procs.push(v);
        throw new Error('started with a bad dashboards file');
      },
      (err: Error) => err.message,
    );
    return { code: null, stderr: p };
  }

  it.each([
    ['a missing file', join(dir, 'nope.json'), /^vigil: dashboards file \S+nope\.json: cannot be read \(ENOENT\)$/],
    ['a file that is not JSON', file('broken.json', '{"dashboards": {'), /^vigil: dashboards file \S+: not JSON: /],
    ['a typo in a key', file('typo.json', { dashboards: { default: { sections: [{ title: 'S', tiles: [{ metric: 'x', critcal: 9 }] }] } } }), /^vigil: dashboards file \S+: dashboards\.default\.sections\[0\]\.tiles\[0\]: unknown key "critcal" \(a typo\?\)$/],
    ['a level of the wrong type', file('type.json', { dashboards: { default: { sections: [{ title: 'S', tiles: [{ metric: 'x', warn: '90%' }] }] } } }), /: dashboards\.default\.sections\[0\]\.tiles\[0\]\.warn: expected a number, got string "90%"$/],
    ['levels the wrong way round', file('order.json', { dashboards: { default: { sections: [{ title: 'S', tiles: [{ metric: 'x', warn: 90, critical: 80 }] }] } } }), /\.tiles\[0\]\.critical: critical must be at or past warn/],
  ])('refuses to start with %s, in one line naming where and what', async (_kind, path, re) => {
    const { stderr } = await startFails(path);
    const line = stderr.replace(/^vigil exited with \d+ before serving: /, '').trim();
    expect(line).toMatch(re);
    expect(line.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^vigil exited with 2 /);
  });

  it('reloads on SIGHUP with a stream open, keeps the stream, and keeps the old dashboards when the new file is bad', async () => {
    const path = file('reload.json', wall);
    const v = await spawnVigil(['--dashboards', path]);
    procs.push(v);
    const sse = new SseRecorder(`${v.url}/api/stream?history=0`);
    try {
      await sse.waitFor((r) => r.of('snapshot').length > 0, 5000, 'snapshot');
      const renamed = structuredClone(wall);
      renamed.dashboards.default.title = 'Renamed wall';
      writeFileSync(path, JSON.stringify(renamed));
      const before = sse.of('status').length;
      v.proc.kill('SIGHUP');
      await sse.waitFor((r) => r.of('status').length > before && JSON.parse(r.of('status').at(-1)!.data).full, 5000, 'full status after reload');
      expect((await (await fetch(`${v.url}/api/dashboards`)).json()).dashboards.default.title).toBe('Renamed wall');

      writeFileSync(path, '{"dashboards": 1}');
      v.proc.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 500));
      expect((await (await fetch(`${v.url}/api/dashboards`)).json()).dashboards.default.title).toBe('Renamed wall');
      expect(sse.opens).toBe(1);
      expect(sse.of('snapshot')).toHaveLength(1);
      expect(v.proc.exitCode).toBeNull();
    } finally {
      sse.close();
    }
  });
});
