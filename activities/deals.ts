import { DealModel, DealHistoryEntry, DealStatus, DealStepView } from '../models/deal';
import { ApiKeyModel } from '../models/api-key';
import { inTenant } from '../platform/tenant-context';
import { recordClosedWon } from '../services/partner-metrics';
import type { Services } from '../services';
import { releaseClaims } from '../services/deal-claims';

/** What the deal workflow publishes to the read model: its live state, nothing the API owns. */
export interface DealView {
  status: DealStatus;
  purpose: 'registration' | 'extension';
  plan?: { rule: string; action: string; reason?: string; notes: string[] };
  currentStep: { id: string; name: string; role: string; anyone: boolean; actors: string[]; deadline?: string; escalated: boolean } | null;
  awaitingRole: string | null;
  steps: DealStepView[];
  protectedUntil: string | null;
  extensionsUsed: number;
  history: DealHistoryEntry[];
  outcome?: 'won' | 'lost';
  closedAmountMinor?: number;
  closedCurrency?: string;
  closedAmountTenantMinor?: number;
  closedAt?: string;
  closeReason?: string;
}

const SYSTEM = { type: 'system' as const, id: 'deal-approval' };

/** Activities of the deal workflow. Each is idempotent: a retry writes the same result once. */
export function createDealActivities({ services }: { services: Services }) {
  const { audit } = services;
  return {
    /**
     * Writes the workflow's view if it is newer than the stored one (`rev`), then records each
     * history entry from `firstNew` on as an audit event keyed by its position, so a retried
     * or reordered call never records an event twice.
     */
    async publishDealView(tenantId: string, dealId: string, rev: number, view: DealView, firstNew: number): Promise<void> {
      await inTenant(tenantId, () =>
        DealModel.updateOne(
          { _id: dealId, rev: { $lt: rev } },
          {
            $set: {
              ...view,
              currentStep: view.currentStep ? { ...view.currentStep, deadline: view.currentStep.deadline ? new Date(view.currentStep.deadline) : undefined } : null,
              protectedUntil: view.protectedUntil ? new Date(view.protectedUntil) : null,
              ...(view.closedAt ? { closedAt: new Date(view.closedAt) } : {}),
              rev,
            },
          },
        ),
      );
      // Only the publish that carries the close records it (a closed deal is published again at its end).
      const closesNow = view.history.slice(firstNew).some((entry) => entry.type === 'closed-won');
      if (closesNow && view.outcome === 'won' && view.closedAmountTenantMinor !== undefined && view.closedAt) {
        // Won revenue feeds tier reviews, in the tenant currency, once per deal.
        const deal = await inTenant(tenantId, () => DealModel.findOne({ _id: dealId }, { partnerId: 1, tenantCurrency: 1 }).lean());
        if (deal) {
          await recordClosedWon(tenantId, { partnerId: deal.partnerId, sourceId: dealId, amountMinor: view.closedAmountTenantMinor, currency: deal.tenantCurrency, closedAt: new Date(view.closedAt) });
        }
      }
      for (let i = firstNew; i < view.history.length; i++) {
        const entry = view.history[i];
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
  };
}

export type DealActivities = ReturnType<typeof createDealActivities>;
