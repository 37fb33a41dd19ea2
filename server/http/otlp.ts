import type { Request, RequestHandler } from 'express';
import { OtlpRequest } from '../sources/otlp/otlp-json.js';
import { countPoints, OtlpInputError } from '../sources/otlp/otlp-points.js';
import type { OtlpReceiver } from '../sources/otlp/otlp-receiver.js';
import { describeZodError, HttpError } from './http-error.js';

/**
 * POST v1/metrics (OTLP/HTTP, JSON encoding), after ingest's token, rate and
 * body-size checks. 200 with an empty ExportMetricsServiceResponse when every
 * data point is taken; otherwise nothing is recorded and the 4xx names what was
 * wrong: 400 shape or a metric Vigil cannot take, 413 past
 * MAX_METRICS_PER_REQUEST data points, 415 protobuf, 429 cardinality.
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
    res.status(200).json({});
  };
}

/** OTLP/HTTP's protobuf encoding is refused with a message saying how to send JSON. */
export function otlpContentType(req: Request): HttpError | undefined {
  if (req.is('application/json')) return undefined;
  if (req.is('application/x-protobuf')) {
    return new HttpError(415, 'body: OTLP protobuf is not supported; export OTLP/JSON (@opentelemetry/exporter-metrics-otlp-http, or OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=http/json)');
  }
  return new HttpError(415, 'body: send OTLP/JSON with Content-Type: application/json');
}
