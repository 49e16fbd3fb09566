/**
 * Configuration comes only from environment variables. Every value is validated at start and
 * every bad value is reported at once, one clear line each, so an operator fixes them in one go.
 */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  /** Unset means "start the embedded local stack" (only `npm start` and the tests do that). */
  temporalAddress?: string;
  temporalNamespace: string;
  temporalTaskQueue: string;
  mongodbUri?: string;
  redisUrl?: string;
  /** Prefix for every Redis key and BullMQ queue, so several deployments can share one Redis. */
  redisPrefix: string;
  dataDir: string;
  platformKey?: string;
  logLevel: LogLevel;
  /** Requests per tenant per minute before 429. */
  rateLimitPerMinute: number;
  /** Public (unauthenticated) requests per client address per minute. */
  publicRateLimitPerMinute: number;
  /** Maximum JSON body size accepted by the API. */
  bodyLimitBytes: number;
  /** How often workers look for newly provisioned dedicated namespaces. */
  namespaceRefreshMs: number;
  /** How long an Idempotency-Key is remembered. */
  idempotencyTtlSeconds: number;
  /** How long POST /v1/tenants waits for provisioning to finish before answering 202. */
  provisionWaitMs: number;
  /** A prebuilt workflow bundle (built once by the test run or a deploy step); else built at start. */
  workflowBundlePath?: string;
  /** How long a running request holds its Idempotency-Key without renewing it (a crashed API's key frees up after this). */
  idempotencyLeaseSeconds: number;
  /** Requests per staff key (tenant-admin, approver, finance) per minute, within the tenant's budget. */
  keyRateLimitPerMinute: number;
  /** Requests per party-bound key (partner, supplier, manufacturer) per minute, so one party cannot spend the tenant's budget. */
  partyKeyRateLimitPerMinute: number;
  /** Requests without a valid key (none, unknown, revoked) per client address per minute, counted before authentication. */
  unauthenticatedRateLimitPerMinute: number;
  /** Deepest nesting of objects and arrays a JSON body may have (checked before it is parsed). */
  bodyMaxDepth: number;
  /**
   * The shortest duration a published rule set may hold (reminders, SLAs, periods). One minute in
   * production; the tests lower it to run their timers in seconds.
   */
  minRuleDurationMs: number;
  /** How long finance has to approve a payout run, and how often it is reminded, unless the tenant's settings say. */
  payoutApprovalSlaMs: number;
  payoutReminderEveryMs: number;
  /** How often the reaper closes work left half-done by a crash (stuck provisioning, …). */
  reaperIntervalSeconds: number;
  /** How old half-done work must be before the reaper touches it (younger may still be running). */
  reaperStaleAfterSeconds: number;
  /** GET /v1/audit/verify re-hashes only new events, and the whole chain when its last full check is this old. */
  auditFullVerifySeconds: number;
  /** History events after which an onboarding workflow's long wait continues as new. */
  onboardingContinueAsNewAfter: number;
  /** Outbound webhooks (docs/webhooks.md). */
  webhooks: WebhookConfig;
  /** How long a console sign-in lasts before the key must be entered again (docs/console.md). */
  consoleSessionTtlSeconds: number;
}

export interface WebhookConfig {
  /**
   * Lets endpoints be plain http on a loopback address (127.0.0.1, ::1, localhost), for a local
   * receiver. Off by default: every endpoint is then https on a public address.
   */
  allowLoopback: boolean;
  /** Attempts per delivery (the first included) before it goes to the dead letter. */
  attempts: number;
  /** The first retry waits about this long; each further one twice as long, with jitter. */
  backoffBaseMs: number;
  /** No retry waits longer than this. */
  backoffMaxMs: number;
  /** How long one attempt may take before it counts as failed. */
  timeoutMs: number;
  /** How often new audit events are fanned out to the endpoints that subscribe to them. */
  relayIntervalMs: number;
  /**
   * Fairness (docs/webhooks.md): at most this many of one endpoint's deliveries are in flight at
   * once (queued, being sent, or waiting for a retry), so a slow or failing receiver holds only
   * these; the rest of its backlog waits, pending, in the store.
   */
  endpointConcurrency: number;
  /** At most this many of one tenant's deliveries are queued or being sent at once. */
  tenantConcurrency: number;
  /** Attempts one queue-worker process runs at once, over every tenant. */
  workerConcurrency: number;
  /** After a rotation, deliveries are still signed with the old secret for this long. */
  rotationGraceSeconds: number;
  /**
   * Seals the signing secrets at rest (TRELLIS_WEBHOOK_KEY; TRELLIS_PLATFORM_KEY when unset).
   * Without either, endpoints cannot be created.
   */
  sealingKey?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${raw}"`);
      }
    } catch {
      problems.push(`${name} is not a valid URL: "${raw}"`);
    }
    return raw;
  };
  const name = (key: string, fallback: string): string => {
    const raw = env[key] ?? fallback;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(raw)) {
      problems.push(`${key} must be 1-64 letters, digits, '.', '_' or '-', got "${raw}"`);
    }
    return raw;
  };

  const temporalAddress = env.TEMPORAL_ADDRESS || undefined;
  if (temporalAddress && !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(temporalAddress)) {
    problems.push(`TEMPORAL_ADDRESS must be host:port, got "${temporalAddress}"`);
  }
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  const flag = (key: string): boolean => {
    const raw = env[key];
    if (raw === undefined || raw === '' || raw === 'false') return false;
    if (raw !== 'true') problems.push(`${key} must be true or false, got "${raw}"`);
    return raw === 'true';
  };
  const platformKey = env.TRELLIS_PLATFORM_KEY || undefined;
  const webhookKey = env.TRELLIS_WEBHOOK_KEY || undefined;
  if (webhookKey !== undefined && webhookKey.length < 32) {
    problems.push('TRELLIS_WEBHOOK_KEY must be at least 32 characters (generate one with `openssl rand -hex 32`)');
  }
  if (platformKey !== undefined && platformKey.length < 32) {
    problems.push('TRELLIS_PLATFORM_KEY must be at least 32 characters (generate one with `openssl rand -hex 32`)');
  }

  const config: Config = {
    port: int('PORT', 3000, 0, 65535),
    temporalAddress,
    temporalNamespace: name('TEMPORAL_NAMESPACE', 'trellis'),
    temporalTaskQueue: name('TRELLIS_TASK_QUEUE', 'trellis'),
    mongodbUri: url('MONGODB_URI', ['mongodb:', 'mongodb+srv:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: name('REDIS_PREFIX', 'trellis'),
    dataDir: env.TRELLIS_DATA_DIR || '.trellis-data',
    platformKey,
    logLevel,
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    publicRateLimitPerMinute: int('PUBLIC_RATE_LIMIT_PER_MINUTE', 30, 1, 1_000_000),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 256 * 1024, 1024, 50 * 1024 * 1024),
    namespaceRefreshMs: int('NAMESPACE_REFRESH_MS', 5000, 100, 3_600_000),
    idempotencyTtlSeconds: int('IDEMPOTENCY_TTL_SECONDS', 24 * 3600, 1, 30 * 24 * 3600),
    provisionWaitMs: int('PROVISION_WAIT_MS', 15000, 0, 120000),
    workflowBundlePath: env.TRELLIS_WORKFLOW_BUNDLE || undefined,
    idempotencyLeaseSeconds: int('IDEMPOTENCY_LEASE_SECONDS', 15, 1, 3600),
    keyRateLimitPerMinute: int('KEY_RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    partyKeyRateLimitPerMinute: int('PARTY_KEY_RATE_LIMIT_PER_MINUTE', 120, 1, 1_000_000),
    unauthenticatedRateLimitPerMinute: int('UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE', 120, 1, 1_000_000),
    bodyMaxDepth: int('BODY_MAX_DEPTH', 32, 2, 1000),
    // Never under a second: shorter reminders are the runaway loops this bound exists to stop.
    minRuleDurationMs: int('MIN_RULE_DURATION_MS', 60_000, 1000, 86_400_000),
    payoutApprovalSlaMs: int('PAYOUT_APPROVAL_SLA_MS', 3 * 86_400_000, 1000, 400 * 86_400_000),
    payoutReminderEveryMs: int('PAYOUT_REMINDER_EVERY_MS', 86_400_000, 1000, 400 * 86_400_000),
    reaperIntervalSeconds: int('REAPER_INTERVAL_SECONDS', 300, 1, 86400),
    reaperStaleAfterSeconds: int('REAPER_STALE_AFTER_SECONDS', 600, 1, 30 * 86400),
    auditFullVerifySeconds: int('AUDIT_FULL_VERIFY_SECONDS', 3600, 1, 30 * 86400),
    onboardingContinueAsNewAfter: int('ONBOARDING_CONTINUE_AS_NEW_AFTER', 2000, 1, 40000),
    webhooks: {
      allowLoopback: flag('WEBHOOK_ALLOW_LOOPBACK'),
      attempts: int('WEBHOOK_ATTEMPTS', 8, 1, 30),
      backoffBaseMs: int('WEBHOOK_BACKOFF_BASE_MS', 10_000, 10, 3_600_000),
      backoffMaxMs: int('WEBHOOK_BACKOFF_MAX_MS', 6 * 3_600_000, 10, 24 * 3_600_000),
      timeoutMs: int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
      relayIntervalMs: int('WEBHOOK_RELAY_INTERVAL_MS', 1000, 50, 3_600_000),
      endpointConcurrency: int('WEBHOOK_ENDPOINT_CONCURRENCY', 4, 1, 100),
      tenantConcurrency: int('WEBHOOK_TENANT_CONCURRENCY', 8, 1, 1000),
      workerConcurrency: int('WEBHOOK_WORKER_CONCURRENCY', 16, 1, 1000),
      rotationGraceSeconds: int('WEBHOOK_ROTATION_GRACE_SECONDS', 24 * 3600, 1, 30 * 86400),
      sealingKey: webhookKey ?? platformKey,
    },
    consoleSessionTtlSeconds: int('CONSOLE_SESSION_TTL_SECONDS', 30 * 60, 10, 12 * 3600),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
