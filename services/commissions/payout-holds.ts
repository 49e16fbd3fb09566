import { randomUUID } from 'node:crypto';
import type { TenantId } from '../../platform/tenant-id';
import { notFound } from '../../domain/errors';
import { payoutHoldStore } from '../../models/commissions/payout-hold-repository';
import { payoutHoldId, type PayoutHoldDoc } from '../../models/commissions/payout-hold';
import { visiblePartner } from '../onboarding/partners';
import { withAudit } from '../tenancy/outbox';
import type { AuditInput, AuditLog } from '../tenancy/audit';

/**
 * Finance's manual payout holds: a partner on hold is paid nothing by the runs triggered while the
 * hold is on (each run's snapshot freezes the holds), and its balance carries into the next period
 * like any held amount. Placing and releasing are audited. The events name the partner as
 * `heldPartner`, not `partnerId`, so they stay with finance and never reach the partner's webhooks.
 */
export type HoldRequester = Pick<AuditInput, 'actor' | 'requestId'>;

export interface HoldView {
  partnerId: string;
  held: boolean;
  reason?: string;
  placedBy?: string;
  placedAt?: string;
  releasedBy?: string;
  releasedAt?: string;
}

export const holdView = (partnerId: string, hold: PayoutHoldDoc | null): HoldView =>
  !hold
    ? { partnerId, held: false }
    : {
        partnerId,
        held: hold.active,
        reason: hold.reason,
        placedBy: hold.placedBy,
        placedAt: new Date(hold.placedAt).toISOString(),
        ...(hold.releasedAt ? { releasedBy: hold.releasedBy, releasedAt: new Date(hold.releasedAt).toISOString() } : {}),
      };

type Audit = { audit: Pick<AuditLog, 'record'> };

/** `op` names the request (from its Idempotency-Key): a retry of a placement that committed finds it. */
export async function placePayoutHold(services: Audit, tenantId: TenantId, partnerId: string, reason: string, by: HoldRequester, op: string = randomUUID()): Promise<HoldView> {
  await visiblePartner(tenantId, partnerId);
  const store = payoutHoldStore(tenantId);
  const current = await store.of(partnerId);
  if (current?.op === op) return holdView(partnerId, current);
  const event = {
    ...by,
    action: 'payout-hold.placed',
    entity: { type: 'payout-hold', id: partnerId },
    data: { heldPartner: partnerId, reason },
    eventKey: `payout-hold.placed:${partnerId}:${op}`,
  };
  await withAudit(services, tenantId, event, { model: 'PayoutHold', filter: { _id: payoutHoldId(tenantId, partnerId), op } }, () =>
    store.place(partnerId, { reason, placedBy: by.actor.id, placedAt: new Date(), op }),
  );
  return holdView(partnerId, await store.of(partnerId));
}

/** Releases the hold; a partner not on hold is a 404 (unless this very request released it). */
export async function releasePayoutHold(services: Audit, tenantId: TenantId, partnerId: string, by: HoldRequester, op: string = randomUUID()): Promise<HoldView> {
  await visiblePartner(tenantId, partnerId);
  const store = payoutHoldStore(tenantId);
  const current = await store.of(partnerId);
  if (current?.op === op) return holdView(partnerId, current);
  if (!current?.active) throw notFound(`payout hold of partner ${partnerId}`);
  const event = {
    ...by,
    action: 'payout-hold.released',
    entity: { type: 'payout-hold', id: partnerId },
    data: { heldPartner: partnerId, reason: current.reason },
    eventKey: `payout-hold.released:${partnerId}:${op}`,
  };
  await withAudit(services, tenantId, event, { model: 'PayoutHold', filter: { _id: payoutHoldId(tenantId, partnerId), op } }, () =>
    store.release(partnerId, { releasedBy: by.actor.id, releasedAt: new Date(), op }),
  );
  return holdView(partnerId, await store.of(partnerId));
}

export async function payoutHoldOf(tenantId: TenantId, partnerId: string): Promise<HoldView> {
  await visiblePartner(tenantId, partnerId);
  return holdView(partnerId, await payoutHoldStore(tenantId).of(partnerId));
}

/** The manual holds in force among the partners of a run, as its snapshot freezes them. */
export async function manualHoldsAmong(tenantId: TenantId, partnerIds: string[]): Promise<Record<string, { reason: string; by: string; at: string }>> {
  const holds: Record<string, { reason: string; by: string; at: string }> = {};
  for (let i = 0; i < partnerIds.length; i += 1000) {
    for (const h of await payoutHoldStore(tenantId).activeAmong(partnerIds.slice(i, i + 1000))) {
      holds[h.partnerId] = { reason: h.reason, by: h.placedBy, at: new Date(h.placedAt).toISOString() };
    }
  }
  return holds;
}
