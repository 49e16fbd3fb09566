import type { Response } from 'express';
import type { Logger } from 'pino';
import { Problem } from './problem';
import { MissingTenantError, CrossTenantError } from '../platform/tenant-context';
import { DomainError, type DomainErrorKind } from '../domain/errors';
import type { ProblemType } from './problem';

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
  code?: string;
  message?: string;
}

/**
 * The errors express, its router, body-parser, raw-body and our body checks raise for what a
 * client sent, as the problem a client can act on. Anything else is ours and stays a 500.
 */
export function clientProblem(err: unknown): Problem | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as HttpishError;
  switch (e.type) {
    case 'entity.too.large':
      return new Problem('payload-too-large', 'the body is larger than this API accepts');
    case 'entity.parse.failed':
      return new Problem('malformed-json', 'the body could not be parsed as JSON');
    case 'charset.unsupported':
      return new Problem('unsupported-media-type', 'send the body as UTF-8 JSON');
    case 'encoding.unsupported':
      return new Problem('unsupported-media-type', 'Content-Encoding must be identity, gzip, deflate or br');
    case 'request.aborted':
      return new Problem('bad-request', 'the body ended before it was complete');
    case 'request.size.invalid':
      return new Problem('bad-request', 'the body is not as long as Content-Length says');
    case 'body.not-utf8':
      return new Problem('bad-request', 'the body is not valid UTF-8');
    case 'body.bom-only':
      return new Problem('malformed-json', 'the body is only a byte-order mark; send JSON or no body at all');
    case 'body.too-deep':
      return new Problem('body-too-deep', e.message ?? 'the body is nested too deeply');
    default:
      break;
  }
  const status = e.status ?? e.statusCode;
  // The router decodes path parameters with decodeURIComponent and marks its URIError 400.
  if (err instanceof URIError && status === 400) return new Problem('bad-request', 'the path is not valid percent-encoding');
  if (e.expose !== true || typeof status !== 'number' || status < 400 || status > 499) return undefined;
  // zlib's errors (corrupt gzip, deflate or brotli), marked 400 by body-parser.
  if (typeof e.code === 'string' && /^(Z_|ERR__)/.test(e.code)) return new Problem('bad-request', 'the body could not be decompressed as its Content-Encoding says');
  if (status === 413) return new Problem('payload-too-large', 'the body is larger than this API accepts');
  if (status === 415) return new Problem('unsupported-media-type', 'send the body as UTF-8 application/json');
  if (status === 408) return new Problem('request-timeout', 'the request did not arrive in time');
  return new Problem('bad-request', 'the request could not be read');
}

/** Each domain refusal's problem type; `not-ready` is a 409 the client retries. */
const DOMAIN_PROBLEMS: Record<DomainErrorKind, ProblemType> = {
  'not-found': 'not-found',
  invalid: 'validation-failed',
  conflict: 'conflict',
  'not-ready': 'conflict',
  forbidden: 'forbidden',
  stale: 'precondition-failed',
  'version-required': 'precondition-required',
  'tenant-not-active': 'tenant-not-active',
  'rule-set-invalid': 'rule-set-invalid',
  'decision-refused': 'decision-refused',
};

/** A use case's refusal as the problem a client reads: same detail, field and extensions. */
export function problemOf(err: DomainError): Problem {
  const { retryable, retryAfterSeconds, version, ...extensions } = err.details;
  const headers: Record<string, string> = {};
  const again = retryable ?? err.kind === 'not-ready';
  if (again) headers['Retry-After'] = String(retryAfterSeconds ?? 1);
  if (err.kind === 'stale' && version !== undefined) headers.ETag = `"${version}"`;
  return new Problem(DOMAIN_PROBLEMS[err.kind], err.detail, { ...extensions, ...(again ? { retryable: true } : {}), ...(Object.keys(headers).length ? { headers } : {}) });
}

/** Writes any thrown value as problem+json. Unexpected errors are logged and become a bare 500. */
export function sendProblem(res: Response, err: unknown, instance: string, log: Logger): void {
  let problem: Problem;
  const fromClient = err instanceof Problem || err instanceof DomainError ? undefined : clientProblem(err);
  if (err instanceof Problem) {
    problem = err;
  } else if (err instanceof DomainError) {
    problem = problemOf(err);
  } else if (fromClient) {
    // A client's mistake is not our error: one line without a stack, at info.
    log.info({ problem: fromClient.kind, reason: (err as HttpishError).message }, 'request refused');
    problem = fromClient;
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
  const name = (err as { name?: string })?.name ?? '';
  return name === 'MongoServerSelectionError' || name === 'MongoNetworkError' || name === 'MongoNotConnectedError';
}
