import type { Services } from '..';
import type { UpdateDefinition } from '@temporalio/common';
import { executeRefusableUpdate } from '../tenant-workflows';
import type { TenantDoc } from '../../models/tenancy/tenant';
import { OPEN_DEAL_STATUSES, type DealDoc, type DealStatus } from '../../models/deals/deal';
import type { DealReversalDoc } from '../../models/deals/deal-reversal';
import type { DealRegistrationRecord } from '../../models/deals/deal-registration';
import { dealStore, type DealPageRequest } from '../../models/deals/deal-repository';
import { reversalStore, type NewDealReversal } from '../../models/deals/deal-reversal-repository';
import { stagedRegistrations } from '../../models/deals/deal-registration-repository';
import { recordReversal } from '../tiers/partner-metrics';
import { OperationIds } from '../../platform/ids';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { DomainError, conflict, invalid, notFound } from '../../domain/errors';
import { getPartner, tierInForce } from '../onboarding/partners';
import { pageOf } from '../pagination';
import { isDuplicateKey } from '../../platform/store-errors';
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
import { discardAudit, settleAudit, stageAudit, withAudit, type KeyedAuditInput } from '../tenancy/outbox';
import { reversalTenantMinor } from '../../domain/deals/reversal-amount';

const reversalAudit = (actor: DealActor, r: NewDealReversal): KeyedAuditInput => ({
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
  /** A calendar date, `YYYY-MM-DD`. */
  expectedCloseDate: string;
  notes?: string;
}

export interface DecisionRequest {
  decision: Decision;
  comment?: string;
  stepId?: string;
}

export interface CloseRequest {
  outcome: 'won' | 'lost';
  amount?: string;
  currency?: string;
  closedAt?: string;
  reason?: string;
}

export interface ReversalRequest {
  kind: 'refund' | 'cancellation';
  amount: string;
  reason: string;
}

/** A deal as the use cases answer it: the read model and its reversal events, oldest first. */
export type DealRecord = DealDoc & { reversals: DealReversalDoc[] };

export interface DealPage {
  items: DealRecord[];
  nextCursor: string | null;
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

function parseAmount(amount: string, currency: string, field: string): number {
  const currencyField = field.replace(/amount$/, 'currency');
  if (!isCurrency(currency)) throw invalid(currencyField, `${currencyField} ${currency} is not an ISO 4217 currency`);
  try {
    const minor = toMinor(amount, minorUnitDigits(currency));
    if (minor <= 0) throw new AmountError('must be greater than zero');
    return minor;
  } catch (err) {
    if (err instanceof AmountError) throw invalid(field, `${field} ${err.message}`);
    throw err;
  }
}

/** A conversion the rates cannot make (an unknown currency, a result past the safe range). */
function converted(convert: () => ReturnType<typeof convertMinor>): ReturnType<typeof convertMinor> {
  try {
    return convert();
  } catch (err) {
    if (err instanceof AmountError) throw invalid('body.currency', `body.currency ${err.message}`);
    throw err;
  }
}

/**
 * Deal registration and everything a caller does to a deal afterwards. Live decisions go to the
 * deal's workflow as Updates (it validates them); lists and views read the MongoDB read model.
 * Every use case takes its tenant explicitly and reaches the store through that tenant's
 * repositories, so none depends on a tenant scope set up by its caller.
 */
export class DealService {
  constructor(private readonly services: Services) {}

  /** The tenant's record: its placement (where its workflows run) and its money settings. */
  private async tenant(tenantId: TenantId): Promise<TenantDoc> {
    const tenant = await this.services.tenants.get(tenantId);
    if (!tenant) throw new Error(`tenant ${tenantId} does not exist`);
    return tenant;
  }

  private handle(tenant: TenantDoc, dealId: string) {
    return this.services.workflows.handle<typeof dealApproval>(tenant, dealWorkflow, dealId);
  }

  async register(tenantId: TenantId, actor: DealActor, input: Registration, operation: Pick<OperationIds, 'id'> = new OperationIds(undefined)): Promise<DealRecord> {
    const expectedCloseDate = new Date(`${input.expectedCloseDate}T00:00:00Z`);
    if (Number.isNaN(expectedCloseDate.getTime())) throw invalid('body.expectedCloseDate', 'body.expectedCloseDate is not a date');
    const partnerId = actor.partyId!;
    const partner = await getPartner(tenantId, partnerId);
    if (!partner || partner.status !== 'active') throw new DomainError('forbidden', `partner ${partnerId} is not active in this tenant`);
    const registeredAt = new Date();
    const tier = tierInForce(partner.tierHistory, registeredAt) ?? partner.tier;

    const amountMinor = parseAmount(input.amount, input.currency, 'body.amount');
    const ruleSet = await this.services.ruleSets.inForce<DealApprovalRules>(tenantId, DEAL_APPROVAL_KIND, registeredAt);
    if (!ruleSet) throw conflict('this tenant has no deal-approval rules in force; publish a version first');
    const tenant = await this.tenant(tenantId);
    const { currency: tenantCurrency, roundingMode } = tenant.settings;
    const inTenantCurrency = converted(() =>
      convertMinor(
        amountMinor,
        { currency: input.currency, digits: minorUnitDigits(input.currency) },
        { currency: tenantCurrency, digits: minorUnitDigits(tenantCurrency) },
        ruleSet.definition.rates,
        roundingMode,
      ),
    );

    const customer = { name: input.customer.name.trim(), domain: input.customer.domain?.trim() || undefined, country: input.customer.country };
    const keys = customerKeys(customer);
    if (keys.length === 0) throw invalid('body.customer.name', 'body.customer.name must contain letters or digits');

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
      amountTenantMinor: inTenantCurrency.minor,
      tenantCurrency,
      fxRate: inTenantCurrency.rate,
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
        amountMinor: inTenantCurrency.minor,
        amountDigits: minorUnitDigits(tenantCurrency),
        products: input.products,
        country: customer.country,
      },
      registrationStaged: true,
    };
    // The record itself stays in the store; the workflow is told where to find it.
    await stagedRegistrations(tenantId).stage(dealId, registration);
    try {
      await this.services.workflows.start<typeof dealApproval>(tenant, dealWorkflow, dealId, [workflowInput]);
    } catch (err) {
      // A retry of a registration whose first attempt started the workflow: go on to its view.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return this.record(tenantId, await this.settled(tenantId, dealId));
  }

  /**
   * Waits for the workflow's first view, so the caller sees the plan it got. The record appears
   * once the workflow's first activity ran; when a backlog (a burst, a worker restart) keeps it
   * from appearing in time, the registration is still accepted: the process owns it and the caller
   * is answered 202 with where to read it (RegistrationAccepted), never a 5xx.
   */
  private async settled(tenantId: TenantId, dealId: string): Promise<DealDoc> {
    const deadline = Date.now() + REGISTRATION_WAIT_MS;
    for (;;) {
      const deal = await dealStore(tenantId).byId(dealId);
      if (deal && deal.rev > 0 && deal.status !== 'submitted' && !(deal.status === 'pending-approval' && !deal.currentStep)) return deal;
      if (Date.now() > deadline) {
        if (deal && deal.rev > 0) return deal;
        throw new RegistrationAccepted(dealId);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A deal the actor may see: partners only their own (others' are "not found"). */
  private async visible(tenantId: TenantId, actor: DealActor, dealId: string): Promise<DealDoc> {
    const deal = await dealStore(tenantId).byId(dealId);
    if (!deal || (actor.role === 'partner' && deal.partnerId !== actor.partyId)) throw notFound(`deal ${dealId}`);
    return deal;
  }

  /** Reversals of the given deals, read in one query; only won deals can have any. */
  private async withReversals(tenantId: TenantId, deals: DealDoc[]): Promise<DealRecord[]> {
    const won = deals.filter((d) => d.outcome === 'won').map((d) => d._id);
    const byDeal = new Map<string, DealReversalDoc[]>();
    if (won.length > 0) {
      for (const doc of await reversalStore(tenantId).ofDeals(won)) byDeal.set(doc.dealId, [...(byDeal.get(doc.dealId) ?? []), doc]);
    }
    return deals.map((d) => ({ ...d, reversals: byDeal.get(d._id) ?? [] }));
  }

  private async record(tenantId: TenantId, deal: DealDoc): Promise<DealRecord> {
    return (await this.withReversals(tenantId, [deal]))[0];
  }

  private async page(tenantId: TenantId, docs: DealDoc[], limit: number): Promise<DealPage> {
    const { page, nextCursor } = pageOf(docs, limit);
    return { items: await this.withReversals(tenantId, page), nextCursor };
  }

  async get(tenantId: TenantId, actor: DealActor, dealId: string): Promise<DealRecord> {
    return this.record(tenantId, await this.visible(tenantId, actor, dealId));
  }

  async list(tenantId: TenantId, actor: DealActor, opts: DealPageRequest & { status?: DealStatus }): Promise<DealPage> {
    const { status, ...page } = opts;
    const docs = await dealStore(tenantId).page({ ...(actor.role === 'partner' ? { partnerId: actor.partyId } : {}), status }, page);
    return this.page(tenantId, docs, opts.limit);
  }

  /** What this approver can act on now: steps for its role, open to anyone or naming it. */
  async inbox(tenantId: TenantId, actor: DealActor, page: DealPageRequest): Promise<DealPage> {
    return this.page(tenantId, await dealStore(tenantId).awaiting(actor, page), page.limit);
  }

  /** Sends a change to the deal's workflow, which validates it, then reads the updated deal. */
  private async update<Ret, Arg>(tenantId: TenantId, deal: DealDoc, update: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId?: string): Promise<DealRecord> {
    const deals = dealStore(tenantId);
    // A retry of a change an earlier attempt already made (the API died before answering) gets
    // the deal as it is now, not a refusal of the change it asked for.
    const applied = (d: DealDoc | null): boolean => updateId !== undefined && !!d?.history?.some((h) => h.updateId === updateId);
    if (applied(deal)) return this.record(tenantId, deal);
    if (!OPEN_DEAL_STATUSES.includes(deal.status)) {
      throw new DomainError('decision-refused', `the deal is ${deal.status}; its process has finished`);
    }
    const tenant = await this.tenant(tenantId);
    try {
      await executeRefusableUpdate(this.handle(tenant, deal._id), update, arg, 'the deal has finished; its process accepts no more changes', updateId);
    } catch (err) {
      // The refusal may answer a repeat of a change that went through; the deal tells.
      const now = await deals.byId(deal._id).catch(() => null);
      if (now && applied(now)) return this.record(tenantId, now);
      throw err;
    }
    return this.record(tenantId, (await deals.byId(deal._id))!);
  }

  async decide(tenantId: TenantId, actor: DealActor, dealId: string, body: DecisionRequest, updateId?: string): Promise<DealRecord> {
    const deal = await this.visible(tenantId, actor, dealId);
    return this.update(tenantId, deal, decideUpdate, { actor, ...body }, updateId);
  }

  async provideInfo(tenantId: TenantId, actor: DealActor, dealId: string, note: string, updateId?: string): Promise<DealRecord> {
    const deal = await this.visible(tenantId, actor, dealId);
    return this.update(tenantId, deal, provideInfoUpdate, { actor, note }, updateId);
  }

  async requestExtension(tenantId: TenantId, actor: DealActor, dealId: string, reason: string, updateId?: string): Promise<DealRecord> {
    const deal = await this.visible(tenantId, actor, dealId);
    return this.update(tenantId, deal, requestExtensionUpdate, { actor, note: reason }, updateId);
  }

  async close(tenantId: TenantId, actor: DealActor, dealId: string, body: CloseRequest, updateId?: string): Promise<DealRecord> {
    const deal = await this.visible(tenantId, actor, dealId);
    if (body.outcome === 'won' && body.amount === undefined) throw invalid('body.amount', 'body.amount is required for a won deal');
    const closedAt = body.closedAt ? new Date(body.closedAt) : new Date();
    if (closedAt.getTime() > Date.now() + 60_000) throw invalid('body.closedAt', 'body.closedAt cannot be in the future');
    let amounts = {};
    if (body.amount !== undefined) {
      const currency = body.currency ?? deal.currency;
      const amountMinor = parseAmount(body.amount, currency, 'body.amount');
      // The pinned rule set's rates convert the close too, so a deal is valued by one table.
      const pinned = await this.services.ruleSets.version<DealApprovalRules>(tenantId, DEAL_APPROVAL_KIND, deal.ruleSetVersion);
      const { roundingMode } = (await this.tenant(tenantId)).settings;
      const inTenantCurrency = converted(() =>
        convertMinor(amountMinor, { currency, digits: minorUnitDigits(currency) }, { currency: deal.tenantCurrency, digits: minorUnitDigits(deal.tenantCurrency) }, pinned?.definition.rates ?? {}, roundingMode),
      );
      amounts = { amountMinor, currency, amountTenantMinor: inTenantCurrency.minor };
    }
    return this.update(tenantId, deal, closeDealUpdate, { actor, outcome: body.outcome, closedAt: closedAt.toISOString(), reason: body.reason, ...amounts }, updateId);
  }

  /**
   * A refund or cancellation after a won close is a new event; the close itself is never edited.
   * Reversals of a deal are numbered; two concurrent ones race on the unique (deal, seq) index,
   * and the loser re-checks what is left, so together they can never exceed the closed amount.
   * The reversal's id derives from the Idempotency-Key: a retry after any failure finds the row
   * the first attempt wrote and finishes its metrics and audit event instead of refunding twice.
   */
  async reverse(
    tenantId: TenantId,
    actor: DealActor,
    dealId: string,
    body: ReversalRequest,
    operation: Pick<OperationIds, 'id'> = new OperationIds(undefined),
  ): Promise<DealRecord> {
    const deal = await this.visible(tenantId, actor, dealId);
    if (deal.outcome !== 'won' || deal.closedAmountMinor === undefined) {
      throw conflict(`only a deal closed as won can be reversed (the deal is ${deal.status}${deal.outcome ? `, ${deal.outcome}` : ''})`);
    }
    const reversals = reversalStore(tenantId);
    const currency = deal.closedCurrency!;
    const amountMinor = parseAmount(body.amount, currency, 'body.amount');
    const reversalId = operation.id('drv');
    for (let attempt = 0; attempt < 20; attempt++) {
      const mine = await reversals.byId(reversalId);
      if (mine) {
        await this.finishReversal(tenantId, deal, mine, actor);
        return this.record(tenantId, deal);
      }
      const last = await reversals.latestOf(dealId);
      const total = (last?.totalReversedMinor ?? 0) + amountMinor;
      if (total > deal.closedAmountMinor) {
        throw invalid('body.amount', `body.amount exceeds what is left to reverse on this deal`);
      }
      const reversal: NewDealReversal = {
        _id: reversalId, dealId, partnerId: deal.partnerId, seq: (last?.seq ?? 0) + 1, kind: body.kind, amountMinor, currency,
        totalReversedMinor: total, reason: body.reason, at: new Date(), recordedBy: actor.keyId,
      };
      try {
        await withAudit(this.services, tenantId, reversalAudit(actor, reversal), { model: 'DealReversal', filter: { _id: reversalId } }, () => reversals.record(reversal));
      } catch (err) {
        if (isDuplicateKey(err)) continue; // the number was taken (or a concurrent retry wrote ours)
        throw err;
      }
      await this.finishReversal(tenantId, deal, reversal, actor);
      return this.record(tenantId, deal);
    }
    throw conflict('the deal changed while recording the reversal; try again');
  }

  /** What follows a recorded reversal; each part is idempotent, so a retry can run it again. */
  private async finishReversal(tenantId: TenantId, deal: DealDoc, reversal: NewDealReversal, actor: DealActor): Promise<void> {
    // Tier metrics count net won revenue in the tenant currency, converted at the close's own rate.
    const tenantMinor = reversalTenantMinor(
      reversal,
      { closedAmountMinor: deal.closedAmountMinor!, closedAmountTenantMinor: deal.closedAmountTenantMinor ?? 0 },
      (await this.tenant(tenantId)).settings.roundingMode,
    );
    await recordReversal(tenantId, { partnerId: deal.partnerId, sourceId: reversal._id, amountMinor: -tenantMinor, currency: deal.tenantCurrency, closedAt: new Date(deal.closedAt!) });
    await settleAudit(this.services, tenantId, reversalAudit(actor, reversal));
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
 * For the periodic runner, whose pass over tenants hands in each tenant's id; safe to run
 * anywhere, any number of times.
 */
export async function reapStaleDeals(
  services: Services,
  tenantId: TenantId,
  olderThanMs: number,
  opts: { now?: Date; limit?: number } = {},
): Promise<ReapResult> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - olderThanMs);
  const tenant = await services.tenants.get(tenantId);
  if (!tenant) return { checked: 0, reaped: [] };
  const candidates = await dealStore(tenantId).staleOpen(cutoff, opts.limit ?? 100);
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

async function abandonDeal(services: Services, tenantId: TenantId, deal: DealDoc, reason: string): Promise<boolean> {
  await releaseClaims(tenantId, deal._id);
  const event: KeyedAuditInput = {
    actor: { type: 'system', id: 'deal-reaper' },
    action: 'deal.abandoned',
    entity: { type: 'deal', id: deal._id },
    data: { previousStatus: deal.status, reason },
    eventKey: `deal.abandoned:${deal._id}`,
  };
  await stageAudit(asTenantId(tenantId), event, { model: 'Deal', filter: { _id: deal._id, status: 'abandoned' } });
  // Guarded by the state that was judged: nothing else writes a deal whose process is gone.
  if (!(await dealStore(tenantId).abandon(deal, { at: new Date().toISOString(), type: 'abandoned', detail: reason }))) {
    await discardAudit(tenantId, event.eventKey);
    return false;
  }
  await settleAudit(services, asTenantId(tenantId), event);
  return true;
}
