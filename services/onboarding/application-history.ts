import { PartnerApplicationEventModel } from '../../models/onboarding/partner-application-event';
import type { PartnerApplicationDoc } from '../../models/onboarding/partner-application';
import { inTenant } from '../../platform/tenant-context';
import { isDuplicateKey } from '../../platform/store-errors';
import type { HistoryEntry } from '../../domain/onboarding/state';

/**
 * An application's history as separate entries (models/partner-application-event.ts) and its
 * projection onto the application read model: history, reminders and review decisions.
 */
export interface ApplicationEventInput {
  entry: HistoryEntry;
  reminder?: { step: string; to: string; at: string };
  decision?: { round: number; decision: string; reason?: string; by: string; role?: string; at: string };
}

/** Records one entry once: a second insert of the same seq fails on the unique index and is a no-op. */
export async function appendApplicationEvent(tenantId: string, applicationId: string, event: ApplicationEventInput): Promise<boolean> {
  try {
    await inTenant(tenantId, () => PartnerApplicationEventModel.create({
      _id: `${applicationId}.${event.entry.seq}`,
      applicationId,
      seq: event.entry.seq,
      entry: event.entry,
      ...(event.reminder ? { reminder: { ...event.reminder, at: new Date(event.reminder.at) } } : {}),
      ...(event.decision ? { decision: { ...event.decision, at: new Date(event.decision.at) } } : {}),
    }));
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/**
 * Adds each application's recorded entries to it. Applications recorded before entries were
 * separate documents keep their embedded arrays; entries are merged by seq, so none shows twice.
 */
export async function withHistory<D extends PartnerApplicationDoc>(tenantId: string, docs: D[], opts: { history: boolean }): Promise<D[]> {
  if (docs.length === 0) return docs;
  const ids = docs.map((d) => d._id);
  const filter = opts.history
    ? { applicationId: { $in: ids } }
    : { applicationId: { $in: ids }, $or: [{ reminder: { $exists: true } }, { decision: { $exists: true } }] };
  const events = await inTenant(tenantId, () => PartnerApplicationEventModel.find(filter, { _id: 0, tenantId: 0, createdAt: 0 }).sort({ applicationId: 1, seq: 1 }).lean());
  const byApp = new Map<string, typeof events>();
  for (const e of events) byApp.set(e.applicationId, [...(byApp.get(e.applicationId) ?? []), e]);
  return docs.map((doc) => {
    const mine = byApp.get(doc._id) ?? [];
    const bySeq = new Map<number, HistoryEntry>((doc.history ?? []).map((h) => [h.seq, h]));
    for (const e of mine) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e.entry);
    return {
      ...doc,
      ...(opts.history ? { history: [...bySeq.values()].sort((a, b) => a.seq - b.seq) } : {}),
      reminders: [...(doc.reminders ?? []), ...mine.flatMap((e) => (e.reminder ? [e.reminder] : []))],
      review: { ...(doc.review ?? { round: 0 }), decisions: [...(doc.review?.decisions ?? []), ...mine.flatMap((e) => (e.decision ? [e.decision] : []))] },
    };
  });
}
