import { Type } from '@sinclair/typebox';
import { registerRuleKind } from '../rules/registry';
import { minorUnitDigits } from '../locale';
import { TiersRulesSchema, TiersRules, DEFAULT_TIERS_RULES, checkTiersRules } from './definition';
import { proposeTierChange, qualifyingTier } from './evaluate';
import { toMinor } from '../money';

/** Registers the `tiers` rule kind; the dry run evaluates one partner's sample metrics. */
const SampleMetrics = Type.Object({
  currentTier: Type.String({ maxLength: 60 }),
  closedWonRevenue: Type.String({ pattern: '^\\d{1,13}(\\.\\d{1,3})?$' }),
  dealCount: Type.Integer({ minimum: 0 }),
  trainingCompleted: Type.Array(Type.String({ maxLength: 60 }), { maxItems: 50 }),
}, { additionalProperties: false });
type SampleMetrics = { currentTier: string; closedWonRevenue: string; dealCount: number; trainingCompleted: string[] };

export const tiersRuleKind = registerRuleKind<TiersRules, SampleMetrics, unknown>({
  kind: 'tiers',
  description: 'Partner tiers, their criteria (closed-won revenue and deals over a trailing window, training) and the scheduled review',
  schema: TiersRulesSchema,
  defaultDefinition: DEFAULT_TIERS_RULES,
  check: (rules) => checkTiersRules(rules, minorUnitDigits),
  dryRunInput: SampleMetrics,
  dryRun(rules, sample) {
    const digits = minorUnitDigits(rules.currency);
    const metrics = { partnerId: 'sample', currency: rules.currency, closedWonRevenueMinor: toMinor(sample.closedWonRevenue, digits), dealCount: sample.dealCount, trainingCompleted: sample.trainingCompleted };
    return { qualifiesFor: qualifyingTier(rules, metrics, digits).tier.name, proposal: proposeTierChange(rules, sample.currentTier, metrics, digits) ?? null };
  },
});
