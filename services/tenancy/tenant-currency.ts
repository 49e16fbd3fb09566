import { currencyHoldings } from '../../models/tenancy/currency-holdings-repository';
import { conflict } from '../../domain/errors';
import type { TenantId } from '../../platform/tenant-id';
import type { RuleSets } from './rule-sets';

/**
 * The tenant currency is what every stored amount, threshold and rate table is read in. Once
 * money exists in it (a deal, a performance event, a rule set the tenant published with amounts),
 * changing it would silently re-read all of that in another currency, so it is refused; before
 * that, the seeded defaults follow the new currency.
 */
export async function prepareCurrencyChange(ruleSets: RuleSets, tenantId: TenantId, from: string, to: string): Promise<void> {
  if (from === to) return;
  const held = [
    ...(await currencyHoldings(tenantId).holders()),
    ...(await ruleSets.versionsHoldingAmounts(tenantId)).map((v) => `rule set ${v}`),
  ];
  if (held.length > 0) {
    throw conflict(`the currency cannot change from ${from} to ${to}: amounts in ${from} already exist (${held.join(', ')}) and would be read as ${to}`, { field: 'body.currency' });
  }
  await ruleSets.reseedForCurrency(tenantId, to);
}
