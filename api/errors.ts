import type { Response } from 'express';
import type { Logger } from 'pino';
import { Problem } from './problem';
import { MissingTenantError, CrossTenantError } from '../platform/tenant-context';

/** Writes any thrown value as problem+json. Unexpected errors are logged and become a bare 500. */
export function sendProblem(res: Response, err: unknown, instance: string, log: Logger): void {
  let problem: Problem;
  if (err instanceof Problem) {
    problem = err;
  } else if ((err as { type?: string }).type === 'entity.too.large') {
    problem = new Problem('payload-too-large', 'the body is larger than this API accepts');
  } else if ((err as { type?: string }).type === 'entity.parse.failed') {
    problem = new Problem('malformed-json', 'the body could not be parsed as JSON');
  } else if ((err as { type?: string }).type === 'charset.unsupported' || (err as { type?: string }).type === 'encoding.unsupported') {
    problem = new Problem('unsupported-media-type', 'send the body as UTF-8 JSON');
  } else if (isBackendDown(err)) {
    log.error({ err }, 'backing service unavailable');
    problem = new Problem('unavailable', 'a backing service did not answer; retry shortly', { headers: { 'Retry-After': '5' } });
  } else {
    if (err instanceof MissingTenantError || err instanceof CrossTenantError) log.fatal({ err }, 'tenant scope violation');
    else log.error({ err }, 'unhandled error');
    problem = new Problem('internal', 'an unexpected error occurred; it has been logged');
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries((problem.extras.headers as Record<string, string>) ?? {})) res.setHeader(name, value);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.toBody(instance)));
}

function isBackendDown(err: unknown): boolean {
  const name = (err as { name?: string }).name ?? '';
  return name === 'MongoServerSelectionError' || name === 'MongoNetworkError' || name === 'MongoNotConnectedError';
}
