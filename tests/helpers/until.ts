/** Polls `pred` every 20 ms; rejects after `timeout` ms naming `what`. For state with no event to wait on. */
export async function until(pred: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
