import type { Dashboard } from './dashboards.js';

/**
 * Built in as `?dashboard=inference`: what a vLLM server publishes, scraped with
 * `--scrape 'http://HOST:8000/metrics;name=llm-1;match=vllm:*'` (scrape names:
 * `vllm:x` → `vllm.x`, counters as rates, histograms as .p50/.p95/.p99 and
 * .rate). Each tile shows every model and server (labels, sources) it matches.
 * Levels are starting points for an interactive service; set your own in a
 * dashboards file.
 */
export const INFERENCE_DASHBOARD: Dashboard = {
  title: 'Inference',
  sections: [
    {
      title: 'Throughput',
      tiles: [
        { metric: 'vllm.generation_tokens', title: 'Generated tokens/s', unit: 'tok/s', decimals: 0 },
        { metric: 'vllm.prompt_tokens', title: 'Prompt tokens/s', unit: 'tok/s', decimals: 0 },
        { metric: 'vllm.e2e_request_latency_seconds.rate', title: 'Requests finished/s', unit: 'req/s', decimals: 1 },
      ],
    },
    {
      title: 'Queue',
      tiles: [
        { metric: 'vllm.num_requests_running', title: 'Requests running', decimals: 0 },
        { metric: 'vllm.num_requests_waiting', title: 'Requests waiting', decimals: 0, on: 'avg', warn: 5, critical: 20, for: 10_000 },
        // vLLM 0.x: gpu_cache_usage_perc; later: kv_cache_usage_perc. Both are 0..1.
        { metric: 'vllm.*cache_usage_perc', title: 'KV-cache usage', unit: '%', scale: 100, decimals: 0, warn: 90, critical: 98, for: 10_000 },
      ],
    },
    {
      title: 'Latency (over the window)',
      tiles: [
        { metric: 'vllm.time_to_first_token_seconds.p95', title: 'Time to first token p95', unit: 'ms', scale: 1000, decimals: 0, warn: 1000, critical: 3000, for: 10_000 },
        { metric: 'vllm.e2e_request_latency_seconds.p95', title: 'End-to-end latency p95', unit: 's', decimals: 2, warn: 20, critical: 60, for: 10_000 },
        { metric: 'vllm.time_to_first_token_seconds.p50', title: 'Time to first token p50', unit: 'ms', scale: 1000, decimals: 0 },
        { metric: 'vllm.e2e_request_latency_seconds.p50', title: 'End-to-end latency p50', unit: 's', decimals: 2 },
      ],
    },
    { title: 'More from vLLM', tiles: [{ metric: 'vllm.*' }] },
  ],
};
