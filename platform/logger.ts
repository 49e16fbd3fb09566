import pino, { Logger } from 'pino';

/**
 * Structured JSON logs. Request, job and activity loggers are children carrying tenantId,
 * requestId and workflowId so one tenant's story can be pulled out of the stream.
 */
export function createLogger(level: string, name = 'trellis'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    redact: { paths: ['req.headers.authorization', '*.apiKey', '*.secret', 'key'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export type { Logger };
