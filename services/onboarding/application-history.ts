import { applicationStore } from '../../models/onboarding/application-repository';
import type { PartnerApplicationDoc } from '../../models/onboarding/partner-application';
import type { TenantId } from '../../platform/tenant-id';
import type { HistoryEntry } from '../../domain/onboarding/state';

/**
 * Adds each application's recorded entries (models/onboarding/partner-application-event.ts) to it:
 * history, reminders and review decisions. Applications recorded before entries were separate
 * documents keep their embedded arrays; entries are merged by seq, so none shows twice.
 */
export async function withHistory<D extends PartnerApplicationDoc>(tenantId: TenantId, docs: D[], opts: { history: boolean }): Promise<D[]> {
  if (docs.length === 0) return docs;
  const events = await applicationStore(tenantId).eventsOf(docs.map((d) => d._id), opts);
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

/** Joins each accepted agreement's signer (name, email, address) back from its evidence, for staff. */
export async function withSigners<D extends PartnerApplicationDoc>(tenantId: TenantId, docs: D[]): Promise<D[]> {
  const ids = docs.flatMap((d) => (d.agreement?.acceptanceId ? [d.agreement.acceptanceId] : []));
  if (ids.length === 0) return docs;
  const evidence = await applicationStore(tenantId).acceptances(ids);
  const byId = new Map(evidence.map((e) => [e._id, e]));
  return docs.map((d) => {
    const e = d.agreement?.acceptanceId ? byId.get(d.agreement.acceptanceId) : undefined;
    return e && d.agreement ? { ...d, agreement: { ...d.agreement, signerName: e.signerName, signerEmail: e.signerEmail, ip: e.ip } } : d;
  });
}
