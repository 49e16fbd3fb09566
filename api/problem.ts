/**
 * RFC 9457 problem details. Each kind of failure has a stable `type` clients can branch on; the
 * `detail` says what to fix and `field` names the input that failed. Never a stack trace.
 */
export const PROBLEM_TYPES = {
  'validation-failed': { status: 422, title: 'The request is not valid' },
  'malformed-json': { status: 400, title: 'The body is not valid JSON' },
  'unsupported-media-type': { status: 415, title: 'The body must be application/json' },
  'payload-too-large': { status: 413, title: 'The body is too large' },
  unauthenticated: { status: 401, title: 'A valid API key is required' },
  forbidden: { status: 403, title: 'This key may not do that' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  'idempotency-key-reused': { status: 422, title: 'The Idempotency-Key was used with a different request' },
  'idempotency-key-in-use': { status: 409, title: 'A request with this Idempotency-Key is still running' },
  'precondition-failed': { status: 412, title: 'The resource changed since you read it' },
  'precondition-required': { status: 428, title: 'If-Match is required to change this resource' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'tenant-not-active': { status: 409, title: 'The tenant is not active' },
  'rule-set-invalid': { status: 422, title: 'The rule set is not valid' },
  'decision-refused': { status: 409, title: 'The decision was refused' },
  // Requests that cannot be read at all: bad percent-encoding, corrupt compressed bodies, bodies
  // that are not UTF-8 or only a byte-order mark, framing Node's HTTP parser refuses.
  'bad-request': { status: 400, title: 'The request could not be read' },
  'body-too-deep': { status: 400, title: 'The body is nested too deeply' },
  'headers-too-large': { status: 431, title: 'The request headers are too large' },
  'request-timeout': { status: 408, title: 'The request took too long to arrive' },
  unavailable: { status: 503, title: 'A backing service is unavailable' },
  internal: { status: 500, title: 'Something went wrong on our side' },
} as const;

export type ProblemType = keyof typeof PROBLEM_TYPES;

/**
 * Refusals that say "try again": nothing happened, so an Idempotency-Key answered with one of
 * these is not remembered and the retry runs the request again.
 */
const RETRYABLE_TYPES: ReadonlySet<ProblemType> = new Set<ProblemType>(['rate-limited', 'idempotency-key-in-use', 'unavailable', 'internal']);

export const PROBLEM_BASE = 'urn:trellis:problem:';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  field?: string;
  errors?: { field: string; detail: string }[];
  [extension: string]: unknown;
}

export class Problem extends Error {
  readonly status: number;
  constructor(
    readonly kind: ProblemType,
    readonly detail: string,
    readonly extras: { field?: string; errors?: { field: string; detail: string }[]; headers?: Record<string, string>; retryable?: boolean; [k: string]: unknown } = {},
  ) {
    super(detail);
    this.status = PROBLEM_TYPES[kind].status;
  }

  /** True when the client should retry the same request (see RETRYABLE_TYPES, or `{ retryable: true }`). */
  get retryable(): boolean {
    return this.extras.retryable ?? (RETRYABLE_TYPES.has(this.kind) || this.status >= 500);
  }

  toBody(instance?: string): ProblemBody {
    const { headers: _headers, retryable: _retryable, ...extensions } = this.extras;
    return {
      type: `${PROBLEM_BASE}${this.kind}`,
      title: PROBLEM_TYPES[this.kind].title,
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...extensions,
    };
  }
}

export const notFound = (what: string): Problem => new Problem('not-found', `${what} was not found`);
