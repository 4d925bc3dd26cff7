/**
 * Structured logs (pino). Personal data never goes into a log line: pass ids,
 * never names, phones, texts or health values. The redaction list is a safety
 * net for the fields that could carry them by accident.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'ishc'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['text', 'phone', 'fullName', '*.text', '*.name', '*.phone', '*.fullName', 'params.text'],
      censor: '[hidden]',
    },
  });
}
