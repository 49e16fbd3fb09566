import { Type } from '@sinclair/typebox';
import type { RuleKind } from '../rules/registry';
import { DurationSchema, durationChecker, requireDurationMs, type Duration, type RuleLimits, type RuleProblem } from '../durations';

/**
 * The `purchase-order` rule kind: how long a supplier has to acknowledge an order (and each change
 * order), how often it is reminded meanwhile, and how late a shipment may be before it is an
 * exception. An order pins the version in force when it was placed, so publishing new rules never
 * moves the deadlines of orders already running.
 */
export const PURCHASE_ORDER_KIND = 'purchase-order';

export interface PurchaseOrderRules {
  acknowledgement: { sla: Duration; remindEvery: Duration };
  shipment: { latenessTolerance: Duration };
}

export const PurchaseOrderRulesSchema = Type.Object(
  {
    acknowledgement: Type.Object(
      {
        sla: DurationSchema,
        remindEvery: DurationSchema,
      },
      { additionalProperties: false, description: 'the supplier acknowledges every line within `sla` of the order (or change order) being sent; reminded every `remindEvery` until then' },
    ),
    shipment: Type.Object(
      { latenessTolerance: DurationSchema },
      { additionalProperties: false, description: 'a line ships by the end of its confirmed date; later than that plus the tolerance is a late-shipment exception' },
    ),
  },
  { additionalProperties: false },
);

export const DEFAULT_PURCHASE_ORDER_RULES: PurchaseOrderRules = {
  acknowledgement: { sla: '2 days', remindEvery: '12 hours' },
  shipment: { latenessTolerance: '1 day' },
};

/** A reminder cadence this much finer than the SLA would flood the supplier and the order's history. */
export const MAX_REMINDERS_PER_ROUND = 20;

export function checkPurchaseOrderRules(rules: PurchaseOrderRules, context: { limits: RuleLimits }): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const { bounded, notLonger } = durationChecker(problems, context.limits);
  const sla = bounded('body.definition.acknowledgement.sla', rules.acknowledgement.sla);
  const remind = bounded('body.definition.acknowledgement.remindEvery', rules.acknowledgement.remindEvery);
  bounded('body.definition.shipment.latenessTolerance', rules.shipment.latenessTolerance);
  notLonger('body.definition.acknowledgement.remindEvery', remind, 'acknowledgement.sla', sla);
  if (sla !== undefined && remind !== undefined && sla / remind > MAX_REMINDERS_PER_ROUND) {
    problems.push({ field: 'body.definition.acknowledgement.remindEvery', detail: `would send more than ${MAX_REMINDERS_PER_ROUND} reminders per acknowledgement window; remind less often` });
  }
  return problems;
}

/** The rules as the workflow uses them: milliseconds. */
export interface OrderTimings {
  acknowledgementSlaMs: number;
  reminderEveryMs: number;
  shipmentToleranceMs: number;
}

export function timingsOf(rules: PurchaseOrderRules): OrderTimings {
  return {
    acknowledgementSlaMs: requireDurationMs(rules.acknowledgement.sla),
    reminderEveryMs: requireDurationMs(rules.acknowledgement.remindEvery),
    shipmentToleranceMs: requireDurationMs(rules.shipment.latenessTolerance),
  };
}

const DryRunInput = Type.Object(
  {
    sentAt: Type.String({ format: 'date-time', description: 'when the order (or change order) reaches the supplier' }),
    confirmedDate: Type.String({ format: 'date', description: "a line's confirmed ship date" }),
  },
  { additionalProperties: false },
);

export const purchaseOrderKind: RuleKind<PurchaseOrderRules, { sentAt: string; confirmedDate: string }, { acknowledgeBy: string; reminders: string[]; shipBy: string }> = {
  kind: PURCHASE_ORDER_KIND,
  description: 'Purchase orders: acknowledgement SLA and reminder cadence, and how late a shipment may be before it is an exception',
  schema: PurchaseOrderRulesSchema,
  defaultDefinition: DEFAULT_PURCHASE_ORDER_RULES,
  check: checkPurchaseOrderRules,
  dryRunInput: DryRunInput,
  dryRun(rules, input) {
    const t = timingsOf(rules);
    const sent = new Date(input.sentAt).getTime();
    const reminders: string[] = [];
    for (let at = sent + t.reminderEveryMs; at < sent + t.acknowledgementSlaMs; at += t.reminderEveryMs) reminders.push(new Date(at).toISOString());
    return { acknowledgeBy: new Date(sent + t.acknowledgementSlaMs).toISOString(), reminders, shipBy: new Date(shipByMs(input.confirmedDate, t.shipmentToleranceMs)).toISOString() };
  },
};

const DAY_MS = 86_400_000;

/** A line confirmed for a date may ship until that day ends (UTC) plus the tolerance. */
export function shipByMs(confirmedDate: string, toleranceMs: number): number {
  return Date.parse(`${confirmedDate}T00:00:00Z`) + DAY_MS + toleranceMs;
}
