import { DealModel } from '../../models/deals/deal';
import { PartnerPerformanceModel } from '../../models/tiers/partner-performance';
import { inTenant } from '../../platform/tenant-context';
import { Problem } from '../../api/problem';
import type { RuleSets } from './rule-sets';

/**
 * The tenant currency is what every stored amount, threshold and rate table is read in. Once
 * money exists in it (a deal, a performance event, a rule set the tenant published with amounts),
 * changing it would silently re-read all of that in another currency, so it is refused; before
 * that, the seeded defaults follow the new currency.
 */
export async function prepareCurrencyChange(ruleSets: RuleSets, tenantId: string, from: string, to: string): Promise<void> {
  if (from === to) return;
  const [deal, performance] = await inTenant(tenantId, () => Promise.all([
    DealModel.findOne({}, { _id: 1 }).lean(),
    PartnerPerformanceModel.findOne({}, { _id: 1 }).lean(),
  ]));
  const held = [
    ...(deal ? ['deals'] : []),
    ...(performance ? ['partner performance'] : []),
    ...(await ruleSets.versionsHoldingAmounts(tenantId)).map((v) => `rule set ${v}`),
  ];
  if (held.length > 0) {
    throw new Problem('conflict', `the currency cannot change from ${from} to ${to}: amounts in ${from} already exist (${held.join(', ')}) and would be read as ${to}`, { field: 'body.currency' });
  }
  await ruleSets.reseedForCurrency(tenantId, to);
}
