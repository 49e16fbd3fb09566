/**
 * The ways a use case refuses, in business terms. Services, activities and domain code throw
 * these; only `api/` turns them into problem+json (api/errors.ts maps each kind to a status), so
 * an activity never carries an HTTP error and a service never imports the HTTP layer.
 */
export const DOMAIN_ERROR_KINDS = [
  /** The thing named does not exist in this tenant (or the caller may not know it does). */
  'not-found',
  /** The input can never be accepted like this; `field` names what to fix. */
  'invalid',
  /** Not allowed in the current state; retrying the same request will not help. */
  'conflict',
  /** Not yet: the process is still starting or busy; the same request will succeed shortly. */
  'not-ready',
  /** This caller may not do this. */
  'forbidden',
  /** The caller's copy is out of date (optimistic concurrency). */
  'stale',
  /** The caller must say which version it changes. */
  'version-required',
  /** The tenant is not active (provisioning, suspended, offboarding). */
  'tenant-not-active',
  /** A rule set's definition fails its kind's checks. */
  'rule-set-invalid',
  /** A workflow refused a decision (not your step, already decided). */
  'decision-refused',
] as const;

export type DomainErrorKind = (typeof DOMAIN_ERROR_KINDS)[number];

export interface DomainErrorDetails {
  /** The input that failed, as the client named it (`body.lines[2].quantity`). */
  field?: string;
  errors?: { field: string; detail: string }[];
  /** Overrides the kind's default: whether the same request may succeed if sent again. */
  retryable?: boolean;
  /** Seconds a client should wait before retrying, where the use case knows. */
  retryAfterSeconds?: number;
  /** The current version, on `stale`. */
  version?: number | string;
  [extension: string]: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly detail: string,
    readonly details: DomainErrorDetails = {},
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string): DomainError => new DomainError('not-found', `${what} was not found`);
export const invalid = (field: string, detail: string): DomainError => new DomainError('invalid', detail, { field });
export const conflict = (detail: string, details: DomainErrorDetails = {}): DomainError => new DomainError('conflict', detail, details);
