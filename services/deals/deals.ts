import type { Services } from '..';
import type { UpdateDefinition } from '@temporalio/common';
import { executeRefusableUpdate } from '../tenant-workflows';
import { TenantModel, type TenantDoc } from '../../models/tenancy/tenant';
import { DealRegistrationModel } from '../../models/deals/deal-registration';
import { DealModel, DealDoc, OPEN_DEAL_STATUSES, DealStatus } from '../../models/deals/deal';
import { DealReversalModel, DealReversalDoc } from '../../models/deals/deal-reversal';
import { recordReversal } from '../tiers/partner-metrics';
import { inTenant } from '../../platform/tenant-context';
import { OperationIds } from '../../platform/ids';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { DealRegistrationRecord } from '../../activities/deals/index';
import { Problem, notFound } from '../../api/problem';
import { getPartner, tierInForce } from '../onboarding/partners';
import { releaseClaims } from './claims';
import { customerKeys } from '../../domain/deals/customer-key';
import { AmountError, convertMinor, toMinor } from '../../domain/money';
import { minorUnitDigits, isCurrency } from '../../domain/locale';
import { DEAL_APPROVAL_KIND } from '../../domain/deals/rule-kind';
import { dealWorkflow } from '../../domain/workflow-ids';
import type { DealApprovalRules } from '../../domain/deals/approval-rules';
import type { DeciderActor, Decision } from '../../domain/deals/approval-steps';
import {
  closeDealUpdate, decideUpdate, provideInfoUpdate, requestExtensionUpdate,
  type DealApprovalInput, type dealApproval,
} from '../../workflows/deals/deal-approval';
import { isDuplicateKey } from '../../platform/store-errors';
import { discardAudit, settleAudit, stageAudit, withAudit, type KeyedAuditInput } from '../outbox';
import { reversalTenantMinor } from '../../domain/deals/reversal-amount';

const reversalAudit = (actor: DealActor, r: Omit<DealReversalDoc, 'tenantId'>): KeyedAuditInput => ({
  actor: { type: 'api-key', id: actor.keyId, role: actor.role },
  action: 'deal.reversed',
  entity: { type: 'deal', id: r.dealId },
  data: { reversalId: r._id, kind: r.kind, amountMinor: r.amountMinor, currency: r.currency, totalReversedMinor: r.totalReversedMinor, reason: r.reason },
  eventKey: `deal.reversed:${r._id}`,
});

export interface Registration {
  customer: { name: string; domain?: string; country: string };
  amount: string;
  currency: string;
  products: string[];
  expectedCloseDate: string;
  notes?: string;
}

/** How long a registration waits for its process's first view before answering 202. */
const REGISTRATION_WAIT_MS = 20_000;

/** The deal's process has the registration but has not written its record yet. */
export class RegistrationAccepted extends Error {
  constructor(readonly dealId: string) {
    super(`deal ${dealId} is registered; its approval process has not reached it yet`);
  }
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
    return this.services.workflows.handle<typeof dealApproval>(tenant, dealWorkflow, dealId);
  }

  async register(tenant: TenantDoc, actor: DealActor, input: Registration, operation: Pick<OperationIds, 'id'> = new OperationIds(undefined)): Promise<DealDoc> {
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

    // The workflow owns the record: it writes the deal, claims the customer and audits the
    // registration as its first step. The id derives from the Idempotency-Key, so a retry after
    // a crash finds the workflow the first attempt started instead of registering twice.
    const dealId = operation.id('deal');
    const registration: DealRegistrationRecord = {
      partnerId,
      registeredBy: actor.keyId,
      registeredByRole: actor.role,
      customer,
      customerKeys: keys,
      amountMinor,
      currency: input.currency,
      amountTenantMinor: converted.minor,
      tenantCurrency,
      fxRate: converted.rate,
      products: input.products,
      expectedCloseDate: expectedCloseDate.toISOString(),
      ...(input.notes !== undefined ? { notes: input.notes } : {}),
      tierAtRegistration: tier,
      ruleSetVersion: ruleSet.version,
      registeredAt: registeredAt.toISOString(),
    };
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
      },
      registrationStaged: true,
    };
    // The record itself stays in the store; the workflow is told where to find it.
    try {
      await inTenant(tenantId, () => DealRegistrationModel.updateOne({ _id: dealId }, { $setOnInsert: { record: JSON.stringify(registration) } }, { upsert: true }));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err; // a concurrent attempt of the same request staged it
    }
    try {
      await this.services.workflows.start<typeof dealApproval>(tenant, dealWorkflow, dealId, [workflowInput]);
    } catch (err) {
      // A retry of a registration whose first attempt started the workflow: go on to its view.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return this.settled(tenantId, dealId);
  }

  /**
   * Waits for the workflow's first view, so the caller sees the plan it got. The record appears
   * once the workflow's first activity ran; when a backlog (a burst, a worker restart) keeps it
   * from appearing in time, the registration is still accepted: the process owns it and the caller
   * is answered 202 with where to read it (RegistrationAccepted), never a 5xx.
   */
  private async settled(tenantId: string, dealId: string): Promise<DealDoc> {
    const deadline = Date.now() + REGISTRATION_WAIT_MS;
    for (;;) {
      const deal = await this.find(tenantId, dealId);
      if (deal && deal.rev > 0 && deal.status !== 'submitted' && !(deal.status === 'pending-approval' && !deal.currentStep)) return deal;
      if (Date.now() > deadline) {
        if (deal && deal.rev > 0) return deal;
        throw new RegistrationAccepted(dealId);
      }
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
  private async update<Ret, Arg>(tenant: TenantDoc, deal: DealDoc, update: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId?: string): Promise<DealDoc> {
    // A retry of a change an earlier attempt already made (the API died before answering) gets
    // the deal as it is now, not a refusal of the change it asked for.
    const applied = (d: DealDoc | null) => updateId !== undefined && !!d?.history?.some((h) => h.updateId === updateId);
    if (applied(deal)) return deal;
    if (!OPEN_DEAL_STATUSES.includes(deal.status)) {
      throw new Problem('decision-refused', `the deal is ${deal.status}; its process has finished`);
    }
    try {
      await executeRefusableUpdate(this.handle(tenant, deal._id), update, arg, 'the deal has finished; its process accepts no more changes', updateId);
    } catch (err) {
      const now = err instanceof Problem ? await this.find(tenant._id, deal._id) : null;
      if (now && applied(now)) return now;
      throw err;
    }
    return (await this.find(tenant._id, deal._id))!;
  }

  async decide(tenant: TenantDoc, actor: DealActor, dealId: string, body: { decision: Decision; comment?: string; stepId?: string }, updateId?: string): Promise<DealDoc> {
    const deal = await this.visible(tenant._id, actor, dealId);
    return this.update(tenant, deal, decideUpdate, { actor, ...body }, updateId);
  }

  async provideInfo(tenant: TenantDoc, actor: DealActor, dealId: string, note: string, updateId?: string): Promise<DealDoc> {
    const deal = await this.visible(tenant._id, actor, dealId);
    return this.update(tenant, deal, provideInfoUpdate, { actor, note }, updateId);
  }

  async requestExtension(tenant: TenantDoc, actor: DealActor, dealId: string, reason: string, updateId?: string): Promise<DealDoc> {
    const deal = await this.visible(tenant._id, actor, dealId);
    return this.update(tenant, deal, requestExtensionUpdate, { actor, note: reason }, updateId);
  }

  async close(tenant: TenantDoc, actor: DealActor, dealId: string, body: { outcome: 'won' | 'lost'; amount?: string; currency?: string; closedAt?: string; reason?: string }, updateId?: string): Promise<DealDoc> {
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
    return this.update(tenant, deal, closeDealUpdate, { actor, outcome: body.outcome, closedAt: closedAt.toISOString(), reason: body.reason, ...amounts }, updateId);
  }

  /**
   * A refund or cancellation after a won close is a new event; the close itself is never edited.
   * Reversals of a deal are numbered; two concurrent ones race on the unique (deal, seq) index,
   * and the loser re-checks what is left, so together they can never exceed the closed amount.
   * The reversal's id derives from the Idempotency-Key: a retry after any failure finds the row
   * the first attempt wrote and finishes its metrics and audit event instead of refunding twice.
   */
  async reverse(
    tenant: TenantDoc,
    actor: DealActor,
    dealId: string,
    body: { kind: 'refund' | 'cancellation'; amount: string; reason: string },
    operation: Pick<OperationIds, 'id'> = new OperationIds(undefined),
  ): Promise<DealDoc> {
    const tenantId = tenant._id;
    const deal = await this.visible(tenantId, actor, dealId);
    if (deal.outcome !== 'won' || deal.closedAmountMinor === undefined) {
      throw new Problem('conflict', `only a deal closed as won can be reversed (the deal is ${deal.status}${deal.outcome ? `, ${deal.outcome}` : ''})`);
    }
    const currency = deal.closedCurrency!;
    const amountMinor = parseAmount(body.amount, currency, 'body.amount');
    const reversalId = operation.id('drv');
    for (let attempt = 0; attempt < 20; attempt++) {
      const mine = await inTenant(tenantId, () => DealReversalModel.findOne({ _id: reversalId }).lean());
      if (mine) {
        await this.finishReversal(tenant, deal, mine, actor);
        return deal;
      }
      const last = await inTenant(tenantId, () => DealReversalModel.findOne({ dealId }).sort({ seq: -1 }).lean());
      const total = (last?.totalReversedMinor ?? 0) + amountMinor;
      if (total > deal.closedAmountMinor) {
        throw new Problem('validation-failed', `body.amount exceeds what is left to reverse on this deal`, { field: 'body.amount' });
      }
      const reversal: Omit<DealReversalDoc, 'tenantId'> = {
        _id: reversalId, dealId, partnerId: deal.partnerId, seq: (last?.seq ?? 0) + 1, kind: body.kind, amountMinor, currency,
        totalReversedMinor: total, reason: body.reason, at: new Date(), recordedBy: actor.keyId,
      };
      try {
        await withAudit(this.services, tenantId, reversalAudit(actor, reversal), { model: 'DealReversal', filter: { _id: reversalId } }, () =>
          inTenant(tenantId, () => DealReversalModel.create(reversal)),
        );
      } catch (err) {
        if (isDuplicateKey(err)) continue; // the number was taken (or a concurrent retry wrote ours)
        throw err;
      }
      await this.finishReversal(tenant, deal, reversal, actor);
      return deal;
    }
    throw new Problem('conflict', 'the deal changed while recording the reversal; try again');
  }

  /** What follows a recorded reversal; each part is idempotent, so a retry can run it again. */
  private async finishReversal(tenant: TenantDoc, deal: DealDoc, reversal: Omit<DealReversalDoc, 'tenantId'>, actor: DealActor): Promise<void> {
    // Tier metrics count net won revenue in the tenant currency, converted at the close's own rate.
    const tenantMinor = reversalTenantMinor(
      reversal,
      { closedAmountMinor: deal.closedAmountMinor!, closedAmountTenantMinor: deal.closedAmountTenantMinor ?? 0 },
      tenant.settings.roundingMode,
    );
    await recordReversal(tenant._id, { partnerId: deal.partnerId, sourceId: reversal._id, amountMinor: -tenantMinor, currency: deal.tenantCurrency, closedAt: new Date(deal.closedAt!) });
    await settleAudit(this.services, tenant._id, reversalAudit(actor, reversal));
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

export interface ReapResult {
  checked: number;
  /** Deals closed as abandoned. */
  reaped: string[];
}

/**
 * Closes deals whose process is gone: a deal left `submitted` (a registration that crashed before
 * its workflow ran; only possible for deals registered before the workflow owned the record) or a
 * read model still open behind a workflow that was terminated or failed (a deadline or the
 * protection end long past with no write since). Each candidate's workflow is asked: a running one
 * is left alone. An abandoned deal frees its customer first, then shows `abandoned`, audited once.
 * For the periodic runner; safe to run anywhere, any number of times.
 */
export async function reapStaleDeals(
  services: Services,
  tenantId: string,
  olderThanMs: number,
  opts: { now?: Date; limit?: number } = {},
): Promise<ReapResult> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - olderThanMs);
  const tenant = await TenantModel.findOne({ _id: tenantId }).lean();
  if (!tenant) return { checked: 0, reaped: [] };
  const candidates = await inTenant(tenantId, () =>
    DealModel.find({
      status: { $in: OPEN_DEAL_STATUSES },
      updatedAt: { $lt: cutoff },
      $or: [{ status: 'submitted' }, { protectedUntil: { $lt: cutoff } }, { 'currentStep.deadline': { $lt: cutoff } }],
    }).sort({ updatedAt: 1 }).limit(opts.limit ?? 100).lean(),
  );
  const result: ReapResult = { checked: candidates.length, reaped: [] };
  for (const deal of candidates) {
    const process = await processState(services, tenant, deal._id);
    if (process === 'RUNNING') continue;
    const reason = process === 'none' ? 'its process never started' : `its process ended (${process.toLowerCase()}) without finishing it`;
    if (await abandonDeal(services, tenantId, deal, reason)) result.reaped.push(deal._id);
  }
  return result;
}

async function processState(services: Services, tenant: TenantDoc, dealId: string): Promise<string> {
  try {
    const description = await services.workflows.handle(tenant, dealWorkflow, dealId).describe();
    return description.status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'none';
    throw err;
  }
}

async function abandonDeal(services: Services, tenantId: string, deal: DealDoc, reason: string): Promise<boolean> {
  await releaseClaims(tenantId, deal._id);
  const index = (deal.history ?? []).length;
  const event: KeyedAuditInput = {
    actor: { type: 'system', id: 'deal-reaper' },
    action: 'deal.abandoned',
    entity: { type: 'deal', id: deal._id },
    data: { previousStatus: deal.status, reason },
    eventKey: `deal.abandoned:${deal._id}`,
  };
  await stageAudit(tenantId, event, { model: 'Deal', filter: { _id: deal._id, status: 'abandoned' } });
  // Guarded by the state that was judged: nothing else writes a deal whose process is gone.
  await inTenant(tenantId, () =>
    DealModel.updateOne(
      { _id: deal._id, status: deal.status, rev: deal.rev },
      {
        $set: {
          status: 'abandoned', claimHeld: false, currentStep: null, awaitingRole: null, rev: deal.rev + 1,
          [`history.${index}`]: { at: new Date().toISOString(), type: 'abandoned', detail: reason },
        },
      },
    ),
  );
  const now = await inTenant(tenantId, () => DealModel.findOne({ _id: deal._id }, { status: 1 }).lean());
  if (now?.status !== 'abandoned') {
    await discardAudit(tenantId, event.eventKey);
    return false;
  }
  await settleAudit(services, tenantId, event);
  return true;
}
