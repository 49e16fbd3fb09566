import fc from 'fast-check';
import { startTestTrellis, TestTrellis } from '../support/trellis';
import { dealTenant } from './deal-fixtures';
import { approvedRun, closedWon, inMonth, monthsAgo, payable, refundedIn } from './commissions-helpers';

/**
 * A property on the real stack: after any sequence of monthly payout runs, with deals closed won,
 * refunds of them (full or half, in the same month or a later one) and disputes accepted or
 * rejected between runs, the ledger balances and each partner's payable is what it was owed (a
 * model of the plan: 10 %, negative balances carried, accepted disputes paid in the next run)
 * minus what it was paid; and every run still verifies against its snapshot. Modest sizes: every
 * deal goes through registration, protection and close on the stack.
 */
let app: TestTrellis;

beforeAll(async () => {
  app = await startTestTrellis();
});
afterAll(async () => {
  await app?.stop();
});

const PERIODS = 3;
const Deal = fc.record({ partner: fc.integer({ min: 0, max: 1 }), dollars: fc.integer({ min: 1, max: 300 }).map((n) => n * 10) });
const Refund = fc.record({ pick: fc.nat(), half: fc.boolean() });
const Dispute = fc.record({ partner: fc.integer({ min: 0, max: 1 }), accept: fc.boolean(), amountMinor: fc.integer({ min: -3000, max: 3000 }).filter((n) => n !== 0) });
const Month = fc.record({ deals: fc.array(Deal, { maxLength: 2 }), refunds: fc.array(Refund, { maxLength: 1 }), disputes: fc.array(Dispute, { maxLength: 1 }) });
const Scenario = fc.array(Month, { minLength: PERIODS, maxLength: PERIODS });

test('the ledger balances and payable = owed - paid after any runs, reversals and accepted disputes', async () => {
  await fc.assert(
    fc.asyncProperty(Scenario, async (months) => {
      const t = await dealTenant(app);
      const [maker, checker] = [(await t.staff('finance')).key, (await t.staff('finance')).key];
      const plan = await app.http('POST', '/v1/rule-sets/commission/versions', { key: t.adminKey, body: { definition: { rates: { default: '0.10' }, clawback: { withinDays: 3650 } }, effectiveFrom: '2020-01-01T00:00:00Z' } });
      expect(plan.status).toBe(201);
      const partners = [await t.partner('gold'), await t.partner('gold')];
      for (const p of partners) await payable(t, p.partnerId);

      // The model: what each partner earns in a month, carries and is owed in total.
      const closed: { id: string; partner: number; minor: number; refunded: boolean }[] = [];
      const carried = [0, 0];
      const owed = [0, 0];
      let payments = 0;
      let adjustments = [0, 0];
      const runs: string[] = [];
      for (const [i, month] of months.entries()) {
        const ago = PERIODS - i;
        const earned = [...adjustments];
        adjustments = [0, 0];
        for (const [d, deal] of month.deals.entries()) {
          const id = await closedWon(app, partners[deal.partner].key, `${deal.dollars}.00`, inMonth(ago, 5 + d));
          closed.push({ id, partner: deal.partner, minor: deal.dollars * 100, refunded: false });
          earned[deal.partner] += deal.dollars * 10;
        }
        for (const refund of month.refunds) {
          const open = closed.filter((c) => !c.refunded);
          if (open.length === 0) continue;
          const deal = open[refund.pick % open.length];
          deal.refunded = true;
          const minor = refund.half ? deal.minor / 2 : deal.minor;
          await refundedIn(t, { id: deal.id, partnerId: partners[deal.partner].partnerId }, minor, inMonth(ago, 25));
          earned[deal.partner] -= minor / 10;
        }
        const run = await approvedRun(app, maker, checker, monthsAgo(ago));
        runs.push(run.id);
        for (const p of [0, 1]) {
          const total = carried[p] + earned[p];
          carried[p] = total < 0 ? total : 0;
          owed[p] += Math.max(total, 0);
          if (total > 0) payments += 1;
        }
        for (const dispute of month.disputes) {
          const p = partners[dispute.partner];
          const statement = await app.http('GET', `/v1/payout-runs/${run.id}/statements/${p.partnerId}`, { key: p.key });
          if (statement.status === 404) continue;
          const opened = await app.http('POST', `/v1/payout-runs/${run.id}/disputes`, { key: p.key, body: { line: 0, reason: 'property' } });
          expect(opened.status).toBe(201);
          const body = dispute.accept ? { decision: 'accept', amountMinor: dispute.amountMinor } : { decision: 'reject', comment: 'no' };
          expect((await app.http('POST', `/v1/disputes/${opened.body.id}/resolve`, { key: maker, body })).status).toBe(200);
          if (dispute.accept) adjustments[dispute.partner] += dispute.amountMinor;
        }
      }

      const ledger = (await app.http('GET', '/v1/ledger', { key: maker })).body;
      expect(ledger.balanced).toBe(true);
      expect(ledger.debitMinor).toBe(ledger.creditMinor);
      expect(ledger.postings).toBe(payments);
      for (const [p, partner] of partners.entries()) {
        const row = ledger.partners.find((r: { partnerId: string }) => r.partnerId === partner.partnerId) ?? { owedMinor: 0, paidMinor: 0, payableMinor: 0 };
        expect(row.owedMinor).toBe(owed[p]);
        expect(row.payableMinor).toBe(row.owedMinor - row.paidMinor);
        expect(ledger.payableByPartner[partner.partnerId] ?? 0).toBe(row.payableMinor);
      }
      for (const runId of runs) expect((await app.http('GET', `/v1/payout-runs/${runId}/verify`, { key: maker })).body).toMatchObject({ valid: true, mismatches: [] });
    }),
    { numRuns: 6, endOnFailure: true },
  );
}, 900000);
