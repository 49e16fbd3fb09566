import { createHash } from 'node:crypto';
import { DomainError } from '../../domain/errors';
import type { AuditInput, AuditLog } from './audit';
import { auditOutboxStore } from '../../models/tenancy/audit-outbox-repository';
import type { TenantId } from '../../platform/tenant-id';
import type { AreaModels } from '../../areas/compose';

/**
 * One way to write a state change and its audit event when the store cannot do both at once:
 *
 *   1. stage: an outbox entry keyed by the event's `eventKey` holds the event and a check that
 *      finds the change (a model and a filter);
 *   2. the change itself, idempotent (ids derived from the request's operation ids);
 *   3. the event is appended (idempotent by `eventKey`) and the entry removed.
 *
 * A crash or a failure after 2 leaves the entry behind: `relayOutbox` later finds the change and
 * appends the event (exactly once, whoever gets there first), or drops the entry when the change
 * never happened. A retried request with the same ids goes through the same three steps again.
 */
export interface EffectCheck {
  /** A tenant model's name (models/*), or 'Tenant' for the tenant document itself. */
  model: string;
  /** Stored as JSON: strings, numbers, booleans, null and operators such as $exists (no Dates). */
  filter: Record<string, unknown>;
}

export type KeyedAuditInput = AuditInput & { eventKey: string };

type AuditServices = { audit: Pick<AuditLog, 'record'> };

/** The relay leaves an entry alone this long: the request that staged it may still be running. */
export const OUTBOX_LEASE_MS = 30_000;
/** After this long without its change, the change is taken never to have happened. */
export const OUTBOX_GRACE_MS = 15 * 60_000;

const entryId = (tenantId: string, eventKey: string): string =>
  `obx_${createHash('sha256').update(`${tenantId}\n${eventKey}`).digest('hex').slice(0, 32)}`;

export async function stageAudit(tenantId: TenantId, event: KeyedAuditInput, check: EffectCheck): Promise<void> {
  await auditOutboxStore(tenantId).stage(entryId(tenantId, event.eventKey), {
    eventKey: event.eventKey,
    event: JSON.stringify(event),
    checkModel: check.model,
    checkFilter: JSON.stringify(check.filter),
  });
}

/** Appends the staged event and removes its entry. */
export async function settleAudit(services: AuditServices, tenantId: TenantId, event: KeyedAuditInput): Promise<void> {
  await services.audit.record(tenantId, event);
  await auditOutboxStore(tenantId).remove(entryId(tenantId, event.eventKey));
}

/** Withdraws a staged event whose change is known not to have happened. */
export async function discardAudit(tenantId: TenantId, eventKey: string): Promise<void> {
  await auditOutboxStore(tenantId).remove(entryId(tenantId, eventKey));
}

/**
 * Stages the event, runs the change, appends the event. If the change throws, the entry stays:
 * the change may have been committed before the error, and the relay will tell.
 */
export async function withAudit<T>(
  services: AuditServices,
  tenantId: TenantId,
  event: KeyedAuditInput,
  check: EffectCheck,
  effect: () => Promise<T>,
  /** The event as recorded when the change tells more than was known before it (same eventKey). */
  complete?: (result: T) => KeyedAuditInput,
): Promise<T> {
  await stageAudit(tenantId, event, check);
  let result: T;
  try {
    result = await effect();
  } catch (err) {
    // A refusal changes nothing by contract; anything else may have committed first.
    if (err instanceof DomainError) await discardAudit(tenantId, event.eventKey);
    throw err;
  }
  await settleAudit(services, tenantId, complete ? { ...complete(result), eventKey: event.eventKey } : event);
  return result;
}

export interface RelayResult {
  appended: number;
  dropped: number;
  waiting: number;
}

/**
 * Finishes what crashed between a change and its audit event, for entries older than the lease:
 * appends the event of each change that is visible and drops entries whose change did not happen
 * within the grace period. For the periodic runner; safe to run anywhere, any number of times.
 */
export async function relayOutbox(
  services: AuditServices & { models: Pick<AreaModels, 'tenant'> },
  tenantId: TenantId,
  opts: { leaseMs?: number; graceMs?: number; now?: Date; limit?: number } = {},
): Promise<RelayResult> {
  const now = opts.now ?? new Date();
  const leaseMs = opts.leaseMs ?? OUTBOX_LEASE_MS;
  const graceMs = opts.graceMs ?? OUTBOX_GRACE_MS;
  const outbox = auditOutboxStore(tenantId);
  const entries = await outbox.stagedBefore(new Date(now.getTime() - leaseMs), opts.limit ?? 500);
  const result: RelayResult = { appended: 0, dropped: 0, waiting: 0 };
  for (const entry of entries) {
    if (await outbox.changeVisible(services.models.tenant, entry.checkModel, JSON.parse(entry.checkFilter) as Record<string, unknown>)) {
      await settleAudit(services, tenantId, JSON.parse(entry.event) as KeyedAuditInput);
      result.appended += 1;
    } else if (now.getTime() - new Date(entry.createdAt).getTime() >= graceMs) {
      await outbox.remove(entry._id);
      result.dropped += 1;
    } else {
      result.waiting += 1;
    }
  }
  return result;
}
