import { DEFAULT_TIERS_RULES, checkTiersRules } from '../../domain/tiers/definition';
import { proposeTierChange } from '../../domain/tiers/evaluate';
import { minorUnitDigits } from '../../domain/locale';
import { sameTier } from '../../domain/tiers/tier-name';

const metrics = { partnerId: 'ptn_x', currency: 'USD', closedWonRevenueMinor: 150_000_00, dealCount: 12, trainingCompleted: ['product-fundamentals', 'deal-registration'] };

describe('tier names are one comparison everywhere', () => {
  test('a tier review sees "gold" as the tier Gold, not as an unknown tier to reassign', () => {
    expect(proposeTierChange(DEFAULT_TIERS_RULES, 'Gold', metrics, 2)).toBeUndefined();
    expect(proposeTierChange(DEFAULT_TIERS_RULES, 'gold', metrics, 2)).toBeUndefined();
    expect(proposeTierChange(DEFAULT_TIERS_RULES, ' GOLD ', metrics, 2)).toBeUndefined();
    expect(proposeTierChange(DEFAULT_TIERS_RULES, 'silver', metrics, 2)).toMatchObject({ toTier: 'Gold', change: 'promotion' });
  });

  test('the tiers rule set refuses names that differ only by case or spaces', () => {
    const twice = { ...DEFAULT_TIERS_RULES, tiers: [...DEFAULT_TIERS_RULES.tiers, { ...DEFAULT_TIERS_RULES.tiers[1], name: ' silver ' }] };
    expect(checkTiersRules(twice, minorUnitDigits).map((p) => p.detail)).toContain('names a tier twice');
    expect(sameTier('Silver', ' silver ')).toBe(true);
  });
});
