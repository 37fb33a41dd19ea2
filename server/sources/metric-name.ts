/** Turns a device, interface or mount name into one word of a metric name ([a-z0-9_]). */
export function metricWord(raw: string): string {
  const w = raw
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return (w || 'root').slice(0, 40);
}
