import { DealModel, DealHistoryEntry } from '../../models/deals/deal';
import type { DealView } from '../../domain/deals/projection';
import { ApiKeyModel } from '../../models/tenancy/api-key';
import { inTenant } from '../../platform/tenant-context';
import { recordClosedWon } from '../../services/tiers/partner-metrics';
import type { Services } from '../../services';
import { claimCustomer, dealProcessRunning, releaseClaims } from '../../services/deals/claims';
import { isDuplicateKey } from '../../platform/store-errors';
import { heartbeating } from '../heartbeat';
import { ApplicationFailure } from '@temporalio/activity';
import { DealRegistrationModel } from '../../models/deals/deal-registration';

 /** The facts of a deal as registered: what the workflow's first activity writes. */
export interface DealRegistrationRecord {
  partnerId: string;
  registeredBy: string;
  registeredByRole: string;
  customer: { name: string; domain?: string; country: string };
  customerKeys: string[];
  amountMinor: number;
  currency: string;
  amountTenantMinor: number;
  tenantCurrency: string;
  fxRate: string;
  products: string[];
  expectedCloseDate: string;
  notes?: string;
  tierAtRegistration: string;
  ruleSetVersion: number;
  registeredAt: string;
}

const SYSTEM = { type: 'system' as const, id: 'deal-approval' };

async function stagedRegistration(tenantId: string, dealId: string): Promise<DealRegistrationRecord> {
  const staged = await inTenant(tenantId, () => DealRegistrationModel.findOne({ _id: dealId }).lean());
  // The API writes it before starting the workflow; without it there is nothing to register.
  if (!staged) throw ApplicationFailure.nonRetryable(`deal ${dealId} has no staged registration`, 'RegistrationMissing');
  return JSON.parse(staged.record) as DealRegistrationRecord;
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
    async registerDeal(tenantId: string, dealId: string, given: DealRegistrationRecord | null, conflictAction: string): Promise<{ held: boolean; conflict: boolean }> {
      // Workflows started before registrations were staged carry the record in their input.
      const record = given ?? (await stagedRegistration(tenantId, dealId));
      const { registeredByRole, registeredAt, ...facts } = record;
      await inTenant(tenantId, async () => {
        try {
          await DealModel.updateOne(
            { _id: dealId },
            {
              $setOnInsert: {
                ...facts,
                expectedCloseDate: new Date(record.expectedCloseDate),
                status: 'submitted',
                claimHeld: false,
                rev: 0,
                history: [{ at: registeredAt, type: 'registered', actorId: record.registeredBy }],
              },
            },
            { upsert: true },
          );
        } catch (err) {
          if (!isDuplicateKey(err)) throw err; // a concurrent attempt inserted it
        }
      });
      // The record exists (as 'submitted') before it claims the customer, so a competing
      // registration that finds our claim can see that its holder is live.
      // A holder still `submitted` is live exactly while its workflow runs (the workflow starts first).
      const tenant = await services.tenants.get(tenantId);
      const isLive = tenant ? dealProcessRunning(services.workflows, tenant) : undefined;
      const claim = await claimCustomer(tenantId, dealId, record.partnerId, record.customerKeys, { isLive: isLive && ((id) => isLive(id)) });
      const conflict = claim.conflicts.length > 0
        ? { detected: true, action: conflictAction, conflictingDealIds: [...new Set(claim.conflicts.map((c) => c.dealId))], matchedOn: claim.conflicts.map((c) => c.customerKey.split(':')[0]) }
        : undefined;
      await inTenant(tenantId, () => DealModel.updateOne({ _id: dealId, rev: 0 }, conflict ? { $set: { claimHeld: claim.held, conflict } } : { $set: { claimHeld: claim.held }, $unset: { conflict: 1 } }));
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
    async publishDealView(tenantId: string, dealId: string, rev: number, view: DealView, firstNew: number): Promise<void> {
      const { history, historyFrom, ...state } = view;
      // Workflows from before delta publishing send the whole history.
      const entries = history.slice(firstNew - (historyFrom ?? 0));
      const byIndex: Record<string, DealHistoryEntry> = {};
      entries.forEach((entry, i) => {
        byIndex[`history.${firstNew + i}`] = entry;
      });
      await inTenant(tenantId, () =>
        DealModel.updateOne(
          { _id: dealId, rev: { $lt: rev } },
          {
            $set: {
              ...state,
              currentStep: state.currentStep ? { ...state.currentStep, deadline: state.currentStep.deadline ? new Date(state.currentStep.deadline) : undefined } : null,
              protectedUntil: state.protectedUntil ? new Date(state.protectedUntil) : null,
              ...(state.closedAt ? { closedAt: new Date(state.closedAt) } : {}),
              ...byIndex,
              rev,
            },
          },
        ),
      );
      // Only the publish that carries the close records it (a closed deal is published again at its end).
      const closesNow = entries.some((entry) => entry.type === 'closed-won');
      if (closesNow && view.outcome === 'won' && view.closedAmountTenantMinor !== undefined && view.closedAt) {
        // Won revenue feeds tier reviews, in the tenant currency, once per deal.
        const deal = await inTenant(tenantId, () => DealModel.findOne({ _id: dealId }, { partnerId: 1, tenantCurrency: 1 }).lean());
        if (deal) {
          await recordClosedWon(tenantId, { partnerId: deal.partnerId, sourceId: dealId, amountMinor: view.closedAmountTenantMinor, currency: deal.tenantCurrency, closedAt: new Date(view.closedAt) });
        }
      }
      for (const [k, entry] of entries.entries()) {
        const i = firstNew + k;
        await audit.record(tenantId, {
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
      const keys = await inTenant(tenantId, () => ApiKeyModel.find({ role, revokedAt: null }, { _id: 1 }).sort({ _id: 1 }).limit(20).lean());
      return keys.map((k) => k._id);
    },

    /** The deal no longer protects its customer: other partners may register it again. */
    async releaseDealClaims(tenantId: string, dealId: string): Promise<number> {
      const released = await releaseClaims(tenantId, dealId);
      await inTenant(tenantId, () => DealModel.updateOne({ _id: dealId }, { $set: { claimHeld: false } }));
      return released;
    },
  });
}

export type DealActivities = ReturnType<typeof createDealActivities>;
