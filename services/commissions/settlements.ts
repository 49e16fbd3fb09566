import { createHash } from 'node:crypto';
import type { TenantId } from '../../platform/tenant-id';
import { conflict, invalid } from '../../domain/errors';
import { AmountError, toMinor, fromMinor } from '../../domain/money';
import { minorUnitDigits } from '../../domain/locale';
import { endToEndIdOf } from '../../domain/commissions/pain001';
import { BankFileError, readBankReport, type BankOutcome } from '../../domain/commissions/bank-reports';
import { APPROVED_STATUSES, type PayoutRunDoc } from '../../models/commissions/payout-run';
import type { InstructionStatus, PaymentInstructionDoc } from '../../models/commissions/payment-instruction';
import type { PaymentEventDoc, PaymentEventStage } from '../../models/commissions/payment-event';
import { payoutStore } from '../../models/commissions/payout-repository';
import { settlementStore } from '../../models/commissions/settlement-repository';
import type { AuditLog } from '../tenancy/audit';
import { getPayoutRun } from './payout-runs';

/**
 * Settlement: what the bank did with an approved run's payment instructions, recorded by hand or
 * read from the bank's pain.002 / camt.054 / camt.053 and matched by EndToEndId. A settled
 * payment posts payable/cash; a rejected one (or one returned before it was booked) leaves the
 * payable open for the next run to pay again (services/commissions/reopened-payables.ts); a
 * settled payment that comes back posts cash/payable, reopening it the same way. Each stage of an
 * instruction is one event under a unique index, so the same file twice changes nothing. Once no
 * instruction is still `instructed`, the run is `paid` and its period locked.
 *
 * Outside the payout run's workflow on purpose: a bank answers days later, and a return can come
 * weeks after the run was paid.
 */

export type SettlementStatus = 'settled' | 'rejected' | 'returned';

export interface ManualSettlement {
  instructionId: string;
  status: SettlementStatus;
  amount: string;
  date: string;
  bankReference: string;
  reason?: string;
}

export type SettlementRequest = { settlements: ManualSettlement[] } | { file: { content: string } };

interface Candidate {
  instruction: PaymentInstructionDoc;
  status: SettlementStatus;
  amountMinor: number;
  date?: string;
  bankReference?: string;
  reason?: string;
  field?: string;
}

type Action = { kind: 'apply'; stage: PaymentEventStage; candidate: Candidate } | { kind: 'unchanged'; candidate: Candidate } | { kind: 'conflict'; candidate: Candidate; detail: string };

export interface SettlementResult {
  source: string;
  applied: { instructionId: string; partnerId: string; status: SettlementStatus; amount: string }[];
  unchanged: { instructionId: string; status: SettlementStatus }[];
  conflicts: { instructionId: string; status: SettlementStatus; detail: string }[];
  unmatched: { endToEndId: string; status: SettlementStatus }[];
  mismatched: { instructionId: string; endToEndId: string; amount: string; expected: string }[];
  ignored: number;
  run: PayoutRunDoc;
}

type Deps = { audit: Pick<AuditLog, 'record'> };

/** What an instruction's events say it is now: a return beats the outcome it returns. */
function statusOf(events: PaymentEventDoc[]): InstructionStatus {
  if (events.some((e) => e.stage === 'return')) return 'returned';
  const outcome = events.find((e) => e.stage === 'outcome');
  return (outcome?.status as InstructionStatus | undefined) ?? 'instructed';
}

/** Decides what one answer does to an instruction whose outcome (and return) may be known. */
function plan(candidate: Candidate, known: { outcome?: SettlementStatus; returned: boolean }): Action {
  const { status } = candidate;
  const outcome = known.outcome;
  if (status === 'returned' && outcome === 'settled') return known.returned ? { kind: 'unchanged', candidate } : { kind: 'apply', stage: 'return', candidate };
  if (outcome === undefined) return { kind: 'apply', stage: 'outcome', candidate };
  if (outcome === status) return { kind: 'unchanged', candidate };
  const detail = outcome === 'settled'
    ? 'the payment is already settled; a settled payment that comes back is recorded as returned'
    : `the payment was already ${outcome}; its payable is reopened for the next run, a later answer cannot settle it`;
  return { kind: 'conflict', candidate, detail };
}

function decodeFile(content: string): { xml: string; hash: string } {
  const bytes = Buffer.from(content, 'base64');
  // Buffer.from skips what is not base64; a round trip tells a file from noise.
  if (bytes.length === 0 || bytes.toString('base64').replace(/=+$/, '') !== content.replace(/\s/g, '').replace(/=+$/, '')) {
    throw invalid('body.file.content', 'the file must be base64-encoded XML');
  }
  return { xml: bytes.toString('utf8'), hash: createHash('sha256').update(bytes).digest('hex') };
}

function manualCandidates(settlements: ManualSettlement[], byId: Map<string, PaymentInstructionDoc>, digits: number): Candidate[] {
  return settlements.map((s, i) => {
    const at = `body.settlements.${i}`;
    const instruction = byId.get(s.instructionId);
    if (!instruction) throw invalid(`${at}.instructionId`, `payout run has no payment instruction ${s.instructionId}`);
    let amountMinor: number;
    try {
      amountMinor = toMinor(s.amount, digits);
    } catch (err) {
      if (err instanceof AmountError) throw invalid(`${at}.amount`, `the amount ${err.message}`);
      throw err;
    }
    if (amountMinor !== instruction.amountMinor) {
      throw invalid(`${at}.amount`, `the instruction is for ${fromMinor(instruction.amountMinor, digits)} ${instruction.currency}; a partial settlement is not recorded (record the bank's answer for the whole payment)`);
    }
    return { instruction, status: s.status, amountMinor, date: s.date, bankReference: s.bankReference, reason: s.reason, field: at };
  });
}

/** Records what the bank did; answers what changed, what was already known and what did not match. */
export async function recordSettlements(services: Deps, tenantId: TenantId, runId: string, request: SettlementRequest, by: string, now = new Date()): Promise<SettlementResult> {
  const run = await getPayoutRun(tenantId, runId);
  if (!APPROVED_STATUSES.includes(run.status)) throw conflict(`payout run ${runId} is ${run.status}; only an approved run has payments to settle`);
  const store = settlementStore(tenantId);
  const instructions = await store.instructionsOfRun(runId);
  const byId = new Map(instructions.map((i) => [i._id, i]));
  const byEndToEnd = new Map(instructions.map((i) => [endToEndIdOf(i.idempotencyKey), i]));
  const digits = minorUnitDigits(run.currency);
  const result: Omit<SettlementResult, 'run'> = { source: 'manual', applied: [], unchanged: [], conflicts: [], unmatched: [], mismatched: [], ignored: 0 };
  let candidates: Candidate[];
  let fileHash: string | undefined;

  if ('settlements' in request) {
    candidates = manualCandidates(request.settlements, byId, digits);
  } else {
    const { xml, hash } = decodeFile(request.file.content);
    fileHash = hash;
    let report;
    try {
      report = readBankReport(xml);
    } catch (err) {
      if (err instanceof BankFileError) throw invalid('body.file.content', err.message);
      throw err;
    }
    result.source = report.kind;
    result.ignored = report.ignored;
    if (report.kind === 'pain.002' && report.originalMessageId && report.originalMessageId !== runId) {
      throw invalid('body.file.content', `the status report answers message ${report.originalMessageId}, not this run's pain.001 (MsgId ${runId})`);
    }
    const outcomes: BankOutcome[] = report.rejectedMessage
      ? instructions.map((i) => ({ endToEndId: endToEndIdOf(i.idempotencyKey), status: 'rejected', reason: report.rejectedMessage?.reason ?? 'the bank rejected the whole file' }))
      : report.outcomes;
    candidates = [];
    for (const o of outcomes) {
      const instruction = byEndToEnd.get(o.endToEndId);
      if (!instruction) {
        // A statement carries the account's other transactions too: not ours, not an error.
        result.unmatched.push({ endToEndId: o.endToEndId, status: o.status });
        continue;
      }
      let amountMinor = instruction.amountMinor;
      if (o.amount !== undefined) {
        try {
          amountMinor = o.currency && o.currency !== instruction.currency ? Number.NaN : toMinor(o.amount, digits);
        } catch {
          amountMinor = Number.NaN;
        }
      }
      if (amountMinor !== instruction.amountMinor) {
        result.mismatched.push({ instructionId: instruction._id, endToEndId: o.endToEndId, amount: `${o.amount ?? ''} ${o.currency ?? ''}`.trim(), expected: `${fromMinor(instruction.amountMinor, digits)} ${instruction.currency}` });
        continue;
      }
      candidates.push({ instruction, status: o.status, amountMinor, date: o.date, bankReference: o.bankReference, reason: o.reason });
    }
  }

  // Plan everything against what is known (and what earlier answers in this request make known),
  // so a manual request that contradicts the record changes nothing.
  const known = new Map<string, { outcome?: SettlementStatus; returned: boolean }>();
  for (const event of await store.eventsOfInstructions([...new Set(candidates.map((c) => c.instruction._id))])) {
    const state = known.get(event.instructionId) ?? { returned: false };
    if (event.stage === 'outcome') state.outcome = event.status as SettlementStatus;
    if (event.stage === 'return') state.returned = true;
    known.set(event.instructionId, state);
  }
  const actions: Action[] = [];
  for (const candidate of candidates) {
    const state = known.get(candidate.instruction._id) ?? { returned: false };
    const action = plan(candidate, state);
    if (action.kind === 'apply') {
      if (action.stage === 'outcome') state.outcome = candidate.status;
      else state.returned = true;
      known.set(candidate.instruction._id, state);
    }
    actions.push(action);
  }
  const refused = actions.find((a) => a.kind === 'conflict');
  if (refused && refused.kind === 'conflict' && refused.candidate.field) throw conflict(`${refused.candidate.instruction._id}: ${refused.detail}`, { field: refused.candidate.field });

  const touched = new Set<string>();
  for (const action of actions) {
    const { candidate } = action;
    const instructionId = candidate.instruction._id;
    touched.add(instructionId);
    if (action.kind === 'unchanged') {
      result.unchanged.push({ instructionId, status: candidate.status });
      continue;
    }
    if (action.kind === 'conflict') {
      result.conflicts.push({ instructionId, status: candidate.status, detail: action.detail });
      continue;
    }
    const event: Omit<PaymentEventDoc, 'tenantId'> = {
      _id: `${instructionId}:${action.stage}`, instructionId, runId, partnerId: candidate.instruction.partnerId, stage: action.stage, status: candidate.status,
      amountMinor: candidate.amountMinor, date: candidate.date, bankReference: candidate.bankReference, reason: candidate.reason,
      source: result.source, fileHash, recordedBy: by, recordedAt: now,
    };
    if (await store.record(event)) {
      result.applied.push({ instructionId, partnerId: candidate.instruction.partnerId, status: candidate.status, amount: fromMinor(candidate.amountMinor, digits) });
      await services.audit.record(tenantId, {
        actor: { type: 'api-key', id: by, role: 'finance' }, action: 'payment.settlement-recorded', entity: { type: 'payout-run', id: runId },
        data: { instructionId, partnerId: candidate.instruction.partnerId, status: candidate.status, amountMinor: candidate.amountMinor, currency: run.currency, source: result.source, bankReference: candidate.bankReference ?? null, date: candidate.date ?? null },
        eventKey: `payment.settlement-recorded:${event._id}`,
      });
    } else {
      // A concurrent request recorded this stage first: the same answer, or one that contradicts.
      const first = (await store.eventsOf(instructionId)).find((e) => e.stage === action.stage);
      if (first?.status === candidate.status) result.unchanged.push({ instructionId, status: candidate.status });
      else result.conflicts.push({ instructionId, status: candidate.status, detail: `already recorded as ${first?.status}` });
    }
  }
  // Effects follow the events, on every request: a retry after a crash between the two finishes them.
  for (const instructionId of touched) await applyEffects(tenantId, byId.get(instructionId)!);
  return { ...result, run: await markPaidWhenDone(services, tenantId, run, now) };
}

/** Instruction status and ledger postings as the instruction's events say; each posting once (its id). */
async function applyEffects(tenantId: TenantId, instruction: PaymentInstructionDoc): Promise<void> {
  const store = settlementStore(tenantId);
  const ledger = payoutStore(tenantId);
  const events = await store.eventsOf(instruction._id);
  const outcome = events.find((e) => e.stage === 'outcome');
  const returned = events.find((e) => e.stage === 'return');
  const base = { runId: instruction.runId, partnerId: instruction.partnerId, currency: instruction.currency };
  if (outcome?.status === 'settled') {
    await ledger.post({
      ...base, _id: `${instruction._id}:payment-settled`, event: 'payment-settled', postedAt: outcome.recordedAt,
      entries: [
        { account: 'partner-payable', partnerId: instruction.partnerId, debitMinor: outcome.amountMinor, creditMinor: 0 },
        { account: 'cash', debitMinor: 0, creditMinor: outcome.amountMinor },
      ],
    });
  }
  if (returned) {
    await ledger.post({
      ...base, _id: `${instruction._id}:payment-returned`, event: 'payment-returned', postedAt: returned.recordedAt,
      entries: [
        { account: 'cash', debitMinor: returned.amountMinor, creditMinor: 0 },
        { account: 'partner-payable', partnerId: instruction.partnerId, debitMinor: 0, creditMinor: returned.amountMinor },
      ],
    });
  }
  const latest = returned ?? outcome;
  await store.setInstruction(instruction._id, {
    status: statusOf(events),
    ...(outcome?.status === 'settled' && outcome.date ? { settledAt: new Date(`${outcome.date}T00:00:00.000Z`) } : {}),
    ...(latest?.bankReference ? { bankReference: latest.bankReference } : {}),
    ...(latest?.reason ? { statusReason: latest.reason } : {}),
  });
}

/** Paid once no instruction waits for the bank: every one settled, or reopened for a later run. */
async function markPaidWhenDone(services: Deps, tenantId: TenantId, run: PayoutRunDoc, now: Date): Promise<PayoutRunDoc> {
  const instructions = await settlementStore(tenantId).instructionsOfRun(run._id);
  if (instructions.length === 0 || instructions.some((i) => i.status === 'instructed')) return getPayoutRun(tenantId, run._id);
  const count = (status: InstructionStatus) => instructions.filter((i) => i.status === status).length;
  const settledMinor = instructions.filter((i) => i.status === 'settled').reduce((sum, i) => sum + i.amountMinor, 0);
  await services.audit.record(tenantId, {
    actor: { type: 'system', id: 'settlement' }, action: 'payout-run.paid', entity: { type: 'payout-run', id: run._id },
    data: { period: run.period, currency: run.currency, settledMinor, settled: count('settled'), reopened: count('rejected') + count('returned') },
    eventKey: `payout-run.paid:${run._id}`,
  });
  await payoutStore(tenantId).updateRun(run._id, 'approved', { status: 'paid', paidAt: now });
  return getPayoutRun(tenantId, run._id);
}
