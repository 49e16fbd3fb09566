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
import type { PaymentInstructionDoc } from '../../../models/commissions/payment-instruction';
import { endToEndIdOf } from '../../../domain/commissions/pain001';
import {
  PAYOUT_RUN_ID_PATTERN, triggerPayoutRun, getPayoutRun, decidePayoutRun, payoutStatements, payoutStatement, paymentInstructions, ledgerBalances,
} from '../../../services/commissions/payout-runs';

/** Payout runs: trigger, review, maker-checker approval, statements, and the ledger they post. */

const ownPartnerOnly = (actor: Actor): string | undefined => (actor.kind === 'key' && actor.role === 'partner' ? actor.partyId ?? 'none' : undefined);

function keyOf(actor: Actor): string {
  if (actor.kind !== 'key') throw new Problem('forbidden', 'payout runs are handled with tenant keys');
  return actor.keyId;
}

const money = (minor: number, currency: string) => fromMinor(minor, minorUnitDigits(currency));

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
});

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
    summary: 'Approve a run awaiting approval: a finance user other than the one who triggered it. Instructs the payments and posts the ledger',
    access: ['finance'],
    params: RunParams,
    body: ApproveBody,
    responses: { 200: { description: 'The approved run', schema: RunView } },
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
  route<unknown, unknown, Static<typeof StatementParams>>({
    method: 'get',
    path: '/v1/payout-runs/:id/statements/:partnerId',
    tag: 'Commissions',
    summary: "One partner's statement in a run; a partner key sees only its own, once the run is approved",
    access: ['finance', 'tenant-admin', 'partner'],
    params: StatementParams,
    responses: { 200: { description: 'The statement', schema: StatementView } },
    async handler({ tenant, params, actor }) {
      const { run, statement } = await payoutStatement(asTenantId(tenant._id), params.id, params.partnerId, ownPartnerOnly(actor));
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
  route({
    method: 'get',
    path: '/v1/ledger',
    tag: 'Commissions',
    summary: 'The commissions ledger: debits, credits and balance per account, and what is payable to each partner',
    access: ['finance', 'tenant-admin'],
    responses: { 200: { description: 'Balances', schema: Type.Unknown() } },
    async handler({ tenant }) {
      return { status: 200, body: await ledgerBalances(asTenantId(tenant._id)) };
    },
  }),
];
