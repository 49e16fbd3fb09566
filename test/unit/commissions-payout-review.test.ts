import { amountVariance, periodVariance } from '../../domain/commissions/variance';
import { checkPayoutSettings, payoutReviewRules } from '../../domain/tenancy/payout-settings';

describe('variance against the previous period', () => {
  test('change and percent of the previous amount, two places, half-even; none of nothing', () => {
    expect(amountVariance(120000, 160000)).toEqual({ previousMinor: 120000, currentMinor: 160000, changeMinor: 40000, percent: '33.33' });
    expect(amountVariance(80000, 40000)).toEqual({ previousMinor: 80000, currentMinor: 40000, changeMinor: -40000, percent: '-50.00' });
    expect(amountVariance(0, 500)).toMatchObject({ changeMinor: 500, percent: null });
    // From a negative balance (clawbacks) upwards is an increase.
    expect(amountVariance(-1000, 1000)).toMatchObject({ changeMinor: 2000, percent: '200.00' });
    expect(amountVariance(3, 4).percent).toBe('33.33');
    expect(amountVariance(8, 9).percent).toBe('12.50');
  });

  test('every partner of either run, in id order; the total is the sum of each side', () => {
    const v = periodVariance(new Map([['ptn_b', 800], ['ptn_c', 100]]), new Map([['ptn_a', 50], ['ptn_b', 1000]]));
    expect(v.partners.map((p) => [p.partnerId, p.previousMinor, p.currentMinor, p.percent])).toEqual([['ptn_a', 0, 50, null], ['ptn_b', 800, 1000, '25.00'], ['ptn_c', 100, 0, '-100.00']]);
    expect(v.total).toEqual({ previousMinor: 900, currentMinor: 1050, changeMinor: 150, percent: '16.67' });
  });
});

describe('payout settings', () => {
  const limits = { minDurationMs: 60_000 };
  test('amount digits of the tenant currency, duration bounds, reminders within the SLA', () => {
    expect(checkPayoutSettings({ dualApprovalAbove: '5000.00', approvalSla: '3 days', reminderEvery: '1 day' }, 'USD', limits)).toEqual([]);
    expect(checkPayoutSettings({ dualApprovalAbove: '10.5' }, 'JPY', limits).map((p) => p.field)).toEqual(['body.payouts.dualApprovalAbove']);
    expect(checkPayoutSettings({ approvalSla: '30 seconds' }, 'USD', limits)).toEqual([{ field: 'body.payouts.approvalSla', detail: 'must be at least 1 minute, got "30 seconds"' }]);
    expect(checkPayoutSettings({ approvalSla: '1 hour', reminderEvery: '2 hours' }, 'USD', limits).map((p) => p.field)).toEqual(['body.payouts.reminderEvery']);
    expect(checkPayoutSettings(undefined, 'USD', limits)).toEqual([]);
  });

  test("the tenant's settings over the configured defaults; a reminder never later than the SLA", () => {
    const defaults = { slaMs: 3 * 86_400_000, reminderEveryMs: 86_400_000 };
    expect(payoutReviewRules(undefined, 'USD', defaults)).toEqual({ dualApprovalAboveMinor: undefined, ...defaults });
    expect(payoutReviewRules({ dualApprovalAbove: '5000', approvalSla: '12 hours' }, 'USD', defaults)).toEqual({ dualApprovalAboveMinor: 500000, slaMs: 43_200_000, reminderEveryMs: 43_200_000 });
    expect(payoutReviewRules({ dualApprovalAbove: '5000' }, 'JPY', defaults).dualApprovalAboveMinor).toBe(5000);
  });
});
