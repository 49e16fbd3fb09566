import type { DealDoc } from '../../models/deals/deal';
import type { DealRegistrationRecord } from '../../models/deals/deal-registration';
import type { DealView } from '../../domain/deals/projection';
import { dealStore } from '../../models/deals/deal-repository';
import { stagedRegistrations } from '../../models/deals/deal-registration-repository';
import type { TenantRole } from '../../domain/tenancy/roles';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { recordClosedWon } from '../../services/tiers/partner-metrics';
import type { Services } from '../../services';
import { claimCustomer, dealProcessRunning, releaseClaims } from '../../services/deals/claims';
import { heartbeating } from '../heartbeat';
import { ApplicationFailure } from '@temporalio/activity';

/** The workflow's names for the activities' payload types (workflows/deals import them from here). */
export type { DealRegistrationRecord };

const SYSTEM = { type: 'system' as const, id: 'deal-approval' };

async function stagedRegistration(tenantId: TenantId, dealId: string): Promise<DealRegistrationRecord> {
  const staged = await stagedRegistrations(tenantId).recordOf(dealId);
  // The API writes it before starting the workflow; without it there is nothing to register.
  if (!staged) throw ApplicationFailure.nonRetryable(`deal ${dealId} has no staged registration`, 'RegistrationMissing');
  return staged;
}

/** Activities of the deal workflow. Each is idempotent: a retry writes the same result once. */
export function createDealActivities({ services }: { services: Services }) {
  const { audit } = services;
  // Every deal activity heartbeats: the workflow notices a dead worker at the heartbeat timeout.
  return heartbeating({
    /**
     * The deal's first step, run by its workflow: writes the record (by its id, so a retry finds
     * it), claims the customer and audits the registration under one key. Returns whether the
     * customer is already protected for another partner, which the plan needs.
     */
    async registerDeal(rawTenantId: string, dealId: string, given: DealRegistrationRecord | null, conflictAction: string): Promise<{ held: boolean; conflict: boolean }> {
      const tenantId = asTenantId(rawTenantId);
      const deals = dealStore(tenantId);
      // Workflows started before registrations were staged carry the record in their input.
      const record = given ?? (await stagedRegistration(tenantId, dealId));
      const { registeredByRole, registeredAt, ...facts } = record;
      await deals.registerOnce(dealId, { ...facts, expectedCloseDate: new Date(record.expectedCloseDate) }, { at: registeredAt, type: 'registered', actorId: record.registeredBy });
      // The record exists (as 'submitted') before it claims the customer, so a competing
      // registration that finds our claim can see that its holder is live.
      // A holder still `submitted` is live exactly while its workflow runs (the workflow starts first).
      const tenant = await services.tenants.get(asTenantId(tenantId));
      const isLive = tenant ? dealProcessRunning(services.workflows, tenant) : undefined;
      const claim = await claimCustomer(tenantId, dealId, record.partnerId, record.customerKeys, { isLive: isLive && ((id) => isLive(id)) });
      const conflict = claim.conflicts.length > 0
        ? { detected: true, action: conflictAction, conflictingDealIds: [...new Set(claim.conflicts.map((c) => c.dealId))], matchedOn: claim.conflicts.map((c) => c.customerKey.split(':')[0]) }
        : undefined;
      await deals.recordClaim(dealId, { held: claim.held, conflict });
      await audit.record(tenantId, {
        actor: { type: 'api-key', id: record.registeredBy, role: registeredByRole },
        action: 'deal.registered',
        entity: { type: 'deal', id: dealId },
        data: { partnerId: record.partnerId, tier: record.tierAtRegistration, amountMinor: record.amountMinor, currency: record.currency, ruleSetVersion: record.ruleSetVersion },
        eventKey: `deal.registered:${dealId}`,
      });
      return { held: claim.held, conflict: Boolean(conflict) };
    },

    /**
     * Writes the workflow's view if it is newer than the stored one (`rev`). History entries are
     * set by their index, not pushed, so a retried write (the store has no compare-and-set, and a
     * timed-out attempt may still land) puts each entry in its one place; each new entry is then
     * recorded as an audit event keyed by its index, so no event is recorded twice either.
     */
    async publishDealView(rawTenantId: string, dealId: string, rev: number, view: DealView, firstNew: number): Promise<void> {
      const tenantId = asTenantId(rawTenantId);
      const deals = dealStore(tenantId);
      const { history, historyFrom, currentStep, protectedUntil, closedAt, ...state } = view;
      // Workflows from before delta publishing send the whole history.
      const entries = history.slice(firstNew - (historyFrom ?? 0));
      const owned: Partial<DealDoc> = {
        ...state,
        currentStep: currentStep ? { ...currentStep, deadline: currentStep.deadline ? new Date(currentStep.deadline) : undefined } : null,
        protectedUntil: protectedUntil ? new Date(protectedUntil) : null,
        ...(closedAt ? { closedAt: new Date(closedAt) } : {}),
      };
      await deals.publish(dealId, rev, owned, firstNew, entries);
      // Only the publish that carries the close records it (a closed deal is published again at its end).
      const closesNow = entries.some((entry) => entry.type === 'closed-won');
      if (closesNow && view.outcome === 'won' && view.closedAmountTenantMinor !== undefined && view.closedAt) {
        // Won revenue feeds tier reviews, in the tenant currency, once per deal.
        const deal = await deals.ownerOf(dealId);
        if (deal) {
          await recordClosedWon(tenantId, { partnerId: deal.partnerId, sourceId: dealId, amountMinor: view.closedAmountTenantMinor, currency: deal.tenantCurrency, closedAt: new Date(view.closedAt) });
        }
      }
      for (const [k, entry] of entries.entries()) {
        const i = firstNew + k;
        if (entry.type === 'protected') {
          // The approval itself (by the rules or the chain) is the event vendors subscribe to; it
          // has no history entry of its own, protection is what it leads to (docs/webhooks.md).
          const owner = await deals.ownerOf(dealId);
          await audit.record(asTenantId(tenantId), {
            actor: SYSTEM,
            action: 'deal.approved',
            entity: { type: 'deal', id: dealId },
            data: { ...(owner ? { partnerId: owner.partnerId } : {}), status: 'protected', protectedUntil: protectedUntil ?? undefined },
            eventKey: `deal:${dealId}:approved`,
          });
        }
        await audit.record(asTenantId(tenantId), {
          actor: entry.actorId ? { type: 'api-key', id: entry.actorId } : SYSTEM,
          action: `deal.${entry.type}`,
          entity: { type: 'deal', id: dealId },
          data: { stepId: entry.stepId, detail: entry.detail, status: view.status },
          eventKey: `deal:${dealId}:history:${i}`,
        });
      }
    },

    /** Everyone who may act on an `all` or `sequential` step: the role's active keys, oldest first. */
    async resolveApprovers(tenantId: string, role: string): Promise<string[]> {
      return services.apiKeys.activeKeyIds(asTenantId(tenantId), role as TenantRole, 20);
    },

    /** The deal no longer protects its customer: other partners may register it again. */
    async releaseDealClaims(rawTenantId: string, dealId: string): Promise<number> {
      const tenantId = asTenantId(rawTenantId);
      const released = await releaseClaims(tenantId, dealId);
      await dealStore(tenantId).claimsReleased(dealId);
      return released;
    },
  });
}

export type DealActivities = ReturnType<typeof createDealActivities>;
