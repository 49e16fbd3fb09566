import { Type } from '@sinclair/typebox';
import { registerRuleKind } from '../rules/registry';
import { minorUnitDigits } from '../locale';
import { DealApprovalSchema, DealApprovalRules, DEFAULT_DEAL_APPROVAL_RULES } from './approval-rules';
import { checkDealApprovalRules, planFor, ApprovalPlan } from './approval-plan';
import { convertMinor, fromMinor, toMinor, RoundingMode } from '../money';
import { durationMs } from '../durations';

/** Registers the `deal-approval` rule-set kind: schema, checks, default rules and dry run. */
export const DEAL_APPROVAL_KIND = 'deal-approval';

const DryRunInput = Type.Object(
  {
    tier: Type.String({ minLength: 1, maxLength: 40 }),
    amount: Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,4})?$' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    tenantCurrency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'the currency thresholds are in; default: the deal currency' })),
    roundingMode: Type.Optional(Type.Union(['half-even', 'half-up', 'half-down', 'up', 'down'].map((m) => Type.Literal(m)))),
    products: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: 50 })),
    country: Type.String({ pattern: '^[A-Z]{2}$' }),
    conflict: Type.Optional(Type.Boolean({ description: 'pretend the customer is already protected for another partner' })),
  },
  { additionalProperties: false },
);

interface DryRunInput {
  tier: string;
  amount: string;
  currency: string;
  tenantCurrency?: string;
  roundingMode?: RoundingMode;
  products?: string[];
  country: string;
  conflict?: boolean;
}

export interface DealApprovalDryRun {
  rule: string;
  action: ApprovalPlan['action'];
  reason?: string;
  notes: string[];
  amountInTenantCurrency: string;
  tenantCurrency: string;
  rate: string;
  steps: (ApprovalPlan['steps'][number] & { slaMs: number })[];
  protection: { periodMs: number; extensionPeriodMs: number; maxExtensions: number };
  error?: string;
}

export const dealApprovalKind = registerRuleKind<DealApprovalRules, DryRunInput, DealApprovalDryRun | { error: string }>({
  kind: DEAL_APPROVAL_KIND,
  description: 'How registered deals are approved: rules by partner tier, amount, products and region yielding auto-approve, auto-reject or a chain of review steps with SLAs and escalation; channel-conflict handling; protection period',
  schema: DealApprovalSchema,
  defaultDefinition: DEFAULT_DEAL_APPROVAL_RULES,
  check: checkDealApprovalRules,
  dryRunInput: DryRunInput,
  dryRun(definition, input) {
    const tenantCurrency = input.tenantCurrency ?? input.currency;
    const from = { currency: input.currency, digits: minorUnitDigits(input.currency) };
    const to = { currency: tenantCurrency, digits: minorUnitDigits(tenantCurrency) };
    let converted;
    try {
      converted = convertMinor(toMinor(input.amount, from.digits), from, to, definition.rates, input.roundingMode ?? 'half-even');
    } catch (err) {
      return { error: `amount ${(err as Error).message}` };
    }
    const plan = planFor(definition, {
      tier: input.tier,
      amountMinor: converted.minor,
      amountDigits: to.digits,
      products: input.products ?? [],
      country: input.country,
      conflict: input.conflict ?? false,
    });
    return {
      rule: plan.rule,
      action: plan.action,
      reason: plan.reason,
      notes: plan.notes,
      amountInTenantCurrency: fromMinor(converted.minor, to.digits),
      tenantCurrency,
      rate: converted.rate,
      steps: plan.steps.map((s) => ({ ...s, slaMs: durationMs(s.sla)! })),
      protection: {
        periodMs: durationMs(definition.protection.period)!,
        extensionPeriodMs: durationMs(definition.protection.extensionPeriod)!,
        maxExtensions: definition.protection.maxExtensions,
      },
    };
  },
});
