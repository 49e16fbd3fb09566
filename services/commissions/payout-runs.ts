import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import { conflict, invalid, notFound } from '../../domain/errors';
import { periodOf } from '../../domain/commissions/period';
import { payoutRunWorkflow } from '../../domain/workflow-ids';
import { payoutStore } from '../../models/commissions/payout-repository';
import { APPROVED_STATUSES, type PayoutRunDoc } from '../../models/commissions/payout-run';
import type { PayoutStatementDoc } from '../../models/commissions/payout-statement';
import { decidePayoutRunUpdate, type PayoutRunDecision, type PayoutRunInput } from '../../workflows/commissions/messages';
import { executeRefusableUpdate } from '../tenant-workflows';

/** Payout runs as finance (and, after approval, partners) use them. */

/** Deterministic per tenant, period and attempt, so concurrent triggers name the same run. */
const runIdOf = (tenantId: TenantId, period: string, attempt: number): string =>
  `pr_${createHash('sha256').update(`${tenantId}\n${period}\n${attempt}`).digest('hex').slice(0, 24)}`;

export const PAYOUT_RUN_ID_PATTERN = '^pr_[0-9a-f]{24}$';

async function ensureStarted(services: Pick<Services, 'tenants' | 'workflows'>, tenantId: TenantId, run: PayoutRunDoc): Promise<void> {
  if (run.status === 'approved' || run.status === 'paid' || run.status === 'rejected') return;
  const tenant = await services.tenants.require(tenantId);
  const input: PayoutRunInput = { tenantId, runId: run._id, period: run.period, triggeredBy: run.triggeredBy };
  try {
    await services.workflows.start(tenant, payoutRunWorkflow, run._id, [input], { reuseExisting: true });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Starts the period's run, or answers the one in progress (`created: false`): a period has one run
 * at a time, a new attempt only after a rejection, and only once the period has ended. Concurrent triggers race on the unique
 * (period, attempt) and the loser answers the winner's run. Every answer (re)starts the run's
 * process if it is not running yet, so a trigger that crashed between the two is finished by a retry.
 */
export async function triggerPayoutRun(services: Pick<Services, 'tenants' | 'workflows'>, tenantId: TenantId, periodLabel: string, by: string, now = new Date()): Promise<{ run: PayoutRunDoc; created: boolean }> {
  const period = periodOf(periodLabel, 'body.period');
  // An open period is still taking deals: a run of it would leave the rest of the month unpaid.
  if (period.end > now) throw invalid('body.period', `${periodLabel} has not ended yet; a payout run pays a closed period`);
  const store = payoutStore(tenantId);
  const tenant = await services.tenants.require(tenantId);
  const latest = await store.latestRunOf(period.label);
  // A paid run locks its period: what changes later is paid (or clawed back) by a later period's run.
  if (latest?.status === 'paid') throw conflict(`${period.label} is paid and locked (run ${latest._id}); later corrections go into a later period's run`, { field: 'body.period' });
  let created = false;
  if (!latest || latest.status === 'rejected') {
    const attempt = (latest?.attempt ?? 0) + 1;
    created = await store.insertRun({
      _id: runIdOf(tenantId, period.label, attempt), period: period.label, attempt, status: 'calculating', triggeredBy: by,
      currency: tenant.settings.currency, progress: { processed: 0, total: 0 }, holds: [],
    });
  }
  const run = (await store.latestRunOf(period.label))!;
  await ensureStarted(services, tenantId, run);
  return { run, created };
}

export async function getPayoutRun(tenantId: TenantId, runId: string): Promise<PayoutRunDoc> {
  const run = await payoutStore(tenantId).runById(runId);
  if (!run) throw notFound(`payout run ${runId}`);
  return run;
}

/** Approves or rejects through the run's process, which refuses the trigger user and a run not awaiting approval. */
export async function decidePayoutRun(services: Pick<Services, 'tenants' | 'workflows'>, tenantId: TenantId, runId: string, decision: PayoutRunDecision, updateId?: string): Promise<PayoutRunDoc> {
  const run = await getPayoutRun(tenantId, runId);
  const tenant = await services.tenants.require(tenantId);
  await executeRefusableUpdate(services.workflows.handle(tenant, payoutRunWorkflow, run._id), decidePayoutRunUpdate, decision, `the payout run is ${run.status}; it takes no decision now`, updateId);
  return getPayoutRun(tenantId, runId);
}

/**
 * A run's statements. A partner key (`onlyPartnerId`) sees only its own, and only once the run is
 * approved; before that, or for another partner, the statement does not exist for it.
 */
export async function payoutStatements(tenantId: TenantId, runId: string, filter: { partnerId?: string; onlyPartnerId?: string }): Promise<{ run: PayoutRunDoc; statements: PayoutStatementDoc[] }> {
  const run = await getPayoutRun(tenantId, runId);
  if (filter.onlyPartnerId !== undefined) {
    if (!APPROVED_STATUSES.includes(run.status) || (filter.partnerId !== undefined && filter.partnerId !== filter.onlyPartnerId)) return { run, statements: [] };
  }
  const partnerId = filter.onlyPartnerId ?? filter.partnerId;
  const statements = await payoutStore(tenantId).statementsOf(runId, { partnerId }, 10_000);
  return { run, statements };
}

export async function payoutStatement(tenantId: TenantId, runId: string, partnerId: string, onlyPartnerId?: string): Promise<{ run: PayoutRunDoc; statement: PayoutStatementDoc }> {
  const { run, statements } = await payoutStatements(tenantId, runId, { partnerId, onlyPartnerId });
  if (statements.length === 0) throw notFound(`statement of partner ${partnerId} in payout run ${runId}`);
  return { run, statement: statements[0] };
}

export const paymentInstructions = (tenantId: TenantId, runId: string) => payoutStore(tenantId).instructionsOf(runId, 10_000);

/** What approved runs paid a partner, newest period first. */
export const paidToPartner = (tenantId: TenantId, partnerId: string) => payoutStore(tenantId).approvedOfPartner(partnerId, 120);

