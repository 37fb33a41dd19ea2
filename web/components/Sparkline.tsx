import { useLayoutEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Ring } from '../ring.js';

export interface SparklineProps {
  ring: Ring;
  /** Changes whenever the ring's points change; the plot redraws then. */
  version: number;
  unit: string;
  color: string;
  /** Accessible description ("sparkline of the last 300 points"). */
  label: string;
}

/** Percentages always span 0..100, so two CPU tiles compare at a glance. */
function yRange(unit: string): uPlot.Scale.Range {
  if (unit === '%') return [0, 100];
  return (_u, min, max) => {
    if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
    if (min === max) return min === 0 ? [0, 1] : [min - Math.abs(min) * 0.1, max + Math.abs(max) * 0.1];
    const pad = (max - min) * 0.12;
    return [min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad];
  };
}

function options(width: number, height: number, unit: string, color: string): uPlot.Options {
  return {
    width,
    height,
    cursor: { show: false },
    legend: { show: false },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    axes: [{ show: false }, { show: false }],
    scales: { x: { time: false }, y: { range: yRange(unit) } },
    // No fill: a filled area costs a second path per redraw.
    series: [{}, { stroke: color, width: 2, points: { show: false } }],
    padding: [4, 0, 2, 0],
  };
}

/**
 * A uPlot line over the ring's buffers (read in place, never copied). The plot
 * is created once per mount and resized with its box; `setData` runs in the
 * layout effect, i.e. inside the frame loop's animation frame.
 */
export function Sparkline({ ring, version, unit, color, label }: SparklineProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useLayoutEffect(() => {
    const el = box.current!;
    const u = new uPlot(options(Math.max(1, el.clientWidth), Math.max(1, el.clientHeight), unit, color), ring.view(), el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(1, el.clientWidth);
      const h = Math.max(1, el.clientHeight);
      if (w !== u.width || h !== u.height) u.setSize({ width: w, height: h });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [unit, color]);

  useLayoutEffect(() => {
    plot.current?.setData(ring.view());
  }, [ring, version]);

  return <div class="spark" ref={box} role="img" aria-label={label} data-points={ring.length} />;
}
