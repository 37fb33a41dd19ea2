import { CHECK_STATUSES, type CheckState } from '../../shared/schema.js';

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/**
 * Each check's state in the Prometheus text format, as a state set (one series
 * per possible state, 1 for the current one), so `vigil_check_status{state="critical"} == 1`
 * is an alert rule; and the judged value where there is one.
 */
export function renderChecks(checks: readonly CheckState[]): string {
  if (checks.length === 0) return '';
  let status = '# HELP vigil_check_status State of each dashboard check (1 for its current state)\n# TYPE vigil_check_status gauge\n';
  let value = '# HELP vigil_check_value Value each dashboard check judges (its tile\'s stat, after scale)\n# TYPE vigil_check_value gauge\n';
  for (const c of checks) {
    const labels = `dashboard="${esc(c.dashboard)}",title="${esc(c.title)}",metric="${esc(c.metric)}",source="${esc(c.source)}"`;
    for (const s of CHECK_STATUSES) status += `vigil_check_status{${labels},state="${s}"} ${c.status === s ? 1 : 0}\n`;
    if (c.value !== null) value += `vigil_check_value{${labels}} ${c.value}\n`;
  }
  return status + value;
}
