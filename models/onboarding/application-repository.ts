import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { CLOSED_STATUSES, type ApplicationStatus, type HistoryEntry } from '../../domain/onboarding/state';
import type { DuplicateFlag } from '../../domain/onboarding/checks';
import { PartnerApplicationModel, PartnerApplicationDoc } from './partner-application';
import { PartnerApplicationEventModel } from './partner-application-event';
import { PartnerAgreementAcceptanceModel, PartnerAgreementAcceptanceDoc } from './partner-agreement-acceptance';

export type NewApplication = Omit<PartnerApplicationDoc, 'tenantId' | 'createdAt' | 'updatedAt'>;

export interface ApplicationEventInput {
  entry: HistoryEntry;
  reminder?: { step: string; to: string; at: string };
  decision?: { round: number; decision: string; reason?: string; by: string; role?: string; at: string };
}

/** Applications still open for duplicate checks: not closed, and not the one being checked. */
const openBesides = (applicationId: string) => ({ _id: { $ne: applicationId }, status: { $nin: CLOSED_STATUSES } });

/**
 * A tenant's partner applications with what belongs to each: its history entries (one document
 * each, models/onboarding/partner-application-event.ts) and its agreement-acceptance evidence.
 * Staff reads never carry the applicant's token hash.
 */
export const applicationStore = repository((inScope) => ({
  create: (application: NewApplication) => inScope(async () => (await PartnerApplicationModel.create(application)).toObject() as PartnerApplicationDoc),

  /** With the token hash: for the applicant's own reads and the workflow's activities. */
  byId: (applicationId: string) => inScope(() => PartnerApplicationModel.findOne({ _id: applicationId }).lean()),

  forStaff: (applicationId: string) => inScope(() => PartnerApplicationModel.findOne({ _id: applicationId }, { applicantTokenHash: 0 }).lean()),

  /** One more than `limit`, newest first, without history, so the caller can tell whether another page follows. */
  list: (filter: { status?: ApplicationStatus; before?: string; limit: number }) => inScope(() => {
    const query: Record<string, unknown> = {};
    if (filter.status) query.status = filter.status;
    if (filter.before) query._id = { $lt: filter.before };
    return PartnerApplicationModel.find(query, { applicantTokenHash: 0, history: 0 }).sort({ _id: -1 }).limit(filter.limit + 1).lean();
  }),

  openIdsByTaxId: (taxId: string, besides: string) =>
    inScope(() => PartnerApplicationModel.find({ 'applicant.taxId': taxId, ...openBesides(besides) }, { _id: 1 }).limit(5).lean()),

  openIdsByEmailDomain: (emailDomain: string, besides: string) =>
    inScope(() => PartnerApplicationModel.find({ 'applicant.emailDomain': emailDomain, ...openBesides(besides) }, { _id: 1 }).limit(5).lean()),

  setPossibleDuplicates: async (applicationId: string, flags: DuplicateFlag[]): Promise<void> => {
    await inScope(() => PartnerApplicationModel.updateOne({ _id: applicationId }, { $set: { possibleDuplicates: flags } }));
  },

  /** Sets the patch unless a newer progress (a higher seq) already set one: a late retry cannot undo it. */
  applyProgress: async (applicationId: string, seq: number, patch: Record<string, unknown>): Promise<void> => {
    await inScope(() => PartnerApplicationModel.updateOne(
      { _id: applicationId, $or: [{ progressSeq: { $exists: false } }, { progressSeq: { $lte: seq } }] },
      { $set: { ...patch, progressSeq: seq } },
    ));
  },

  submittedBefore: (cutoff: Date, limit: number) =>
    inScope(() => PartnerApplicationModel.find({ status: 'submitted', createdAt: { $lt: cutoff } }, { _id: 1, invitationId: 1 }).sort({ _id: 1 }).limit(limit).lean()),

  /** Closes the application as expired only if it is still `submitted`. */
  expireSubmitted: async (applicationId: string, reason: string, closedAt: Date): Promise<void> => {
    await inScope(() => PartnerApplicationModel.updateOne({ _id: applicationId, status: 'submitted' }, { $set: { status: 'expired', closedReason: reason, closedAt } }));
  },

  /** Records one entry once: a second insert of the same seq fails on the unique index and is a no-op. */
  appendEvent: (applicationId: string, event: ApplicationEventInput): Promise<boolean> => inScope(async () => {
    try {
      await PartnerApplicationEventModel.create({
        _id: `${applicationId}.${event.entry.seq}`,
        applicationId,
        seq: event.entry.seq,
        entry: event.entry,
        ...(event.reminder ? { reminder: { ...event.reminder, at: new Date(event.reminder.at) } } : {}),
        ...(event.decision ? { decision: { ...event.decision, at: new Date(event.decision.at) } } : {}),
      });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }),

  /** The applications' entries in seq order; without `history`, only those carrying a reminder or decision. */
  eventsOf: (applicationIds: string[], opts: { history: boolean }) => inScope(() => {
    const filter = opts.history
      ? { applicationId: { $in: applicationIds } }
      : { applicationId: { $in: applicationIds }, $or: [{ reminder: { $exists: true } }, { decision: { $exists: true } }] };
    return PartnerApplicationEventModel.find(filter, { _id: 0, tenantId: 0, createdAt: 0 }).sort({ applicationId: 1, seq: 1 }).lean();
  }),

  /** Upserted by id: a retried acceptance writes the same evidence once. */
  recordAcceptance: async (acceptanceId: string, evidence: Omit<PartnerAgreementAcceptanceDoc, '_id' | 'tenantId'>): Promise<void> => {
    await inScope(() => PartnerAgreementAcceptanceModel.updateOne({ _id: acceptanceId }, { $setOnInsert: evidence }, { upsert: true }));
  },

  acceptances: (acceptanceIds: string[]) => inScope(() => PartnerAgreementAcceptanceModel.find({ _id: { $in: acceptanceIds } }).lean()),
}));
