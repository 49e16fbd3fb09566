import { repository } from '../repository';
import { TradingPartyModel, type TradingPartyDoc, type PartyKind, type PartyStatus } from './trading-party';

/** The tenant's trading parties. */
export const partyStore = repository((inScope) => ({
  byId: (partyId: string) => inScope(() => TradingPartyModel.findOne({ _id: partyId }).lean<TradingPartyDoc>()),
  /** Creates the party under its id; a retry with the same id finds the first attempt's. */
  async create(party: Omit<TradingPartyDoc, 'tenantId' | 'createdAt' | 'updatedAt'>): Promise<TradingPartyDoc> {
    await inScope(() => TradingPartyModel.updateOne({ _id: party._id }, { $setOnInsert: party }, { upsert: true }));
    return (await inScope(() => TradingPartyModel.findOne({ _id: party._id }).lean<TradingPartyDoc>()))!;
  },
  list: (opts: { kind?: PartyKind; before?: string; limit: number }) =>
    inScope(() =>
      TradingPartyModel.find({ ...(opts.kind ? { kind: opts.kind } : {}), ...(opts.before ? { _id: { $lt: opts.before } } : {}) })
        .sort({ _id: -1 }).limit(opts.limit + 1).lean<TradingPartyDoc[]>(),
    ),
  /**
   * Applies a change made against `version`. The store has no compare-and-set, so the version
   * guard narrows rather than closes the race; the read back tells the caller what won.
   */
  update: (partyId: string, version: number, change: { name?: string; status?: PartyStatus; contactEmail?: string; externalRef?: string }) =>
    inScope(() => TradingPartyModel.updateOne({ _id: partyId, version }, { $set: { ...change, version: version + 1 } })),
}));
