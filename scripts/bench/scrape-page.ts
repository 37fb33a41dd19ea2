/**
 * The synthetic metrics page of scripts/bench-scrape.ts, vLLM/node_exporter-shaped;
 * per 1,000 series: 300 gauges and 300 counters (10 names of 30 label sets
 * each), 25 histograms of 12 buckets (350 lines), 10 summaries of 3 quantiles
 * (50 lines), each with 2 labels; its values move every round.
 */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The exposition of round `r`: SERIES sample lines (in the mix above, scaled). */
export function page(series: number, r: number): string {
  const k = series / 1000;
  const out: string[] = [];
  const lbl = (i: number) => `model_name="meta-llama/Llama-3.1-8B-Instruct",engine="${i}"`;
  // 10 names of 30 label sets each (a name may have at most 256).
  for (let i = 0; i < 300 * k; i++) {
    if (i % 30 === 0) out.push(`# TYPE bench:gauge_${i / 30} gauge`);
    out.push(`bench:gauge_${Math.floor(i / 30)}{${lbl(i % 30)}} ${(i * 7 + r) % 100}`);
  }
  for (let i = 0; i < 300 * k; i++) {
    if (i % 30 === 0) out.push(`# TYPE bench:tokens_${i / 30} counter`);
    out.push(`bench:tokens_${Math.floor(i / 30)}_total{${lbl(i % 30)}} ${i * 1000 + r * 37.5}`);
  }
  for (let h = 0; h < 25 * k; h++) {
    out.push(`# TYPE bench:latency_${h}_seconds histogram`);
    let c = 0;
    for (const le of BUCKETS) out.push(`bench:latency_${h}_seconds_bucket{${lbl(0)},le="${le}"} ${(c += r + h)}`);
    out.push(`bench:latency_${h}_seconds_bucket{${lbl(0)},le="+Inf"} ${c + r}`);
    out.push(`bench:latency_${h}_seconds_count{${lbl(0)}} ${c + r}`);
    out.push(`bench:latency_${h}_seconds_sum{${lbl(0)}} ${r * 3.2}`);
  }
  for (let s = 0; s < 10 * k; s++) {
    out.push(`# TYPE bench:rpc_${s}_seconds summary`);
    for (const q of ['0.5', '0.9', '0.99']) out.push(`bench:rpc_${s}_seconds{${lbl(0)},quantile="${q}"} ${Number(q) * (1 + (r % 3))}`);
    out.push(`bench:rpc_${s}_seconds_count{${lbl(0)}} ${r * 10}`);
    out.push(`bench:rpc_${s}_seconds_sum{${lbl(0)}} ${r * 4}`);
  }
  return out.join('\n') + '\n';
}

