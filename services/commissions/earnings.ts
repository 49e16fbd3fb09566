import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import { minorUnitDigits } from '../../domain/locale';
import { periodOf } from '../../domain/commissions/period';
import { calculationView } from '../../domain/commissions/view';
import { visiblePartner } from '../onboarding/partners';
import { calculatePeriod, gatherPeriodInputs } from './period-calculation';

/** The calendar month (UTC) an instant falls in: the open period. */
export const periodLabelOf = (at: Date): string => at.toISOString().slice(0, 7);

/**
 * What a partner has earned so far in the open period, computed now from the deals as they stand:
 * the plan in force applied to its closed-won deals and reversals. Nothing is stored, so a deal
 * closed won a moment ago is in it. A partner key (`onlyPartnerId`) sees only its own partner.
 */
export async function partnerEarnings(services: Pick<Services, 'ruleSets' | 'tenants'>, tenantId: TenantId, partnerId: string, onlyPartnerId: string | undefined, now = new Date()) {
  await visiblePartner(tenantId, partnerId, onlyPartnerId);
  const period = periodOf(periodLabelOf(now));
  const inputs = await gatherPeriodInputs(services, tenantId, period, { partnerId });
  const view = calculationView(calculatePeriod(inputs), minorUnitDigits(inputs.currency));
  const statement = view.statements.find((s) => s.partnerId === partnerId);
  return {
    partnerId,
    period: period.label,
    currency: inputs.currency,
    planVersion: inputs.planVersion,
    pending: statement ?? { partnerId, revenueMinor: 0, revenue: '0', lines: [], totalMinor: 0, total: '0', carriedForwardMinor: 0, carriedForward: '0', notes: [] },
  };
}
