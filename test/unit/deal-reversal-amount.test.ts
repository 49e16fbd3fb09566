import { reversalTenantMinor } from '../../domain/deals/reversal-amount';

/** A reversal's tenant-currency value: exact for 15-digit amounts, in the tenant's rounding mode. */
describe('reversalTenantMinor', () => {
  const close = { closedAmountMinor: 945061888851428, closedAmountTenantMinor: 1675058807564304 };

  test('large amounts are not rounded before the division (20-digit precision was one unit off)', () => {
    expect(reversalTenantMinor({ amountMinor: 909855956390102, totalReversedMinor: 909855956390102 }, close, 'half-even')).toBe(1612658653729375);
  });

  test("the tenant's rounding mode applies", () => {
    const small = { closedAmountMinor: 3, closedAmountTenantMinor: 10 };
    // 1 of 3 is 3.333… and 2 of 3 is 6.666… in the tenant currency.
    expect(reversalTenantMinor({ amountMinor: 1, totalReversedMinor: 1 }, small, 'up')).toBe(4);
    expect(reversalTenantMinor({ amountMinor: 1, totalReversedMinor: 1 }, small, 'down')).toBe(3);
    expect(reversalTenantMinor({ amountMinor: 1, totalReversedMinor: 1 }, { closedAmountMinor: 2, closedAmountTenantMinor: 5 }, 'half-up')).toBe(3);
    expect(reversalTenantMinor({ amountMinor: 1, totalReversedMinor: 1 }, { closedAmountMinor: 2, closedAmountTenantMinor: 5 }, 'half-even')).toBe(2);
  });

  test('reversals add up to the closed tenant amount exactly on a full refund', () => {
    const small = { closedAmountMinor: 3, closedAmountTenantMinor: 10 };
    const parts = [1, 2, 3].map((total) => reversalTenantMinor({ amountMinor: 1, totalReversedMinor: total }, small, 'half-even'));
    expect(parts.reduce((a, b) => a + b, 0)).toBe(10);
  });
});
