import { repository } from '../repository';
import { PartnerModel, PartnerDoc, PartnerDocument, TierChange } from './partner';

export interface PartnerListFilter {
  status?: PartnerDoc['status'];
  tier?: string;
  /** A partner key lists only itself. */
  onlyPartnerId?: string;
  before?: string;
  limit: number;
}

/** The fields a partner is created with when its application is approved. */
export type NewPartner = Omit<PartnerDoc, '_id' | 'tenantId' | 'createdAt' | 'updatedAt'>;

/** A tenant's partners. Duplicate lookups skip offboarded partners: they no longer hold their tax id or domain. */
export const partnerStore = repository((inScope) => ({
  byId: (partnerId: string) => inScope(() => PartnerModel.findOne({ _id: partnerId }).lean()),

  tierHistoryOf: (partnerId: string) => inScope(() => PartnerModel.findOne({ _id: partnerId }, { tierHistory: 1 }).lean()),

  /** One more than `limit`, newest first, so the caller can tell whether another page follows. */
  list: (filter: PartnerListFilter) => inScope(() => {
    const query: Record<string, unknown> = {};
    if (filter.status) query.status = filter.status;
    if (filter.tier) query.tier = filter.tier;
    if (filter.before) query._id = { $lt: filter.before };
    if (filter.onlyPartnerId) query._id = filter.before ? { $lt: filter.before, $eq: filter.onlyPartnerId } : filter.onlyPartnerId;
    return PartnerModel.find(query).sort({ _id: -1 }).limit(filter.limit + 1).lean();
  }),

  /** Active partners after `after` in id order, for reviews that walk all of them. */
  activeAfter: (after: string, limit: number) =>
    inScope(() => PartnerModel.find({ status: 'active', _id: { $gt: after } }, { name: 1, tier: 1 }).sort({ _id: 1 }).limit(limit).lean()),

  /** What a payout run needs of each partner: tier history, status and documents (eligibility). */
  payoutFactsOf: (partnerIds: string[]) =>
    inScope(() => PartnerModel.find({ _id: { $in: partnerIds } }, { tierHistory: 1, status: 1, documents: 1 }).limit(partnerIds.length).lean<Pick<PartnerDoc, '_id' | 'tierHistory' | 'status' | 'documents'>[]>()),

  trainingOf: (partnerIds: string[]) => inScope(() => PartnerModel.find({ _id: { $in: partnerIds } }, { training: 1 }).lean()),

  liveIdsByTaxId: (taxId: string) => inScope(() => PartnerModel.find({ taxId, status: { $ne: 'offboarded' } }, { _id: 1 }).limit(5).lean()),

  liveIdsByEmailDomain: (emailDomain: string) =>
    inScope(() => PartnerModel.find({ emailDomain, status: { $ne: 'offboarded' } }, { _id: 1 }).limit(5).lean()),

  /** Creates the partner once: a retried provisioning finds it made and changes nothing. */
  createOnce: async (partnerId: string, partner: NewPartner): Promise<void> => {
    await inScope(() => PartnerModel.updateOne({ _id: partnerId }, { $setOnInsert: partner }, { upsert: true }));
  },

  /**
   * Replaces the documents and eligibility only if the partner is as it was read (`updatedAt`):
   * the store has no positional array updates, so this is the compare half of a compare-and-set.
   */
  setDocumentsIfUnchanged: async (partner: Pick<PartnerDoc, '_id' | 'updatedAt'>, documents: PartnerDocument[], payoutEligibility: PartnerDoc['payoutEligibility']): Promise<boolean> => {
    const result = await inScope(() => PartnerModel.updateOne({ _id: partner._id, updatedAt: partner.updatedAt }, { $set: { documents, payoutEligibility } }));
    return result.matchedCount === 1;
  },

  /** Keeps the first completion of a module. */
  addTraining: async (partnerId: string, module: string, completedAt: Date): Promise<void> => {
    await inScope(() => PartnerModel.updateOne({ _id: partnerId, 'training.module': { $ne: module } }, { $push: { training: { module, completedAt } } }));
  },

  /** Appends the change unless one from the same source is there; true when it was appended. */
  changeTierOnce: async (partnerId: string, change: TierChange & { source: string }): Promise<boolean> => {
    const result = await inScope(() => PartnerModel.updateOne(
      { _id: partnerId, 'tierHistory.source': { $ne: change.source } },
      { $push: { tierHistory: change }, $set: { tier: change.tier } },
    ));
    return result.modifiedCount === 1;
  },

  setGoodStanding: async (partnerId: string, goodStanding: boolean): Promise<void> => {
    await inScope(() => PartnerModel.updateOne({ _id: partnerId }, { $set: { goodStanding } }));
  },
}));
