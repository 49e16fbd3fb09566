import { Type, Static } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj } from '../../schemas';
import { Problem } from '../../problem';
import type { Actor } from '../../context';
import { asTenantId } from '../../../platform/tenant-id';
import { fromMinor } from '../../../domain/money';
import { minorUnitDigits } from '../../../domain/locale';
import { PERIOD_PATTERN } from '../../../domain/commissions/period';
import type { PayoutRunDoc } from '../../../models/commissions/payout-run';
import type { PayoutStatementDoc } from '../../../models/commissions/payout-statement';
import type { AmountVariance } from '../../../domain/commissions/variance';
import type { PaymentInstructionDoc } from '../../../models/commissions/payment-instruction';
import { endToEndIdOf } from '../../../domain/commissions/pain001';
import {
  PAYOUT_RUN_ID_PATTERN, triggerPayoutRun, getPayoutRun, decidePayoutRun, payoutStatements, payoutStatement, paymentInstructions,
} from '../../../services/commissions/payout-runs';
import { statementCsv } from '../../../services/commissions/statement-csv';

/** Payout runs: trigger, review, maker-checker approval, statements, and the ledger they post. */

export const ownPartnerOnly = (actor: Actor): string | undefined => (actor.kind === 'key' && actor.role === 'partner' ? actor.partyId ?? 'none' : undefined);

export function keyOf(actor: Actor): string {
  if (actor.kind !== 'key') throw new Problem('forbidden', 'payout runs are handled with tenant keys');
  return actor.keyId;
}

const money = (minor: number, currency: string) => fromMinor(minor, minorUnitDigits(currency));

const VarianceView = Obj({
  previous: Type.String({ description: "the previous period's approved run" }),
  current: Type.String(),
  change: Type.String({ description: 'current - previous' }),
  percent: Type.Union([Type.String(), Type.Null()], { description: 'change in percent of the previous amount, a decimal string with two places; null when the previous amount was 0' }),
});

const varianceView = (v: AmountVariance, currency: string): Static<typeof VarianceView> => ({
  previous: money(v.previousMinor, currency), current: money(v.currentMinor, currency), change: money(v.changeMinor, currency), percent: v.percent,
});

const RunView = Obj({
  id: Type.String(),
  period: Type.String(),
  attempt: Type.Integer(),
  status: Type.String({ description: 'calculating, awaiting-approval, approved, rejected, or paid (every instruction settled or reopened; the period is locked)' }),
  triggeredBy: Type.String(),
  currency: Type.String(),
  snapshotHash: Type.Optional(Type.String({ description: 'sha256 of the frozen inputs' })),
  planVersion: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  progress: Obj({ processed: Type.Integer(), total: Type.Integer() }),
  totals: Type.Optional(Obj({ total: Type.String(), payable: Type.String(), held: Type.String(), partners: Type.Integer(), payees: Type.Integer() })),
  holds: Type.Array(Obj({ partnerId: Type.String(), amount: Type.String(), reasons: Type.Array(Type.String()) })),
  approvals: Type.Array(Obj({ by: Type.String(), at: Type.String() }), { description: 'approvals so far, by distinct finance users' }),
  approvalsRequired: Type.Optional(Type.Integer({ description: "2 when the run pays more than the tenant's settings.payouts.dualApprovalAbove, else 1" })),
  approvalDueAt: Type.Optional(Type.String({ description: 'when the approval SLA ends' })),
  overdue: Type.Boolean({ description: 'the SLA passed without a decision (payout-run.approval-overdue)' }),
  remindersSent: Type.Integer(),
  variance: Type.Optional(Obj({
    previousRunId: Type.Union([Type.String(), Type.Null()]),
    previousPeriod: Type.String(),
    total: VarianceView,
    partners: Type.Array(Obj({ partnerId: Type.String(), ...VarianceView.properties })),
  }, { description: "statement totals against the previous period's approved run" })),
  reopened: Type.Array(Obj({ partnerId: Type.String(), amount: Type.String(), fromRunId: Type.String() }), { description: 'payables earlier runs reopened (payment rejected or returned) that this run pays again' }),
  decidedBy: Type.Optional(Type.String()),
  decidedAt: Type.Optional(Type.String()),
  rejectReason: Type.Optional(Type.String()),
  paidAt: Type.Optional(Type.String()),
  createdAt: Type.String(),
});

const runView = (run: PayoutRunDoc): Static<typeof RunView> => ({
  id: run._id,
  period: run.period,
  attempt: run.attempt,
  status: run.status,
  triggeredBy: run.triggeredBy,
  currency: run.currency,
  snapshotHash: run.snapshotHash,
  planVersion: run.planVersion,
  progress: run.progress,
  totals: run.totals && {
    total: money(run.totals.totalMinor, run.currency), payable: money(run.totals.payableMinor, run.currency), held: money(run.totals.heldMinor, run.currency),
    partners: run.totals.partners, payees: run.totals.payees,
  },
  holds: run.holds.map((h) => ({ partnerId: h.partnerId, amount: money(h.amountMinor, run.currency), reasons: h.reasons })),
  approvals: run.approvals ?? [],
  approvalsRequired: run.approvalsRequired,
  approvalDueAt: run.approvalDueAt && new Date(run.approvalDueAt).toISOString(),
  overdue: run.overdue ?? false,
  remindersSent: run.remindersSent ?? 0,
  variance: run.variance && {
    previousRunId: run.variance.previousRunId,
    previousPeriod: run.variance.previousPeriod,
    total: varianceView(run.variance.total, run.currency),
    partners: run.variance.partners.map((p) => ({ partnerId: p.partnerId, ...varianceView(p, run.currency) })),
  },
  reopened: (run.reopened ?? []).map((r) => ({ partnerId: r.partnerId, amount: money(r.amountMinor, run.currency), fromRunId: r.fromRunId })),
  decidedBy: run.decidedBy,
  decidedAt: run.decidedAt && new Date(run.decidedAt).toISOString(),
  rejectReason: run.rejectReason,
  paidAt: run.paidAt && new Date(run.paidAt).toISOString(),
  createdAt: new Date(run.createdAt).toISOString(),
});

const StatementView = Obj({
  runId: Type.String(),
  period: Type.String(),
  partnerId: Type.String(),
  currency: Type.String(),
  revenue: Type.String(),
  total: Type.String({ description: 'the sum of the rounded lines' }),
  carriedForward: Type.String(),
  lines: Type.Array(Type.Unknown(), { description: 'every line with its deal, inputs, rule, rate, conversion and rounding (docs/commissions.md)' }),
  notes: Type.Array(Type.String()),
  variance: Type.Optional(VarianceView),
});

const statementView = (run: PayoutRunDoc, s: PayoutStatementDoc): Static<typeof StatementView> => ({
  runId: s.runId,
  period: s.period,
  partnerId: s.partnerId,
  currency: run.currency,
  revenue: money(s.revenueMinor, run.currency),
  total: money(s.totalMinor, run.currency),
  carriedForward: money(s.carriedForwardMinor, run.currency),
  lines: s.lines.map((l) => ({ ...l, amount: money(l.amountMinor, run.currency) })),
  notes: s.notes,
  ...withVariance(run, s.partnerId),
});

/** The partner's line of the run's variance (runs opened for approval have one), indexed once per run read. */
const variances = new WeakMap<PayoutRunDoc, Map<string, AmountVariance>>();
function partnerVariance(run: PayoutRunDoc, partnerId: string): AmountVariance | undefined {
  let byPartner = variances.get(run);
  if (!byPartner) variances.set(run, (byPartner = new Map((run.variance?.partners ?? []).map((p) => [p.partnerId, p]))));
  return byPartner.get(partnerId);
}

const withVariance = (run: PayoutRunDoc, partnerId: string) => {
  const v = partnerVariance(run, partnerId);
  return v ? { variance: varianceView(v, run.currency) } : {};
};
const InstructionView = Obj({
  id: Type.String({ description: 'the instruction id, to record its settlement by hand' }),
  partnerId: Type.String(),
  amount: Type.String(),
  currency: Type.String(),
  idempotencyKey: Type.String(),
  endToEndId: Type.String({ description: 'what the bank files carry for it (pain.001 EndToEndId, 35 characters derived from the idempotency key)' }),
  status: Type.String({ description: 'instructed, settled, rejected or returned' }),
  carried: Type.Optional(Type.Array(Obj({ instructionId: Type.String(), runId: Type.String(), amount: Type.String() }), { description: 'reopened payables of earlier runs this instruction pays again' })),
  settledAt: Type.Optional(Type.String()),
  bankReference: Type.Optional(Type.String()),
  statusReason: Type.Optional(Type.String()),
});

const instructionView = (i: PaymentInstructionDoc): Static<typeof InstructionView> => ({
  id: i._id,
  partnerId: i.partnerId,
  amount: money(i.amountMinor, i.currency),
  currency: i.currency,
  idempotencyKey: i.idempotencyKey,
  endToEndId: endToEndIdOf(i.idempotencyKey),
  status: i.status,
  ...(i.carried ? { carried: i.carried.map((c) => ({ instructionId: c.instructionId, runId: c.runId, amount: money(c.amountMinor, i.currency) })) } : {}),
  ...(i.settledAt ? { settledAt: new Date(i.settledAt).toISOString().slice(0, 10) } : {}),
  ...(i.bankReference ? { bankReference: i.bankReference } : {}),
  ...(i.statusReason ? { statusReason: i.statusReason } : {}),
});

const TriggerBody = Obj({ period: Type.String({ pattern: PERIOD_PATTERN, description: 'the month to pay, YYYY-MM (UTC)' }) });
const RunParams = Obj({ id: Type.String({ pattern: PAYOUT_RUN_ID_PATTERN }) });
const StatementParams = Obj({ id: Type.String({ pattern: PAYOUT_RUN_ID_PATTERN }), partnerId: Type.String({ pattern: '^ptn_[0-9a-z]{26}$' }) });
const StatementQuery = Obj({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv: a download, one row per line (also with Accept: text/csv)' })) });

/** CSV when asked for by `?format=csv`, or by an Accept header preferring text/csv to JSON. */
function wantsCsv(format: string | undefined, accept: string | string[] | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  const header = Array.isArray(accept) ? accept.join(',') : accept ?? '';
  return /(^|,)\s*text\/csv/i.test(header) && !/(^|,)\s*application\/json/i.test(header);
}
const RejectBody = Obj({ reason: Type.String({ minLength: 1, maxLength: 2000 }) });
const ApproveBody = Obj({});

export const payoutRunRoutes = [
  route<Static<typeof TriggerBody>>({
    method: 'post',
    path: '/v1/payout-runs',
    tag: 'Commissions',
    summary: "Start the period's payout run; while one is in progress (or approved) the same run is answered, never a second",
    access: ['finance'],
    body: TriggerBody,
    responses: { 202: { description: 'A new run, calculating', schema: RunView }, 200: { description: 'The run already in progress or approved', schema: RunView } },
    async handler({ tenant, body, services, actor }) {
      const { run, created } = await triggerPayoutRun(services, asTenantId(tenant._id), body.period, keyOf(actor));
      return { status: created ? 202 : 200, body: runView(run), headers: { Location: `/v1/payout-runs/${run._id}` } };
    },
  }),
  route<unknown, unknown, Static<typeof RunParams>>({
    method: 'get',
    path: '/v1/payout-runs/:id',
    tag: 'Commissions',
    summary: 'A payout run: status, progress, snapshot hash, totals and holds with their reasons',
    access: ['finance', 'tenant-admin'],
    params: RunParams,
    responses: { 200: { description: 'The run', schema: RunView } },
    async handler({ tenant, params }) {
      return { status: 200, body: runView(await getPayoutRun(asTenantId(tenant._id), params.id)) };
    },
  }),
  route<Static<typeof ApproveBody>, unknown, Static<typeof RunParams>>({
    method: 'post',
    path: '/v1/payout-runs/:id/approve',
    tag: 'Commissions',
    summary: "Approve a run awaiting approval: a finance user other than the one who triggered it (two distinct ones above the tenant's dual-approval amount: the first approval is recorded, the second executes). Instructs the payments and posts the ledger",
    access: ['finance'],
    params: RunParams,
    body: ApproveBody,
    responses: { 200: { description: 'The approved run (or, after the first of two approvals, the run still awaiting approval)', schema: RunView } },
    async handler({ tenant, params, services, actor, operation }) {
      const decision = { decision: 'approve' as const, by: keyOf(actor), decidedAt: new Date().toISOString() };
      return { status: 200, body: runView(await decidePayoutRun(services, asTenantId(tenant._id), params.id, decision, operation.ref('payout-run-decision'))) };
    },
  }),
  route<Static<typeof RejectBody>, unknown, Static<typeof RunParams>>({
    method: 'post',
    path: '/v1/payout-runs/:id/reject',
    tag: 'Commissions',
    summary: 'Reject a run awaiting approval, with a reason; the period may then be run again',
    access: ['finance'],
    params: RunParams,
    body: RejectBody,
    responses: { 200: { description: 'The rejected run', schema: RunView } },
    async handler({ tenant, params, body, services, actor, operation }) {
      const decision = { decision: 'reject' as const, reason: body.reason, by: keyOf(actor), decidedAt: new Date().toISOString() };
      return { status: 200, body: runView(await decidePayoutRun(services, asTenantId(tenant._id), params.id, decision, operation.ref('payout-run-decision'))) };
    },
  }),
  route<unknown, unknown, Static<typeof RunParams>>({
    method: 'get',
    path: '/v1/payout-runs/:id/statements',
    tag: 'Commissions',
    summary: "A run's per-partner statements, every line explained; a partner key sees only its own, once the run is approved",
    access: ['finance', 'tenant-admin', 'partner'],
    params: RunParams,
    responses: { 200: { description: 'Statements', schema: Obj({ items: Type.Array(StatementView) }) } },
    async handler({ tenant, params, actor }) {
      const { run, statements } = await payoutStatements(asTenantId(tenant._id), params.id, { onlyPartnerId: ownPartnerOnly(actor) });
      return { status: 200, body: { items: statements.map((s) => statementView(run, s)) } };
    },
  }),
  route<unknown, Static<typeof StatementQuery>, Static<typeof StatementParams>>({
    method: 'get',
    path: '/v1/payout-runs/:id/statements/:partnerId',
    tag: 'Commissions',
    summary: "One partner's statement in a run (JSON, or CSV with ?format=csv or Accept: text/csv); a partner key sees only its own, once the run is approved",
    access: ['finance', 'tenant-admin', 'partner'],
    params: StatementParams,
    query: StatementQuery,
    responses: { 200: { description: 'The statement', schema: StatementView } },
    async handler({ tenant, params, query, headers, actor }) {
      const { run, statement } = await payoutStatement(asTenantId(tenant._id), params.id, params.partnerId, ownPartnerOnly(actor));
      if (wantsCsv(query.format, headers.accept)) {
        return {
          status: 200,
          headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="statement-${run.period}-${statement.partnerId}.csv"` },
          body: statementCsv(statement, run.currency),
        };
      }
      return { status: 200, body: statementView(run, statement) };
    },
  }),
  route<unknown, unknown, Static<typeof RunParams>>({
    method: 'get',
    path: '/v1/payout-runs/:id/instructions',
    tag: 'Commissions',
    summary: 'The payment instructions an approved run made: one per payable partner',
    access: ['finance', 'tenant-admin'],
    params: RunParams,
    responses: { 200: { description: 'Instructions', schema: Obj({ items: Type.Array(InstructionView) }) } },
    async handler({ tenant, params }) {
      const run = await getPayoutRun(asTenantId(tenant._id), params.id);
      const items = await paymentInstructions(asTenantId(tenant._id), run._id);
      return { status: 200, body: { items: items.map(instructionView) } };
    },
  }),
];
