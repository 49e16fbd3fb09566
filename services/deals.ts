import Decimal from 'decimal.js';
import type { Services } from '.';
import type { UpdateDefinition } from '@temporalio/common';
import { executeRefusableUpdate } from './tenant-workflows';
import type { TenantDoc } from '../models/tenant';
import { DealModel, DealDoc, OPEN_DEAL_STATUSES, DealStatus } from '../models/deal';
import { DealReversalModel, DealReversalDoc } from '../models/deal-reversal';
import { recordReversal } from './partner-metrics';
import { inTenant } from '../platform/tenant-context';
import { newId } from '../platform/ids';
import { Problem, notFound } from '../api/problem';
import { getPartner, tierInForce } from './partners';
import { claimCustomer, releaseClaims, dealProcessRunning } from './deal-claims';
import { customerKeys } from '../domain/deals/customer-key';
import { AmountError, convertMinor, toMinor } from '../domain/money';
import { minorUnitDigits, isCurrency } from '../domain/locale';
import { DEAL_APPROVAL_KIND } from '../domain/deals/rule-kind';
import type { DealApprovalRules } from '../domain/deals/approval-rules';
import type { DeciderActor, Decision } from '../domain/deals/approval-steps';
import {
  closeDealUpdate, decideUpdate, provideInfoUpdate, requestExtensionUpdate,
  type DealApprovalInput, type dealApproval,
} from '../workflows/deal-approval';
import { isDuplicateKey } from '../platform/store-errors';

/** The deal's workflow kind in `<tenantId>/deal/<dealId>`. */
export const DEAL_WORKFLOW_KIND = 'deal';

export interface Registration {
  customer: { name: string; domain?: string; country: string };
  amount: string;
  currency: string;
  products: string[];
  expectedCloseDate: string;
  notes?: string;
}

/** Who is acting on a deal: a tenant key, with the partner it is bound to, if any. */
export type DealActor = DeciderActor;

const amountProblem = (field: string, err: unknown): Problem =>
  new Problem('validation-failed', `${field} ${(err as Error).message}`, { field });

function parseAmount(amount: string, currency: string, field: string): number {
  if (!isCurrency(currency)) throw new Problem('validation-failed', `${field.replace(/amount$/, 'currency')} ${currency} is not an ISO 4217 currency`, { field: field.replace(/amount$/, 'currency') });
  try {
    const minor = toMinor(amount, minorUnitDigits(currency));
    if (minor <= 0) throw new AmountError('must be greater than zero');
    return minor;
  } catch (err) {
    if (err instanceof AmountError) throw amountProblem(field, err);
    throw err;
  }
}

/**
 * Deal registration and everything a caller does to a deal afterwards. Live decisions go to the
 * deal's workflow as Updates (it validates them); lists and views read the MongoDB read model.
 */
export class DealService {
  constructor(private readonly services: Services) {}

  private handle(tenant: TenantDoc, dealId: string) {
    return this.services.workflows.handle<typeof dealApproval>(tenant, DEAL_WORKFLOW_KIND, dealId);
  }

  async register(tenant: TenantDoc, actor: DealActor, input: Registration): Promise<DealDoc> {
    const tenantId = tenant._id;
    const partnerId = actor.partyId!;
    const partner = await getPartner(tenantId, partnerId);
    if (!partner || partner.status !== 'active') throw new Problem('forbidden', `partner ${partnerId} is not active in this tenant`);
    const registeredAt = new Date();
    const tier = tierInForce(partner.tierHistory, registeredAt) ?? partner.tier;

    const amountMinor = parseAmount(input.amount, input.currency, 'body.amount');
    const expectedCloseDate = new Date(input.expectedCloseDate);
    const ruleSet = await this.services.ruleSets.inForce<DealApprovalRules>(tenantId, DEAL_APPROVAL_KIND, registeredAt);
    if (!ruleSet) throw new Problem('conflict', 'this tenant has no deal-approval rules in force; publish a version first');
    const { currency: tenantCurrency, roundingMode } = tenant.settings;
    let converted;
    try {
      converted = convertMinor(
        amountMinor,
        { currency: input.currency, digits: minorUnitDigits(input.currency) },
        { currency: tenantCurrency, digits: minorUnitDigits(tenantCurrency) },
        ruleSet.definition.rates,
        roundingMode,
      );
    } catch (err) {
      if (err instanceof AmountError) throw new Problem('validation-failed', `body.currency ${err.message}`, { field: 'body.currency' });
      throw err;
    }

    const customer = { name: input.customer.name.trim(), domain: input.customer.domain?.trim() || undefined, country: input.customer.country };
    const keys = customerKeys(customer);
    if (keys.length === 0) throw new Problem('validation-failed', 'body.customer.name must contain letters or digits', { field: 'body.customer.name' });

    const dealId = newId('deal');
    // The deal exists (as 'submitted') before it claims the customer, so a competing
    // registration that finds our claim can see that its holder is live.
    await inTenant(tenantId, () =>
      DealModel.create({
        _id: dealId,
        partnerId,
        registeredBy: actor.keyId,
        customer,
        customerKeys: keys,
        amountMinor,
        currency: input.currency,
        amountTenantMinor: converted.minor,
        tenantCurrency,
        fxRate: converted.rate,
        products: input.products,
        expectedCloseDate,
        notes: input.notes,
        tierAtRegistration: tier,
        ruleSetVersion: ruleSet.version,
        status: 'submitted',
        history: [{ at: registeredAt.toISOString(), type: 'registered', actorId: actor.keyId }],
      }),
    );
    try {
      const running = dealProcessRunning(this.services.workflows, tenant);
      // Until the workflow starts before the claim, a holder registered in the last 30 s (the
      // workflow-start timeout) may be a registration still between its claim and its start.
      const isLive = async (id: string, deal: { createdAt?: Date } | null) =>
        (deal?.createdAt !== undefined && Date.now() - new Date(deal.createdAt).getTime() < 30_000) || running(id);
      const claim = await claimCustomer(tenantId, dealId, partnerId, keys, { isLive });
      const conflict = claim.conflicts.length > 0
        ? { detected: true, action: ruleSet.definition.conflict.action, conflictingDealIds: [...new Set(claim.conflicts.map((c) => c.dealId))], matchedOn: claim.conflicts.map((c) => c.customerKey.split(':')[0]) }
        : undefined;
      await inTenant(tenantId, () => DealModel.updateOne({ _id: dealId }, { $set: { claimHeld: claim.held, ...(conflict ? { conflict } : {}) } }));
      const workflowInput: DealApprovalInput = {
        tenantId,
        dealId,
        partnerId,
        registeredBy: actor.keyId,
        ruleSetVersion: ruleSet.version,
        rules: ruleSet.definition,
        registeredAt: registeredAt.toISOString(),
        facts: {
          tier,
          amountMinor: converted.minor,
          amountDigits: minorUnitDigits(tenantCurrency),
          products: input.products,
          country: customer.country,
          conflict: Boolean(conflict),
        },
      };
      await this.services.workflows.start<typeof dealApproval>(tenant, DEAL_WORKFLOW_KIND, dealId, 'dealApproval', [workflowInput]);
    } catch (err) {
      // Nothing may keep protecting a customer for a deal whose process never started.
      await releaseClaims(tenantId, dealId);
      await inTenant(tenantId, () => DealModel.deleteOne({ _id: dealId, status: 'submitted' }));
      throw err;
    }
    await this.services.audit.record(tenantId, {
      actor: { type: 'api-key', id: actor.keyId, role: actor.role },
      action: 'deal.registered',
      entity: { type: 'deal', id: dealId },
      data: { partnerId, tier, amountMinor, currency: input.currency, ruleSetVersion: ruleSet.version },
      eventKey: `deal.registered:${dealId}`,
    });
    return this.settled(tenantId, dealId);
  }

  /** Waits briefly for the workflow's first view, so the caller sees the plan it got. */
  private async settled(tenantId: string, dealId: string): Promise<DealDoc> {
    const deadline = Date.now() + 3000;
    for (;;) {
      const deal = await this.find(tenantId, dealId);
      if (!deal) throw notFound(`deal ${dealId}`);
      if (deal.rev > 0 && deal.status !== 'submitted' && !(deal.status === 'pending-approval' && !deal.currentStep)) return deal;
      if (Date.now() > deadline) return deal;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  find(tenantId: string, dealId: string): Promise<DealDoc | null> {
    return inTenant(tenantId, () => DealModel.findOne({ _id: dealId }).lean());
  }

  /** A deal the actor may see: partners only their own (others' are "not found"). */
  async visible(tenantId: string, actor: DealActor, dealId: string): Promise<DealDoc> {
    const deal = await this.find(tenantId, dealId);
    if (!deal || (actor.role === 'partner' && deal.partnerId !== actor.partyId)) throw notFound(`deal ${dealId}`);
    return deal;
  }

  list(tenantId: string, actor: DealActor, opts: { before?: string; limit: number; status?: DealStatus }): Promise<DealDoc[]> {
    const filter: Record<string, unknown> = {};
    if (actor.role === 'partner') filter.partnerId = actor.partyId;
    if (opts.status) filter.status = opts.status;
    if (opts.before) filter._id = { $lt: opts.before };
    return inTenant(tenantId, () => DealModel.find(filter).sort({ _id: -1 }).limit(opts.limit + 1).lean());
  }

  /** What this approver can act on now: steps for its role, open to anyone or naming it. */
  inbox(tenantId: string, actor: DealActor, opts: { before?: string; limit: number }): Promise<DealDoc[]> {
    const filter: Record<string, unknown> = {
      awaitingRole: actor.role,
      $or: [{ 'currentStep.anyone': true }, { 'currentStep.actors': actor.keyId }],
    };
    if (opts.before) filter._id = { $lt: opts.before };
    return inTenant(tenantId, () => DealModel.find(filter).sort({ _id: -1 }).limit(opts.limit + 1).lean());
  }

  /** Sends a change to the deal's workflow, which validates it, then reads the updated deal. */
  private async update<Ret, Arg>(tenant: TenantDoc, deal: DealDoc, update: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<DealDoc> {
    if (!OPEN_DEAL_STATUSES.includes(deal.status)) {
      throw new Problem('decision-refused', `the deal is ${deal.status}; its process has finished`);
    }
    await executeRefusableUpdate(this.handle(tenant, deal._id), update, arg, 'the deal has finished; its process accepts no more changes');
    return (await this.find(tenant._id, deal._id))!;
  }

  async decide(tenant: TenantDoc, actor: DealActor, dealId: string, body: { decision: Decision; comment?: string; stepId?: string }): Promise<DealDoc> {
    const deal = await this.visible(tenant._id, actor, dealId);
    return this.update(tenant, deal, decideUpdate, { actor, ...body });
  }

  async provideInfo(tenant: TenantDoc, actor: DealActor, dealId: string, note: string): Promise<DealDoc> {
    const deal = await this.visible(tenant._id, actor, dealId);
    return this.update(tenant, deal, provideInfoUpdate, { actor, note });
  }

  async requestExtension(tenant: TenantDoc, actor: DealActor, dealId: string, reason: string): Promise<DealDoc> {
    const deal = await this.visible(tenant._id, actor, dealId);
    return this.update(tenant, deal, requestExtensionUpdate, { actor, note: reason });
  }

  async close(tenant: TenantDoc, actor: DealActor, dealId: string, body: { outcome: 'won' | 'lost'; amount?: string; currency?: string; closedAt?: string; reason?: string }): Promise<DealDoc> {
    const deal = await this.visible(tenant._id, actor, dealId);
    if (body.outcome === 'won' && body.amount === undefined) throw new Problem('validation-failed', 'body.amount is required for a won deal', { field: 'body.amount' });
    const closedAt = body.closedAt ? new Date(body.closedAt) : new Date();
    if (closedAt.getTime() > Date.now() + 60_000) throw new Problem('validation-failed', 'body.closedAt cannot be in the future', { field: 'body.closedAt' });
    let amounts = {};
    if (body.amount !== undefined) {
      const currency = body.currency ?? deal.currency;
      const amountMinor = parseAmount(body.amount, currency, 'body.amount');
      // The pinned rule set's rates convert the close too, so a deal is valued by one table.
      const pinned = await this.services.ruleSets.version<DealApprovalRules>(tenant._id, DEAL_APPROVAL_KIND, deal.ruleSetVersion);
      let converted;
      try {
        converted = convertMinor(amountMinor, { currency, digits: minorUnitDigits(currency) }, { currency: deal.tenantCurrency, digits: minorUnitDigits(deal.tenantCurrency) }, pinned?.definition.rates ?? {}, tenant.settings.roundingMode);
      } catch (err) {
        if (err instanceof AmountError) throw new Problem('validation-failed', `body.currency ${err.message}`, { field: 'body.currency' });
        throw err;
      }
      amounts = { amountMinor, currency, amountTenantMinor: converted.minor };
    }
    return this.update(tenant, deal, closeDealUpdate, { actor, outcome: body.outcome, closedAt: closedAt.toISOString(), reason: body.reason, ...amounts });
  }

  /**
   * A refund or cancellation after a won close is a new event; the close itself is never edited.
   * Reversals of a deal are numbered; two concurrent ones race on the unique (deal, seq) index,
   * and the loser re-checks what is left, so together they can never exceed the closed amount.
   */
  async reverse(tenant: TenantDoc, actor: DealActor, dealId: string, body: { kind: 'refund' | 'cancellation'; amount: string; reason: string }): Promise<DealDoc> {
    const tenantId = tenant._id;
    const deal = await this.visible(tenantId, actor, dealId);
    if (deal.outcome !== 'won' || deal.closedAmountMinor === undefined) {
      throw new Problem('conflict', `only a deal closed as won can be reversed (the deal is ${deal.status}${deal.outcome ? `, ${deal.outcome}` : ''})`);
    }
    const currency = deal.closedCurrency!;
    const amountMinor = parseAmount(body.amount, currency, 'body.amount');
    for (let attempt = 0; attempt < 20; attempt++) {
      const last = await inTenant(tenantId, () => DealReversalModel.findOne({ dealId }).sort({ seq: -1 }).lean());
      const total = (last?.totalReversedMinor ?? 0) + amountMinor;
      if (total > deal.closedAmountMinor) {
        throw new Problem('validation-failed', `body.amount exceeds what is left to reverse on this deal`, { field: 'body.amount' });
      }
      const reversal = {
        _id: newId('drv'), dealId, partnerId: deal.partnerId, seq: (last?.seq ?? 0) + 1, kind: body.kind, amountMinor, currency,
        totalReversedMinor: total, reason: body.reason, at: new Date(), recordedBy: actor.keyId,
      };
      try {
        await inTenant(tenantId, () => DealReversalModel.create(reversal));
      } catch (err) {
        if (isDuplicateKey(err)) continue;
        throw err;
      }
      // Tier metrics count net won revenue in the tenant currency, converted at the close's own rate.
      const tenantMinor = new Decimal(amountMinor).mul(deal.closedAmountTenantMinor ?? 0).div(deal.closedAmountMinor || 1).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toNumber();
      await recordReversal(tenantId, { partnerId: deal.partnerId, sourceId: reversal._id, amountMinor: -tenantMinor, currency: deal.tenantCurrency, closedAt: new Date(deal.closedAt!) });
      await this.services.audit.record(tenantId, {
        actor: { type: 'api-key', id: actor.keyId, role: actor.role },
        action: 'deal.reversed',
        entity: { type: 'deal', id: dealId },
        data: { reversalId: reversal._id, kind: body.kind, amountMinor, currency, totalReversedMinor: total, reason: body.reason },
        eventKey: `deal.reversed:${reversal._id}`,
      });
      return deal;
    }
    throw new Problem('conflict', 'the deal changed while recording the reversal; try again');
  }

  /** Reversals of the given deals, oldest first, by deal. */
  async reversalsOf(tenantId: string, dealIds: string[]): Promise<Map<string, DealReversalDoc[]>> {
    const byDeal = new Map<string, DealReversalDoc[]>();
    if (dealIds.length === 0) return byDeal;
    const docs = await inTenant(tenantId, () => DealReversalModel.find({ dealId: { $in: dealIds } }).sort({ seq: 1 }).limit(5000).lean());
    for (const doc of docs) byDeal.set(doc.dealId, [...(byDeal.get(doc.dealId) ?? []), doc]);
    return byDeal;
  }
}
