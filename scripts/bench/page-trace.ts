/**
 * Where a page's main-thread time goes: a Chromium trace (CDP `Tracing`) of
 * the renderer's main thread, its complete events reduced to self time per
 * kind (script, style, layout, paint, layerize, commit, gc, other).
 */
import { writeFileSync } from 'node:fs';
import type { CDPSession } from 'playwright-core';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; [k: string]: unknown };
}

/** Kinds of main-thread work, by trace event name (Chromium 12x-15x names). */
const KINDS: Array<[RegExp, string]> = [
  [/^(UpdateLayoutTree|RecalculateStyles|ParseAuthorStyleSheet|InvalidateLayout|ScheduleStyleRecalculation)$/, 'style'],
  [/^(Layout|UpdateLayout|LocalFrameView::layout|LayoutShift|IntersectionObserverController::computeIntersections)$/, 'layout'],
  [/^(Paint|PaintImage|PaintController::CommitNewDisplayItems|LocalFrameView::RunPaintLifecyclePhase|PrePaint|Decode.*)$/, 'paint'],
  [/^(Layerize|PaintArtifactCompositor::Update|UpdateLayer|UpdateLayerTree|CompositeLayers|cc::LayerTreeHost::UpdateLayers)$/, 'layerize'],
  [/^(Commit|ProxyMain::BeginMainFrame::commit|ProxyImpl::ScheduledActionCommit)$/, 'commit'],
  [/GC|Scavenge|MarkCompact|V8\.GC/, 'gc'],
  [/^(FunctionCall|EvaluateScript|v8\.|V8\.|TimerFire|FireAnimationFrame|EventDispatch|v8\.callFunction|RunMicrotasks|v8\.run|ParseHTML|XHR|ResourceReceivedData)/, 'script'],
];

function kindOf(name: string): string {
  for (const [re, k] of KINDS) if (re.test(name)) return k;
  return 'other';
}

export interface TraceBreakdown {
  seconds: number;
  /** ms of main-thread self time per second of wall time, by kind. */
  byKind: Record<string, number>;
  /** The heaviest event names by self time, ms per second. */
  top: Array<[string, number]>;
}

/** Traces `seconds` of the page through `cdp` and reduces the renderer main thread's events; `saveAs`: also write the trace there (Chrome's JSON trace format). */
export async function tracePage(cdp: CDPSession, seconds: number, wait: (ms: number) => Promise<void>, saveAs?: string): Promise<TraceBreakdown> {
  const events: TraceEvent[] = [];
  const onData = (e: { value: TraceEvent[] }) => {
    for (const ev of e.value) events.push(ev);
  };
  cdp.on('Tracing.dataCollected', onData as never);
  const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: {
      recordMode: 'recordContinuously',
      includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'v8', 'disabled-by-default-v8.gc'],
    },
  } as never);
  const t0 = Date.now();
  await wait(seconds * 1000);
  await cdp.send('Tracing.end');
  await done;
  cdp.off('Tracing.dataCollected', onData as never);
  // The whole trace, for DevTools' Performance panel (Load profile) or a script: which event ran under which, with its arguments.
  if (saveAs) writeFileSync(saveAs, JSON.stringify({ traceEvents: events }));
  return reduce(events, (Date.now() - t0) / 1000);
}

function reduce(events: TraceEvent[], seconds: number): TraceBreakdown {
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const byKind: Record<string, number> = {};
  const byName = new Map<string, number>();
  if (!main) return { seconds, byKind, top: [] };
  const mine = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && typeof e.dur === 'number').sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  // Self time: each event's duration less its children's (events nest on one thread).
  const stack: Array<{ e: TraceEvent; end: number; child: number }> = [];
  const close = (upTo: number) => {
    while (stack.length && stack[stack.length - 1].end <= upTo) {
      const s = stack.pop()!;
      const self = Math.max(0, s.e.dur! - s.child);
      byName.set(s.e.name, (byName.get(s.e.name) ?? 0) + self);
      if (stack.length) stack[stack.length - 1].child += s.e.dur!;
    }
  };
  for (const e of mine) {
    close(e.ts);
    stack.push({ e, end: e.ts + e.dur!, child: 0 });
  }
  close(Infinity);
  for (const [name, us] of byName) byKind[kindOf(name)] = (byKind[kindOf(name)] ?? 0) + us / 1000 / seconds;
  const top = [...byName].map(([n, us]) => [n, us / 1000 / seconds] as [string, number]).sort((a, b) => b[1] - a[1]).slice(0, 15);
  return { seconds, byKind, top };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Samples the page's JavaScript for `seconds` (CDP Profiler); self time per function, ms per second, heaviest first. */
export async function profilePage(cdp: CDPSession, seconds: number, wait: (ms: number) => Promise<void>): Promise<Array<[string, number]>> {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await wait(seconds * 1000);
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
  await cdp.send('Profiler.disable');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)' || f.functionName === '(program)') return;
    const file = f.url.split('/').pop() ?? '';
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...self].map(([k, us]) => [k, us / 1000 / seconds] as [string, number]).sort((a, b) => b[1] - a[1]).slice(0, 25);
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/**
 * Samples what the page's JavaScript allocates for `seconds` (CDP
 * HeapProfiler sampling, every 4 KiB on average, objects collected meanwhile
 * included): bytes allocated per function, KB per second, heaviest first. GC
 * time follows the allocation rate, so this is where GC comes from.
 */
export async function allocationsOf(cdp: CDPSession, seconds: number, wait: (ms: number) => Promise<void>): Promise<Array<[string, number]>> {
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await wait(seconds * 1000);
  const { profile } = (await cdp.send('HeapProfiler.stopSampling')) as unknown as { profile: { head: SamplingNode } };
  await cdp.send('HeapProfiler.disable');
  const self = new Map<string, number>();
  const walk = (n: SamplingNode) => {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`;
    if (n.selfSize) self.set(key, (self.get(key) ?? 0) + n.selfSize);
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  return [...self].map(([k, b]) => [k, b / 1024 / seconds] as [string, number]).sort((a, b) => b[1] - a[1]).slice(0, 25);
}
