import type { DashboardsFile } from './dashboards.js';
import { INFERENCE_DASHBOARD } from './inference-dashboard.js';

/**
 * What `npm start` shows without a dashboards file: `default` judges what a
 * first-time user would ask of a host (CPU, memory, root filesystem, Vigil's
 * event loop, 5xx), then shows the rest of each channel, with per-core CPU and
 * virtual or loopback interfaces hidden; series that read together share a
 * tile as lines (CPU by mode, load 1/5/15, pressure, read/write per disk,
 * rx/tx per interface, use per filesystem); `all` shows every series, unjudged;
 * `inference` shows a scraped vLLM server (shared/inference-dashboard.ts).
 */
export const DEFAULT_DASHBOARDS: DashboardsFile = {
  dashboards: {
    default: {
      title: 'Vigil',
      hide: [
        'host.cpu.core*',
        'host.net.*{interface=lo}',
        'host.net.*{interface=ifb*}',
        'host.net.*{interface=veth*}',
        'host.net.*{interface=docker*}',
        'host.net.*{interface=br-*}',
        'host.net.*{interface=virbr*}',
        // Names before labels: host.net.<interface>.rx
        'host.net.lo.*',
        'host.net.ifb*',
        'host.net.veth*',
        'host.net.docker*',
        'host.net.br-*',
        'host.net.virbr*',
      ],
      sections: [
        {
          title: 'Host',
          tiles: [
            // `for`: Vigil's own start-up (module loading, JIT) fills the first seconds' windows; no level before it has held 10 s.
            { metric: 'host.cpu.total', title: 'CPU', on: 'avg', warn: 80, critical: 90, for: 10_000 },
            { metric: 'host.mem.percent', title: 'Memory', warn: 80, critical: 90 },
            { metric: 'host.fs.percent', labels: { mountpoint: '/' }, title: 'Root filesystem', warn: 80, critical: 90 },
            { metric: 'host.cpu.mode', title: 'CPU by mode', lines: 'mode' },
            { metric: 'host.load.*', title: 'Load', lines: 'metric' },
            { metric: 'host.pressure.*', title: 'Pressure (some, 10 s)', lines: 'metric' },
            { metric: 'host.fs.percent', title: 'Filesystems used', lines: 'mountpoint' },
            { metric: 'host.disk.busy', title: 'Disk busy', lines: 'device' },
            { metric: 'host.disk.*', title: 'Disk', lines: 'metric' },
            { metric: 'host.net.*', title: 'Network', lines: 'metric' },
            { metric: 'host.procs.*', title: 'Processes', lines: 'metric' },
            { metric: 'host.*' },
          ],
        },
        {
          title: 'Vigil process',
          tiles: [
            { metric: 'process.loop.p99', title: 'Event loop p99', on: 'avg', warn: 50, critical: 100, for: 10_000 },
            { metric: 'process.*' },
          ],
        },
        {
          title: 'HTTP',
          tiles: [
            { metric: 'http.status.5xx', title: '5xx answers', on: 'avg', warn: 0.1, critical: 1, hysteresis: 0.05 },
            { metric: 'http.latency.*', title: 'Latency', lines: 'metric' },
            { metric: 'http.status.*', title: 'Other answers', lines: 'metric' },
            { metric: 'http.*' },
          ],
        },
        { title: 'App', tiles: [{ metric: '*' }] },
      ],
    },
    all: {
      title: 'Vigil · all series',
      sections: [
        {
          title: 'Host',
          tiles: [
            { metric: 'host.cpu.core', title: 'CPU per core', lines: 'cpu' },
            { metric: 'host.cpu.mode', title: 'CPU by mode', lines: 'mode' },
            { metric: 'host.load.*', title: 'Load', lines: 'metric' },
            { metric: 'host.pressure.*', title: 'Pressure (some, 10 s)', lines: 'metric' },
            { metric: 'host.disk.busy', title: 'Disk busy', lines: 'device' },
            { metric: 'host.disk.*', title: 'Disk', lines: 'metric' },
            { metric: 'host.net.*', title: 'Network', lines: 'metric' },
            { metric: 'host.*' },
          ],
        },
        { title: 'Vigil process', tiles: [{ metric: 'process.*' }] },
        {
          title: 'HTTP',
          tiles: [
            { metric: 'http.latency.*', title: 'Latency', lines: 'metric' },
            { metric: 'http.status.*', title: 'Answers by status', lines: 'metric' },
            { metric: 'http.*' },
          ],
        },
        { title: 'App', tiles: [{ metric: '*' }] },
      ],
    },
    inference: INFERENCE_DASHBOARD,
  },
};
