import { z } from 'zod';
import { SourceName } from '../../../shared/schema.js';

/*
 * A scrape target as written in --scrape or SCRAPE:
 *
 *   URL[;name=SOURCE][;match=GLOB|GLOB…][;interval=MS][;timeout=MS]
 *
 *   http://10.0.0.7:8000/metrics;name=llm-1;match=vllm:*
 *   http://127.0.0.1:9100/metrics;match=node_load*|node_memory_Mem*;interval=5000
 *
 * - URL: http or https, without user:password (a secret would end up in logs).
 * - name: the source of the target's series (default: the URL's host:port with
 *   `:` as `-`, e.g. `10.0.0.7-8000`).
 * - match: globs on the target's metric names (`*` any run, `?` one character),
 *   `|` between them; a family is kept when any matches (default: all).
 * - interval: ms between scrapes (default: INTERVAL); timeout: ms a scrape may
 *   take (default: its interval, at most the interval).
 */

export interface TargetSpec {
  url: string;
  name: string;
  /** Globs as written, for logs and errors. */
  match: string[];
  keep: (metricName: string) => boolean;
  interval: number | null;
  timeout: number | null;
}

const MS = z.coerce.number().int('must be whole ms').min(100, 'must be at least 100 ms').max(3_600_000, 'must be at most 3600000 ms');
const Glob = z
  .string()
  .min(1, 'must not be empty')
  .regex(/^[a-zA-Z0-9_:*?.]+$/, 'must be a metric name glob of [a-zA-Z0-9_:] with * and ?, e.g. vllm:*');

const Parts = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:8000/metrics' })
      .refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'must not carry user:password (it would be logged)'),
    name: z.optional(SourceName),
    match: z.optional(z.string().transform((s) => s.split('|')).pipe(z.array(Glob))),
    interval: z.optional(MS),
    timeout: z.optional(MS),
  })
  .strict();

export function globMatcher(globs: readonly string[]): (name: string) => boolean {
  if (globs.length === 0) return () => true;
  const re = new RegExp(`^(?:${globs.map((g) => g.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')).join('|')})$`);
  return (name) => re.test(name);
}

/** One target, or a message naming the part that is wrong. */
export function parseTargetSpec(raw: string): { ok: true; spec: TargetSpec } | { ok: false; error: string } {
  const [url, ...opts] = raw.trim().split(';');
  const fields: Record<string, string> = { url };
  for (const o of opts) {
    if (o.trim() === '') continue;
    const eq = o.indexOf('=');
    const key = eq < 0 ? o.trim() : o.slice(0, eq).trim();
    if (eq < 0 || !['name', 'match', 'interval', 'timeout'].includes(key)) {
      return { ok: false, error: `unknown option ${JSON.stringify(key.slice(0, 40))}; a target is URL[;name=SOURCE][;match=GLOB|GLOB][;interval=MS][;timeout=MS]` };
    }
    if (key in fields) return { ok: false, error: `option ${key} given twice` };
    fields[key] = o.slice(eq + 1).trim();
  }
  const r = Parts.safeParse(fields);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, error: `${String(issue?.path[0] ?? 'target')}: ${issue?.message ?? 'invalid'}` };
  }
  const u = new URL(r.data.url);
  const name = r.data.name ?? defaultName(u);
  const match = r.data.match ?? [];
  return { ok: true, spec: { url: r.data.url, name, match, keep: globMatcher(match), interval: r.data.interval ?? null, timeout: r.data.timeout ?? null } };
}

/** The URL part of a target for a message, without anything that may be a credential. */
function shownUrl(raw: string): string {
  return raw.split(';')[0].trim().replace(/\/\/[^/]*@/, '//<hidden>@').slice(0, 80);
}

/** host:port as a source name (a source name has no ':'). */
function defaultName(u: URL): string {
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const host = u.hostname.replace(/^\[|\]$/g, '').replace(/[^A-Za-z0-9_.-]/g, '-');
  return `${host}-${port}`.slice(0, 64);
}

/**
 * --scrape (repeatable) or SCRAPE (comma-separated) as targets. Two targets may
 * not share a name: their series would be one source's.
 */
export const ScrapeTargets = z
  .union([z.string(), z.array(z.string())])
  .transform((v, ctx) => {
    const raws = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s.trim() !== '');
    const specs: TargetSpec[] = [];
    for (const [i, raw] of raws.entries()) {
      const r = parseTargetSpec(raw);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: `target ${i + 1} (${JSON.stringify(shownUrl(raw))}): ${r.error}` });
        return z.NEVER;
      }
      if (specs.some((s) => s.name === r.spec.name)) {
        ctx.addIssue({ code: 'custom', message: `target ${i + 1}: name ${r.spec.name} is taken by another target; give each a name=` });
        return z.NEVER;
      }
      specs.push(r.spec);
    }
    return specs;
  });
