import { Type } from '@sinclair/typebox';
import { RuleKind, RuleInputError } from '../rules/registry';
import { isCurrency, minorUnitDigits } from '../locale';
import { DealApprovalSchema, DealApprovalRules, DEFAULT_DEAL_APPROVAL_RULES } from './approval-rules';
import { checkDealApprovalRules, planFor, ApprovalPlan } from './approval-plan';
import { AmountError, convertMinor, fromMinor, toMinor, RoundingMode } from '../money';
import { durationMs } from '../durations';

/** The `deal-approval` rule-set kind: schema, checks, default rules and dry run. */
export const DEAL_APPROVAL_KIND = 'deal-approval';

const DryRunInput = Type.Object(
  {
    tier: Type.String({ minLength: 1, maxLength: 40 }),
    amount: Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,4})?$' }),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: "the deal's currency; default: the tenant currency" })),
    tenantCurrency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: "the currency thresholds are in; default: the tenant's currency, as for a real registration" })),
    roundingMode: Type.Optional(Type.Union(['half-even', 'half-up', 'half-down', 'up', 'down'].map((m) => Type.Literal(m)), { description: "default: the tenant's rounding mode" })),
    products: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: 50 })),
    country: Type.String({ pattern: '^[A-Z]{2}$' }),
    conflict: Type.Optional(Type.Boolean({ description: 'pretend the customer is already protected for another partner' })),
  },
  { additionalProperties: false },
);

interface DryRunInput {
  tier: string;
  amount: string;
  currency?: string;
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
}

const knownCurrency = (field: string, code: string): { currency: string; digits: number } => {
  // The pattern admits any three letters; the runtime's ISO 4217 list decides (ZZZ is refused).
  if (!isCurrency(code)) throw new RuleInputError(field, `${code} is not an ISO 4217 currency`);
  return { currency: code, digits: minorUnitDigits(code) };
};

export const dealApprovalKind: RuleKind<DealApprovalRules, DryRunInput, DealApprovalDryRun> = {
  kind: DEAL_APPROVAL_KIND,
  description: 'How registered deals are approved: rules by partner tier, amount, products and region yielding auto-approve, auto-reject or a chain of review steps with SLAs and escalation; channel-conflict handling; protection period',
  schema: DealApprovalSchema,
  defaultDefinition: DEFAULT_DEAL_APPROVAL_RULES,
  check: checkDealApprovalRules,
  holdsAmounts: (def) => Object.keys(def.rates).length > 0 || def.rules.some((r) => r.when.minAmount !== undefined || r.when.maxAmount !== undefined),
  dryRunInput: DryRunInput,
  /**
   * Answers what a real registration of the same input would get: the tenant's currency and
   * rounding mode unless the input names others, and the same refusals (422) for what a
   * registration refuses.
   */
  dryRun(definition, input, context) {
    const to = knownCurrency('body.input.tenantCurrency', input.tenantCurrency ?? context.tenantCurrency);
    const from = knownCurrency('body.input.currency', input.currency ?? to.currency);
    const tenantCurrency = to.currency;
    let amountMinor: number;
    try {
      amountMinor = toMinor(input.amount, from.digits);
    } catch (err) {
      if (err instanceof AmountError) throw new RuleInputError('body.input.amount', err.message);
      throw err;
    }
    let converted;
    try {
      converted = convertMinor(amountMinor, from, to, definition.rates, input.roundingMode ?? context.roundingMode);
    } catch (err) {
      if (err instanceof AmountError) throw new RuleInputError('body.input.currency', err.message);
      throw err;
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
};
