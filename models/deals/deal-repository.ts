import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { DealModel, OPEN_DEAL_STATUSES, type DealDoc, type DealHistoryEntry, type DealStatus } from './deal';

/** A page of deals, newest first; one more than `limit` is read so the caller knows if more follow. */
export interface DealPageRequest {
  before?: string;
  limit: number;
}

/** What the deal's own process decided about its customer claim at registration. */
export interface ClaimOutcome {
  held: boolean;
  conflict?: NonNullable<DealDoc['conflict']>;
}

/** The registered facts the first write of a deal carries (everything the process does not own). */
export type RegisteredDeal = Pick<
  DealDoc,
  | 'partnerId' | 'registeredBy' | 'customer' | 'customerKeys' | 'amountMinor' | 'currency' | 'amountTenantMinor'
  | 'tenantCurrency' | 'fxRate' | 'products' | 'expectedCloseDate' | 'notes' | 'tierAtRegistration' | 'ruleSetVersion'
>;

const CLOSE_FACTS = { partnerId: 1, closedAt: 1, closedAmountMinor: 1, closedCurrency: 1, closedAmountTenantMinor: 1, tenantCurrency: 1, products: 1 } as const;

const newestFirst = (filter: Record<string, unknown>, page: DealPageRequest) => {
  if (page.before) filter._id = { $lt: page.before };
  return DealModel.find(filter).sort({ _id: -1 }).limit(page.limit + 1).lean();
};

/** The deals read model of one tenant. */
export const dealStore = repository((inScope) => ({
  byId: (dealId: string) => inScope(() => DealModel.findOne({ _id: dealId }).lean()),

  /** Just enough to tell whether a deal still needs the customer it claims. */
  statusOf: (dealId: string) => inScope(() => DealModel.findOne({ _id: dealId }, { status: 1, createdAt: 1 }).lean<Pick<DealDoc, 'status' | 'createdAt'>>()),

  customerKeysOf: (dealId: string) => inScope(() => DealModel.findOne({ _id: dealId }, { customerKeys: 1 }).lean<Pick<DealDoc, 'customerKeys'>>()),

  ownerOf: (dealId: string) => inScope(() => DealModel.findOne({ _id: dealId }, { partnerId: 1, tenantCurrency: 1 }).lean<Pick<DealDoc, 'partnerId' | 'tenantCurrency'>>()),

  /** Deals newest first, of one partner or all, in one status or any. */
  page: (filter: { partnerId?: string; status?: DealStatus }, page: DealPageRequest) =>
    inScope(() => newestFirst({ ...(filter.partnerId ? { partnerId: filter.partnerId } : {}), ...(filter.status ? { status: filter.status } : {}) }, page)),

  /**
   * Deals closed won in [from, to), oldest close first, of one partner or all: what commissions
   * pay on.
   */
  closedWonBetween: (filter: { partnerId?: string }, from: Date, to: Date, limit: number) =>
    inScope(() =>
      DealModel.find({ ...(filter.partnerId ? { partnerId: filter.partnerId } : {}), status: 'closed', outcome: 'won', closedAt: { $gte: from, $lt: to } })
        .sort({ closedAt: 1, _id: 1 })
        .limit(limit)
        .lean(),
    ),

  /**
   * The same deals as a cursor in partner order (then close order), only the close facts: a payout
   * run's snapshot reads them one partner batch at a time in a single pass over the period.
   */
  closedWonByPartnerCursor: (from: Date, to: Date, batchSize: number) =>
    inScope(() =>
      DealModel.find({ status: 'closed', outcome: 'won', closedAt: { $gte: from, $lt: to } }, CLOSE_FACTS)
        .sort({ partnerId: 1, closedAt: 1, _id: 1 })
        .lean<Pick<DealDoc, '_id' | 'partnerId' | 'closedAt' | 'closedAmountMinor' | 'closedCurrency' | 'closedAmountTenantMinor' | 'tenantCurrency' | 'products'>[]>()
        .cursor({ batchSize }),
    ),

  /** The close facts of the given deals (what a reversal of them is measured against). */
  closesOf: (dealIds: string[]) =>
    inScope(() =>
      DealModel.find({ _id: { $in: dealIds }, status: 'closed', outcome: 'won' }, { partnerId: 1, closedAt: 1, closedAmountMinor: 1, closedCurrency: 1, closedAmountTenantMinor: 1, tenantCurrency: 1 })
        .limit(dealIds.length)
        .lean<Pick<DealDoc, '_id' | 'partnerId' | 'closedAt' | 'closedAmountMinor' | 'closedCurrency' | 'closedAmountTenantMinor' | 'tenantCurrency'>[]>(),
    ),

  /** Deals whose current step an approver can decide: for its role, open to anyone or naming it. */
  awaiting: (approver: { role: string; keyId: string }, page: DealPageRequest) =>
    inScope(() => newestFirst({ awaitingRole: approver.role, $or: [{ 'currentStep.anyone': true }, { 'currentStep.actors': approver.keyId }] }, page)),

  /** Open deals untouched since `cutoff` whose process may be gone (see the stale-deal reaper). */
  staleOpen: (cutoff: Date, limit: number) =>
    inScope(() =>
      DealModel.find({
        status: { $in: OPEN_DEAL_STATUSES },
        updatedAt: { $lt: cutoff },
        $or: [{ status: 'submitted' }, { protectedUntil: { $lt: cutoff } }, { 'currentStep.deadline': { $lt: cutoff } }],
      }).sort({ updatedAt: 1 }).limit(limit).lean(),
    ),

  /** Writes the deal as registered, `submitted`, unless it exists (a retry finds the first write). */
  registerOnce: (dealId: string, facts: RegisteredDeal, registered: DealHistoryEntry) =>
    inScope(async () => {
      try {
        await DealModel.updateOne(
          { _id: dealId },
          { $setOnInsert: { ...facts, status: 'submitted', claimHeld: false, rev: 0, history: [registered] } },
          { upsert: true },
        );
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // a concurrent attempt inserted it
      }
    }),

  /** Records the claim outcome, only while the process has published nothing after it (`rev` 0). */
  recordClaim: (dealId: string, outcome: ClaimOutcome) =>
    inScope(() =>
      DealModel.updateOne(
        { _id: dealId, rev: 0 },
        outcome.conflict ? { $set: { claimHeld: outcome.held, conflict: outcome.conflict } } : { $set: { claimHeld: outcome.held }, $unset: { conflict: 1 } },
      ),
    ),

  /**
   * Sets what the deal's process owns, unless a newer `rev` is stored already. History entries are
   * set by their index (`firstNew` on), not pushed, so a retried write puts each in its one place.
   */
  publish: (dealId: string, rev: number, state: Partial<DealDoc>, firstNew: number, entries: DealHistoryEntry[]) => {
    const byIndex: Record<string, DealHistoryEntry> = {};
    entries.forEach((entry, i) => {
      byIndex[`history.${firstNew + i}`] = entry;
    });
    return inScope(() => DealModel.updateOne({ _id: dealId, rev: { $lt: rev } }, { $set: { ...state, ...byIndex, rev } }));
  },

  claimsReleased: (dealId: string) => inScope(() => DealModel.updateOne({ _id: dealId }, { $set: { claimHeld: false } })),

  /**
   * Closes a deal as `abandoned`, guarded by the state that was judged (status and `rev`), and
   * answers whether the deal is abandoned now.
   */
  abandon: (deal: Pick<DealDoc, '_id' | 'status' | 'rev' | 'history'>, entry: DealHistoryEntry) =>
    inScope(async () => {
      await DealModel.updateOne(
        { _id: deal._id, status: deal.status, rev: deal.rev },
        {
          $set: {
            status: 'abandoned', claimHeld: false, currentStep: null, awaitingRole: null, rev: deal.rev + 1,
            [`history.${(deal.history ?? []).length}`]: entry,
          },
        },
      );
      const now = await DealModel.findOne({ _id: deal._id }, { status: 1 }).lean();
      return now?.status === 'abandoned';
    }),
}));
