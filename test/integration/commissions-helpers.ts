import { waitFor, type TestTrellis } from '../support/trellis';
import { registration, dealWhen, type DealTenant } from './deal-fixtures';
import { PartnerModel } from '../../models/onboarding/partner';
import { DealReversalModel } from '../../models/deals/deal-reversal';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';

/** What the commissions tests share: past periods, payable partners, closed-won deals, runs. */

export const monthsAgo = (n: number): string => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 1)).toISOString().slice(0, 7);
};
/** Runs pay ended periods: deals close (and reversals land) inside an earlier month. */
export const inMonth = (n: number, day = 15): string => `${monthsAgo(n)}-${String(day).padStart(2, '0')}T12:00:00.000Z`;

/** Tax form and bank details verified, as onboarding records them: the partner may be paid. */
export async function payable(tenant: DealTenant, partnerId: string): Promise<void> {
  const verified = { submittedAt: new Date(), verifiedAt: new Date(), verifiedBy: 'test', reference: 'doc' };
  await inTenant(tenant.tenantId, () => PartnerModel.updateOne({ _id: partnerId }, { $set: { documents: [{ kind: 'tax-form', ...verified }, { kind: 'bank-details', ...verified }] } }));
}

export async function closedWon(app: TestTrellis, partnerKey: string, amount: string, closedAt: string): Promise<string> {
  const res = await app.http('POST', '/v1/deals', { key: partnerKey, body: registration({ amount }) });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${res.text}`);
  await dealWhen(app, partnerKey, res.body.id, (d) => d.status === 'protected');
  const closed = await app.http('POST', `/v1/deals/${res.body.id}/close`, { key: partnerKey, body: { outcome: 'won', amount, closedAt } });
  if (closed.status !== 200) throw new Error(`close failed: ${closed.status} ${closed.text}`);
  return res.body.id as string;
}

/** A refund recorded in a past month, written as the deals area records one (its API records them now). */
export async function refundedIn(tenant: DealTenant, deal: { id: string; partnerId: string }, amountMinor: number, at: string): Promise<void> {
  await inTenant(tenant.tenantId, () => DealReversalModel.create({
    _id: newId('drv'), dealId: deal.id, partnerId: deal.partnerId, seq: 1, kind: 'refund', amountMinor, currency: 'USD', totalReversedMinor: amountMinor,
    reason: 'returned', at: new Date(at), recordedBy: 'key_test',
  }));
}

export async function runWhen(app: TestTrellis, key: string, id: string, status: string): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = (await app.http('GET', `/v1/payout-runs/${id}`, { key })).body;
    return last.status === status;
  }, 60000);
  return last;
}

/** Triggers a period's run, waits for review and has the second finance key approve it. */
export async function approvedRun(app: TestTrellis, maker: string, checker: string, period: string): Promise<any> {
  const started = await app.http('POST', '/v1/payout-runs', { key: maker, body: { period } });
  if (started.status !== 202 && started.status !== 200) throw new Error(`trigger failed: ${started.status} ${started.text}`);
  await runWhen(app, maker, started.body.id, 'awaiting-approval');
  const approved = await app.http('POST', `/v1/payout-runs/${started.body.id}/approve`, { key: checker, body: {} });
  if (approved.status !== 200) throw new Error(`approve failed: ${approved.status} ${approved.text}`);
  return approved.body;
}

/** Statement downloads are read back with the console's own RFC 4180 reader (unit-tested in test/unit/console-csv.test.ts). */
export { parseCsv } from '../../console/csv';
