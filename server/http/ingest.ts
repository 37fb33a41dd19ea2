import express, { Router, type Request, type RequestHandler } from 'express';
import { parseIngestBody, type IngestAccepted, type IngestGroup } from '../../shared/ingest.js';
import { metricKey } from '../../shared/series.js';
import type { AppChannel, AppSample } from '../sources/app-channel.js';
import type { OtlpReceiver } from '../sources/otlp/otlp-receiver.js';
import { otlpBody, otlpContentType, otlpHandler } from './otlp.js';
import { requireBearer, type Secret } from './auth.js';
import { describeZodError, HttpError } from './http-error.js';
import type { TokenBucket } from './rate-limit.js';

export interface IngestOptions {
  app: AppChannel;
  /** Null when ingest is off: the route answers 404 saying how to turn it on. */
  secret: Secret | null;
  /** Source of groups that name none (this instance). */
  source: string;
  bodyLimit: number;
  maxMetrics: number;
  /** How far `t` may be from server time, ms. */
  maxSkew: number;
  /** Null: no rate limit. */
  bucket: TokenBucket | null;
  /** POST v1/metrics (OTLP/JSON or protobuf) behind the same token, rate and body limits; absent: no route. */
  otlp?: OtlpReceiver;
  now?: () => number;
}

/**
 * POST api/ingest. Checks run cheapest first and all before anything is recorded:
 * on/off, token (before reading the body, so strangers cannot make us parse),
 * rate, content type, size, count, shape, times, /metrics names, cardinality. 202 on success.
 */
export function ingestRouter(o: IngestOptions): Router {
  const r = Router();
  const now = o.now ?? Date.now;
  const json = express.json({ limit: o.bodyLimit, strict: true, type: () => true });
  const guards: RequestHandler[] = [
    (_req, _res, next) => next(o.secret ? undefined : new HttpError(404, 'ingest is off: start Vigil with INGEST_TOKEN set to turn it on')),
    o.secret ? requireBearer(o.secret, 'INGEST_TOKEN') : (_req, _res, next) => next(),
    (_req, _res, next) => {
      const wait = o.bucket?.take() ?? 0;
      next(wait ? new HttpError(429, `ingest rate limit reached (INGEST_RATE); retry in ${wait} ms`, { 'Retry-After': String(Math.ceil(wait / 1000)) }) : undefined);
    },
    (req, _res, next) => {
      // req.is() answers null, not false, for a request without a body.
      const empty = req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0';
      next(empty ? new HttpError(400, 'body: empty; send a JSON group {"metrics": [...]} or an array of groups') : undefined);
    },
  ];
  r.post(
    '/api/ingest',
    ...guards,
    (req, _res, next) => next(req.is('application/json') ? undefined : new HttpError(415, 'body: send JSON with Content-Type: application/json')),
    json,
    (req, res) => {
      const samples = validate(req, o, now());
      const conflict = o.app.exportProblem(samples);
      if (conflict) throw new HttpError(409, conflict);
      const problem = o.app.cardinalityProblem(samples);
      if (problem) throw new HttpError(429, problem);
      o.app.record(samples);
      const body: IngestAccepted = { accepted: samples.length, sources: [...new Set(samples.map((s) => s.source))] };
      res.status(202).json(body);
    },
  );
  if (o.otlp) r.post('/v1/metrics', ...guards, (req, _res, next) => next(otlpContentType(req)), otlpBody(o.bodyLimit, json), otlpHandler(o.otlp, o.maxMetrics));
  return r;
}

/** The request's samples, or an HttpError naming the first fields that are wrong. */
function validate(req: Request, o: IngestOptions, t0: number): AppSample[] {
  const body: unknown = req.body;
  const count = countMetrics(body);
  if (count > o.maxMetrics) {
    throw new HttpError(413, `metrics: at most ${o.maxMetrics} metrics per request (MAX_METRICS_PER_REQUEST), got ${count}; split the batch`);
  }
  const r = parseIngestBody(body);
  if (!r.success) throw new HttpError(400, describeZodError(r.error, 'body'));
  const groups: IngestGroup[] = Array.isArray(r.data) ? r.data : [r.data];
  const batch = Array.isArray(r.data);
  const samples: AppSample[] = [];
  const problems: string[] = [];
  groups.forEach((g, gi) => {
    g.metrics.forEach((m, mi) => {
      const t = m.t ?? t0;
      if (Math.abs(t - t0) > o.maxSkew) {
        const field = `${batch ? `${gi}.` : ''}metrics.${mi}.t`;
        const off = t > t0 ? `${t - t0} ms in the future` : `${t0 - t} ms in the past`;
        if (problems.length < 5) problems.push(`${field}: must be within ${o.maxSkew} ms of server time (INGEST_MAX_SKEW), got ${off}`);
      }
      samples.push({ key: metricKey(m.name, m.labels), source: g.source ?? o.source, unit: m.unit ?? '', t, v: m.value });
    });
  });
  if (problems.length) throw new HttpError(400, problems.join('; '));
  return samples;
}

/** Metrics in a body of any shape, counted without trusting it (for the 413 before parsing). */
function countMetrics(body: unknown): number {
  const groups = Array.isArray(body) ? body : [body];
  let n = 0;
  for (const g of groups) {
    const m = (g as { metrics?: unknown } | null)?.metrics;
    if (Array.isArray(m)) n += m.length;
  }
  return n;
}
