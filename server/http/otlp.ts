import express, { type Request, type RequestHandler } from 'express';
import { OtlpRequest } from '../sources/otlp/otlp-json.js';
import { OtlpProtoDecoder, OtlpProtoError } from '../sources/otlp/otlp-proto.js';
import { countPoints, OtlpInputError } from '../sources/otlp/otlp-points.js';
import type { OtlpReceiver } from '../sources/otlp/otlp-receiver.js';
import { describeZodError, HttpError } from './http-error.js';

/**
 * POST v1/metrics (OTLP/HTTP, JSON or protobuf encoding), after ingest's token,
 * rate and body-size checks. 200 with an empty ExportMetricsServiceResponse (in
 * the request's encoding) when every data point is taken; otherwise nothing is
 * recorded and the 4xx (JSON, as every error of Vigil) names what was wrong:
 * 400 shape or a metric Vigil cannot take, 413 past MAX_METRICS_PER_REQUEST data
 * points, 415 another content type, 429 cardinality.
 */
export function otlpHandler(receiver: OtlpReceiver, maxPoints: number): RequestHandler {
  return (req: Request, res) => {
    const r = OtlpRequest.safeParse(req.body);
    if (!r.success) throw new HttpError(400, describeZodError(r.error, 'body'));
    const n = countPoints(r.data);
    if (n > maxPoints) throw new HttpError(413, `at most ${maxPoints} data points per request (MAX_METRICS_PER_REQUEST), got ${n}; export more often or in smaller batches`);
    let out;
    try {
      out = receiver.receive(r.data);
    } catch (err) {
      if (err instanceof OtlpInputError) throw new HttpError(400, err.message);
      throw err;
    }
    if ('refused' in out) throw new HttpError(429, out.refused);
    // An empty ExportMetricsServiceResponse is zero bytes in protobuf.
    if (req.is('application/x-protobuf')) res.status(200).type('application/x-protobuf').end();
    else res.status(200).json({});
  };
}

/**
 * Reads the body by its content type (otlpContentType has let only these by):
 * JSON as ingest does, protobuf decoded into the JSON mapping's shape.
 */
export function otlpBody(bodyLimit: number, json: RequestHandler): RequestHandler {
  const raw = express.raw({ limit: bodyLimit, type: () => true });
  const decoder = new OtlpProtoDecoder();
  return (req, res, next) => {
    if (!req.is('application/x-protobuf')) return json(req, res, next);
    raw(req, res, (err?: unknown) => {
      if (err) return next(err);
      try {
        req.body = decoder.decode(req.body as Buffer);
        next();
      } catch (e) {
        next(e instanceof OtlpProtoError ? new HttpError(400, e.message) : e);
      }
    });
  };
}

/** OTLP/HTTP's two encodings; anything else is refused saying what to send. */
export function otlpContentType(req: Request): HttpError | undefined {
  if (req.is('application/json') || req.is('application/x-protobuf')) return undefined;
  return new HttpError(415, 'body: send OTLP/JSON (Content-Type: application/json) or OTLP protobuf (application/x-protobuf)');
}
