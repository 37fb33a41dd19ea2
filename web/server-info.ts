import { DashboardsFile } from '../shared/dashboards.js';
import { ChannelsResponse, type HostFacts } from '../shared/schema.js';
import { formatText } from './format.js';

/** `api/<path>` relative to the page (any prefix), with the read token when there is one. */
function apiUrl(path: string, token: string | null): string {
  return token ? `api/${path}?token=${encodeURIComponent(token)}` : `api/${path}`;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${url.split('?')[0]} answered ${res.status}`);
  return res.json();
}

/** The server's dashboards (api/dashboards), parsed; throws a one-line reason. */
export async function fetchDashboards(token: string | null): Promise<DashboardsFile> {
  const r = DashboardsFile.safeParse(await getJson(apiUrl('dashboards', token)));
  if (!r.success) throw new Error(`api/dashboards: unexpected answer at ${r.error.issues[0]?.path.join('.')}`);
  return r.data;
}

/** The answering host's facts (api/channels), or null when it has none yet. */
export async function fetchHostFacts(token: string | null): Promise<HostFacts | null> {
  const r = ChannelsResponse.safeParse(await getJson(apiUrl('channels', token)));
  return r.success ? r.data.host : null;
}

/** "vm · Debian GNU/Linux 12 · 8 cores · 31.3 GiB": the scale that load and memory are read against. */
export function hostLine(h: HostFacts): string {
  const parts = [h.hostname, h.os, `${h.cores} ${h.cores === 1 ? 'core' : 'cores'}`, formatText(h.memory, 'B')];
  return parts.filter(Boolean).join(' · ');
}
