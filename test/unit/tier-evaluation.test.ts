import fc from 'fast-check';
import { DEFAULT_TIERS_RULES, TiersRules, checkTiersRules } from '../../domain/tiers/definition';
import { proposeTierChange, qualifyingTier, PartnerMetrics } from '../../domain/tiers/evaluate';
import { toMinor, fromMinor } from '../../domain/money';
import { minorUnitDigits } from '../../domain/locale';
import { tiersRuleKind } from '../../domain/tiers/rule-kind';

const rules = DEFAULT_TIERS_RULES;
const m = (revenue: string, deals: number, training: string[] = []): PartnerMetrics => ({
  partnerId: 'ptn_x', currency: 'USD', closedWonRevenueMinor: toMinor(revenue, 2), dealCount: deals, trainingCompleted: training,
});
const BOTH = ['product-fundamentals', 'deal-registration'];

describe('tier evaluation', () => {
  test('a partner earns the highest tier whose every criterion it meets', () => {
    expect(qualifyingTier(rules, m('0', 0), 2).tier.name).toBe('Registered');
    expect(qualifyingTier(rules, m('25000.00', 3, ['product-fundamentals']), 2).tier.name).toBe('Silver');
    expect(qualifyingTier(rules, m('24999.99', 3, ['product-fundamentals']), 2).tier.name).toBe('Registered');
    expect(qualifyingTier(rules, m('1000000', 100), 2).tier.name).toBe('Registered');
    expect(qualifyingTier(rules, m('500000', 25, BOTH), 2).tier.name).toBe('Platinum');
  });

  test('promotion and demotion proposals carry their reason', () => {
    expect(proposeTierChange(rules, 'Registered', m('30000', 4, ['product-fundamentals']), 2)).toEqual({
      partnerId: 'ptn_x', fromTier: 'Registered', toTier: 'Silver', change: 'promotion',
      reason: 'revenue 30000.00 USD and 4 deals over 365 days; meets Silver; not Gold (revenue 30000.00 < 100000.00 USD; deals 4 < 10; training missing: deal-registration)',
    });
    expect(proposeTierChange(rules, 'Gold', m('10000', 1, BOTH), 2)).toMatchObject({
      toTier: 'Registered', change: 'demotion', reason: expect.stringContaining('no longer meets Gold: revenue 10000.00 < 100000.00 USD; deals 1 < 10'),
    });
    expect(proposeTierChange(rules, 'Silver', m('30000', 4, ['product-fundamentals']), 2)).toBeUndefined();
  });

  test('demotions can be switched off; an unknown current tier is reassigned', () => {
    const noDemotions: TiersRules = { ...rules, demotions: false };
    expect(proposeTierChange(noDemotions, 'Gold', m('0', 0), 2)).toBeUndefined();
    expect(proposeTierChange(rules, 'Legacy', m('0', 0), 2)).toMatchObject({ toTier: 'Registered', change: 'reassignment' });
  });

  test('a proposal never names the tier the partner already has, and only moves toward what it earns', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1_000_000_00 }), fc.integer({ min: 0, max: 60 }), fc.subarray(BOTH), fc.constantFrom(...rules.tiers.map((t) => t.name)),
      (revenue, deals, training, current) => {
        const metrics = { partnerId: 'p', currency: 'USD', closedWonRevenueMinor: revenue, dealCount: deals, trainingCompleted: training };
        const proposal = proposeTierChange(rules, current, metrics, 2);
        const earned = qualifyingTier(rules, metrics, 2).tier.name;
        return proposal === undefined ? current === earned : proposal.toTier === earned && proposal.fromTier !== earned;
      },
    ));
  });

  test('the rule set checks names, currency and thresholds; the dry run answers', () => {
    expect(checkTiersRules(rules, minorUnitDigits)).toEqual([]);
    expect(checkTiersRules({ ...rules, tiers: [rules.tiers[0], rules.tiers[0]] }, minorUnitDigits)[0].detail).toBe('names a tier twice');
    expect(checkTiersRules({ ...rules, currency: 'JPY', tiers: [{ ...rules.tiers[1], minClosedWonRevenue: '10.5' }] }, minorUnitDigits)[0].detail).toMatch(/more than 0 decimal places/);
    expect(checkTiersRules({ ...rules, currency: 'XYZ' }, minorUnitDigits)).toEqual([{ field: 'body.definition.currency', detail: 'XYZ is not an ISO 4217 currency' }]);
    expect(tiersRuleKind.dryRun!(rules, { currentTier: 'Registered', closedWonRevenue: '600000', dealCount: 30, trainingCompleted: BOTH }, { tenantCurrency: 'USD', roundingMode: 'half-even' })).toMatchObject({ qualifiesFor: 'Platinum', proposal: { change: 'promotion' } });
  });
});

describe('decimal amounts and minor units', () => {
  test('round-trip without floats', () => {
    fc.assert(fc.property(fc.integer({ min: -9_000_000_000_000, max: 9_000_000_000_000 }), fc.constantFrom(0, 2, 3), (minor, digits) =>
      toMinor(fromMinor(minor, digits), digits) === minor));
    expect(toMinor('0.1', 2) + toMinor('0.2', 2)).toBe(toMinor('0.3', 2));
    expect(fromMinor(5, 2)).toBe('0.05');
    expect(() => toMinor('1.234', 2)).toThrow('more than 2 decimal places');
  });
});
