import { pino, type Logger } from 'pino';

/** A real pino logger writing JSON lines into memory, for tests that read the logs. */
export function capturedLogger(level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean)) });
  return { logger, lines };
}
