import type { TenantId } from '../../platform/tenant-id';
import { settlementStore } from '../../models/commissions/settlement-repository';
import type { CarriedPayable } from '../../models/commissions/payment-instruction';

/**
 * Payables reopened by the bank: an instruction rejected or returned leaves its payable credited
 * (it was expensed when its run was approved) and owed again. The next run to be approved pays it
 * with the partner's new instruction, without expensing it a second time. A `carry` event per
 * reopened instruction (unique per instruction) decides which run takes it over, so two runs
 * approved at once never pay one payable twice.
 */
export interface ReopenedPayable extends CarriedPayable {
  partnerId: string;
}

/** Reopened payables no run has carried yet (frozen in a run's snapshot). */
export async function openReopenedPayables(tenantId: TenantId): Promise<ReopenedPayable[]> {
  const store = settlementStore(tenantId);
  const reopened = await store.reopenedInstructions();
  if (reopened.length === 0) return [];
  const carried = new Set((await store.eventsOfInstructions(reopened.map((i) => i._id))).filter((e) => e.stage === 'carry').map((e) => e.instructionId));
  return reopened.filter((i) => !carried.has(i._id)).map((i) => ({ instructionId: i._id, runId: i.runId, partnerId: i.partnerId, amountMinor: i.amountMinor }));
}

/**
 * Claims the partner's reopened payables for this run and answers those it holds: claimed now or
 * by an earlier attempt of the same execution. One another run carried already is left out.
 */
export async function carryInto(tenantId: TenantId, runId: string, payables: ReopenedPayable[], at: Date): Promise<CarriedPayable[]> {
  const store = settlementStore(tenantId);
  const held: CarriedPayable[] = [];
  for (const p of payables) {
    await store.record({
      _id: `${p.instructionId}:carry`, instructionId: p.instructionId, runId: p.runId, partnerId: p.partnerId, stage: 'carry', status: 'carried',
      amountMinor: p.amountMinor, source: 'payout-run', carriedToRunId: runId, recordedBy: 'payout-run', recordedAt: at,
    });
    const carry = (await store.eventsOf(p.instructionId)).find((e) => e.stage === 'carry');
    if (carry?.carriedToRunId === runId) held.push({ instructionId: p.instructionId, runId: p.runId, amountMinor: p.amountMinor });
  }
  return held;
}
