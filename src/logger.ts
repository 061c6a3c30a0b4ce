// The JSON logger (pino), with every secret the app handles redacted before a line is written.
import { pino, type Logger, type DestinationStream } from 'pino';

// Secrets never reach a log: these paths are replaced before a line is written.
export const redactedPaths = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.password',
  '*.password_confirm',
  '*.current_password',
  '*.card_number',
  '*.card_cvv',
  '*.token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: redactedPaths, censor: '[redacted]' } }, destination);
}

export type { Logger };
