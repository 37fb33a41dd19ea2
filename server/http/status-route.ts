import type { RequestHandler } from 'express';
import { CHECK_STATUSES, type CheckState, type CheckStatus, type StatusResponse, worse } from '../../shared/schema.js';
import { StatusQuery } from '../../shared/query.js';
import type { DashboardsFile } from '../../shared/dashboards.js';
import { HttpError, parseOr400 } from './http-error.js';

export interface StatusSource {
  readonly dashboards: DashboardsFile;
  list(): CheckState[];
}

/**
 * GET api/status: every check and the worst status (`ok` without checks), 200;
 * with `?fail=critical|warn|unknown`, 503 while the status is at least that bad
 * (ok < unknown < warn < critical), so an uptime checker needs no JSON parser.
 */
export function statusHandler(checks: StatusSource): RequestHandler {
  return (req, res) => {
    const q = parseOr400(StatusQuery, req.query, 'query');
    if (q.dashboard !== undefined && !Object.hasOwn(checks.dashboards.dashboards, q.dashboard)) {
      const names = Object.keys(checks.dashboards.dashboards).join(', ');
      throw new HttpError(404, `dashboard: no dashboard ${JSON.stringify(q.dashboard)}; there are: ${names}`);
    }
    const list = checks.list().filter((c) => q.dashboard === undefined || c.dashboard === q.dashboard);
    let status: CheckStatus = 'ok';
    for (const c of list) status = worse(status, c.status);
    const body: StatusResponse = { status, checks: list };
    const failing = q.fail !== undefined && CHECK_STATUSES.indexOf(status) >= CHECK_STATUSES.indexOf(q.fail);
    res.status(failing ? 503 : 200).set('Cache-Control', 'no-cache').json(body);
  };
}
