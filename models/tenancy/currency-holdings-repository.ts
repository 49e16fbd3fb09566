import { repository } from '../repository';
import { DealModel } from '../deals/deal';
import { PartnerPerformanceModel } from '../tiers/partner-performance';

/**
 * Whether amounts in one tenant's currency already exist in other areas' records. Tenancy reads
 * them only to refuse a currency change (services/tenancy/tenant-currency.ts); nothing else here
 * touches deals or performance.
 */
export const currencyHoldings = repository((inScope) => ({
  /** The kinds of records holding amounts, by the names a refusal gives them. */
  holders: () =>
    inScope(async () => {
      const [deal, performance] = await Promise.all([
        DealModel.findOne({}, { _id: 1 }).lean(),
        PartnerPerformanceModel.findOne({}, { _id: 1 }).lean(),
      ]);
      return [...(deal ? ['deals'] : []), ...(performance ? ['partner performance'] : [])];
    }),
}));
