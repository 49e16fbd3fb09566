import { Type, Static } from '@sinclair/typebox';
import { DurationSchema, durationChecker, requireDurationMs, type RuleLimits, type RuleProblem } from '../durations';
import { AmountError, toMinor } from '../money';
import { minorUnitDigits } from '../locale';

/**
 * A tenant's payout-approval settings (`settings.payouts`): above which payable total a run needs
 * two distinct approvers, how long finance has to approve a run, and how often it is reminded.
 * Durations read like every rule duration (domain/durations.ts) and have the same bounds.
 */
export const PayoutSettingsSchema = Type.Object(
  {
    dualApprovalAbove: Type.Optional(Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,4})?$', description: 'a run paying more than this (tenant currency, decimal string) needs two distinct approvers' })),
    approvalSla: Type.Optional(DurationSchema),
    reminderEvery: Type.Optional(DurationSchema),
  },
  { additionalProperties: false },
);
export type PayoutSettings = Static<typeof PayoutSettingsSchema>;

/** What a run waiting for approval follows: resolved from the tenant's settings and the configured defaults. */
export interface PayoutReviewRules {
  /** Payable totals strictly above this (minor units) need two approvers; undefined: one always does. */
  dualApprovalAboveMinor?: number;
  slaMs: number;
  reminderEveryMs: number;
}

/** The checks a schema cannot make: amount digits of the tenant currency, duration bounds, reminders within the SLA. */
export function checkPayoutSettings(payouts: PayoutSettings | undefined, currency: string, limits: RuleLimits): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (!payouts) return problems;
  if (payouts.dualApprovalAbove !== undefined) {
    try {
      toMinor(payouts.dualApprovalAbove, minorUnitDigits(currency));
    } catch (err) {
      if (!(err instanceof AmountError)) throw err;
      problems.push({ field: 'body.payouts.dualApprovalAbove', detail: `${payouts.dualApprovalAbove} ${err.message} (${currency})` });
    }
  }
  const { bounded, notLonger } = durationChecker(problems, limits);
  const sla = bounded('body.payouts.approvalSla', payouts.approvalSla);
  const every = bounded('body.payouts.reminderEvery', payouts.reminderEvery);
  notLonger('body.payouts.reminderEvery', every, 'body.payouts.approvalSla', sla);
  return problems;
}

/** The rules a run follows: the tenant's settings over the configured defaults (already checked). */
export function payoutReviewRules(payouts: PayoutSettings | undefined, currency: string, defaults: { slaMs: number; reminderEveryMs: number }): PayoutReviewRules {
  const slaMs = payouts?.approvalSla !== undefined ? requireDurationMs(payouts.approvalSla) : defaults.slaMs;
  const every = payouts?.reminderEvery !== undefined ? requireDurationMs(payouts.reminderEvery) : defaults.reminderEveryMs;
  return {
    dualApprovalAboveMinor: payouts?.dualApprovalAbove !== undefined ? toMinor(payouts.dualApprovalAbove, minorUnitDigits(currency)) : undefined,
    slaMs,
    // A reminder after the SLA is the overdue escalation's job.
    reminderEveryMs: Math.min(every, slaMs),
  };
}
