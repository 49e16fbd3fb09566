import { Type } from '@sinclair/typebox';
import { RuleKind, RuleInputError } from '../rules/registry';
import { minorUnitDigits } from '../locale';
import { TiersRulesSchema, TiersRules, DEFAULT_TIERS_RULES, checkTiersRules, defaultTiersRules } from './definition';
import { proposeTierChange, qualifyingTier } from './evaluate';
import { AmountError, toMinor } from '../money';

/** The `tiers` rule kind; the dry run evaluates one partner's sample metrics. */
const SampleMetrics = Type.Object({
  currentTier: Type.String({ maxLength: 60 }),
  closedWonRevenue: Type.String({ pattern: '^\\d{1,13}(\\.\\d{1,3})?$', description: "in the rule set's currency, with at most its minor-unit digits" }),
  dealCount: Type.Integer({ minimum: 0 }),
  trainingCompleted: Type.Array(Type.String({ maxLength: 60 }), { maxItems: 50 }),
}, { additionalProperties: false });
type SampleMetrics = { currentTier: string; closedWonRevenue: string; dealCount: number; trainingCompleted: string[] };

export const tiersRuleKind: RuleKind<TiersRules, SampleMetrics, unknown> = {
  kind: 'tiers',
  description: 'Partner tiers, their criteria (closed-won revenue and deals over a trailing window, training) and the scheduled review',
  schema: TiersRulesSchema,
  defaultDefinition: DEFAULT_TIERS_RULES,
  defaultFor: (tenant) => defaultTiersRules(tenant.currency),
  check: (rules, context) => checkTiersRules(rules, minorUnitDigits, context),
  holdsAmounts: () => true,
  dryRunInput: SampleMetrics,
  dryRun(rules, sample) {
    const digits = minorUnitDigits(rules.currency);
    let revenueMinor: number;
    try {
      revenueMinor = toMinor(sample.closedWonRevenue, digits);
    } catch (err) {
      // "1.123" USD is not an amount (the pattern allows 3 decimals for BHD-like currencies).
      if (err instanceof AmountError) throw new RuleInputError('body.input.closedWonRevenue', `${err.message} for ${rules.currency}`);
      throw err;
    }
    const metrics = { partnerId: 'sample', currency: rules.currency, closedWonRevenueMinor: revenueMinor, dealCount: sample.dealCount, trainingCompleted: sample.trainingCompleted };
    return { qualifiesFor: qualifyingTier(rules, metrics, digits).tier.name, proposal: proposeTierChange(rules, sample.currentTier, metrics, digits) ?? null };
  },
};
