/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from `min`,
 * capped at `max`, with "equal jitter" (half fixed, half random), so a room
 * full of wall displays does not reconnect in lock-step after a restart.
 */
export function backoffDelay(attempt: number, random: () => number, min = 1000, max = 30_000): number {
  const ceiling = Math.min(max, min * 2 ** Math.max(0, Math.min(attempt, 30)));
  return ceiling / 2 + random() * (ceiling / 2);
}
