import { startTestTrellis, TestTrellis } from '../support/trellis';
import { dealTenant, DealTenant } from './deal-fixtures';
import { approvedRun, closedWon, inMonth, monthsAgo, parseCsv, payable, runWhen } from './commissions-helpers';
import { inTenant } from '../../platform/tenant-context';
import { PayoutStatementModel, statementId } from '../../models/commissions/payout-statement';

/**
 * What a controller checks after a run, on the real stack: verify recalculates the run from its
 * snapshot and names a tampered statement; partners dispute lines of their own approved
 * statements and an accepted dispute is paid as an adjustment line in the next run (the disputed
 * run unchanged); the ledger filters, pages and balances; statements download as CSV. Every
 * endpoint refuses other tenants (404), other partners (404) and wrong roles (403).
 */
let app: TestTrellis;
let t: DealTenant;
let other: DealTenant;
let maker: string;
let checker: string;
let otherFinance: string;
let a: { partnerId: string; key: string };
let b: { partnerId: string; key: string };
let first: any;

const PLAN = { rates: { default: '0.10' }, clawback: { withinDays: 365 } };
const post = (key: string, path: string, body: unknown = {}, headers?: Record<string, string>) => app.http('POST', path, { key, body, headers });
const get = (key: string, path: string, headers?: Record<string, string>) => app.http('GET', path, { key, headers });

beforeAll(async () => {
  app = await startTestTrellis();
  t = await dealTenant(app);
  other = await dealTenant(app);
  maker = (await t.staff('finance')).key;
  checker = (await t.staff('finance')).key;
  otherFinance = (await other.staff('finance')).key;
  expect((await post(t.adminKey, '/v1/rule-sets/commission/versions', { definition: PLAN, effectiveFrom: '2020-01-01T00:00:00Z' })).status).toBe(201);
  a = await t.partner('gold');
  b = await t.partner('gold');
  await payable(t, a.partnerId);
  await payable(t, b.partnerId);
  await closedWon(app, a.key, '1000.00', inMonth(2, 10));
  await closedWon(app, a.key, '500.00', inMonth(2, 12));
  await closedWon(app, b.key, '2000.00', inMonth(2, 14));
  const started = await post(maker, '/v1/payout-runs', { period: monthsAgo(2) });
  first = await runWhen(app, maker, started.body.id, 'awaiting-approval');
}, 180000);
afterAll(async () => {
  await app?.stop();
});

test('before approval a partner cannot dispute; verify reproduces the run, once approved too', async () => {
  expect((await post(a.key, `/v1/payout-runs/${first.id}/disputes`, { line: 0, reason: 'too early' })).status).toBe(404);
  const before = await get(maker, `/v1/payout-runs/${first.id}/verify`);
  expect(before.status).toBe(200);
  expect(before.body).toMatchObject({ runId: first.id, valid: true, statements: 2, mismatches: [], snapshotHash: first.snapshotHash });
  first = (await post(checker, `/v1/payout-runs/${first.id}/approve`)).body;
  expect(first.status).toBe('approved');
  expect((await get(maker, `/v1/payout-runs/${first.id}/verify`)).body).toMatchObject({ valid: true, statements: 2, mismatches: [] });
  // Finance only; another tenant's run does not exist.
  for (const key of [t.adminKey, a.key]) expect((await get(key, `/v1/payout-runs/${first.id}/verify`)).status).toBe(403);
  expect((await get(otherFinance, `/v1/payout-runs/${first.id}/verify`)).status).toBe(404);
});

test('a statement downloads as CSV: every line with its deal, inputs, rule, rate and rounding, then the total', async () => {
  const json = (await get(a.key, `/v1/payout-runs/${first.id}/statements/${a.partnerId}`)).body;
  for (const asked of [get(a.key, `/v1/payout-runs/${first.id}/statements/${a.partnerId}?format=csv`), get(maker, `/v1/payout-runs/${first.id}/statements/${a.partnerId}`, { accept: 'text/csv' })]) {
    const res = await asked;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain(`statement-${monthsAgo(2)}-${a.partnerId}.csv`);
    const [header, ...rows] = parseCsv(res.text);
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    expect(rows).toHaveLength(json.lines.length + 1);
    json.lines.forEach((line: any, i: number) => {
      expect(col(rows[i], 'deal')).toBe(line.dealId);
      expect(col(rows[i], 'amount')).toBe(line.amount);
      expect(col(rows[i], 'rule')).toBe(line.rule);
      expect(col(rows[i], 'rate')).toBe(line.rate);
      expect(col(rows[i], 'rounding_mode')).toBe(line.rounding.mode);
      expect(JSON.parse(col(rows[i], 'inputs'))).toEqual(line.inputs);
    });
    expect([col(rows[rows.length - 1], 'kind'), col(rows[rows.length - 1], 'amount')]).toEqual(['total', '150.00']);
  }
  expect((await get(a.key, `/v1/payout-runs/${first.id}/statements/${b.partnerId}?format=csv`)).status).toBe(404);
  expect((await get(otherFinance, `/v1/payout-runs/${first.id}/statements/${a.partnerId}?format=csv`)).status).toBe(404);
  expect((await get(maker, `/v1/payout-runs/${first.id}/statements/${a.partnerId}?format=pdf`)).status).toBe(422);
});

describe('disputes', () => {
  let disputeA: any;
  let disputeB: any;

  test('a partner disputes a line of its own approved statement, once per open line, idempotently', async () => {
    const key = { 'Idempotency-Key': `dispute-${a.partnerId}` };
    const opened = await post(a.key, `/v1/payout-runs/${first.id}/disputes`, { line: 1, reason: 'the 500.00 deal had an uplift' }, key);
    expect(opened.status).toBe(201);
    disputeA = opened.body;
    expect(disputeA).toMatchObject({ runId: first.id, period: monthsAgo(2), partnerId: a.partnerId, line: 1, lineKind: 'commission', lineAmount: '50.00', status: 'open' });
    const replay = await post(a.key, `/v1/payout-runs/${first.id}/disputes`, { line: 1, reason: 'the 500.00 deal had an uplift' }, key);
    expect(replay.body.id).toBe(disputeA.id);
    const twice = await post(a.key, `/v1/payout-runs/${first.id}/disputes`, { line: 1, reason: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toContain(disputeA.id);
    const noLine = await post(a.key, `/v1/payout-runs/${first.id}/disputes`, { line: 7, reason: 'x' });
    expect(noLine.status).toBe(422);
    expect(noLine.body.field).toBe('body.line');
    expect((await post(a.key, `/v1/payout-runs/${first.id}/disputes`, { line: 0 })).status).toBe(422);
    disputeB = (await post(b.key, `/v1/payout-runs/${first.id}/disputes`, { line: 0, reason: 'rate should be 12 %' })).body;
    expect(disputeB.status).toBe('open');

    // Roles and isolation.
    for (const key of [maker, t.adminKey]) expect((await post(key, `/v1/payout-runs/${first.id}/disputes`, { line: 0, reason: 'x' })).status).toBe(403);
    const otherPartner = await other.partner('gold');
    expect((await post(otherPartner.key, `/v1/payout-runs/${first.id}/disputes`, { line: 0, reason: 'x' })).status).toBe(404);
    expect((await get(otherFinance, `/v1/payout-runs/${first.id}/disputes`)).status).toBe(404);
    expect((await get(otherFinance, `/v1/disputes/${disputeA.id}`)).status).toBe(404);
    expect((await get(otherFinance, '/v1/disputes')).body.items).toEqual([]);
    expect((await get(t.adminKey, '/v1/disputes')).status).toBe(403);
  });

  test('finance sees every dispute, a partner only its own', async () => {
    const all = (await get(maker, `/v1/payout-runs/${first.id}/disputes`)).body.items.map((d: any) => d.id);
    expect(all.sort()).toEqual([disputeA.id, disputeB.id].sort());
    expect((await get(b.key, `/v1/payout-runs/${first.id}/disputes`)).body.items.map((d: any) => d.id)).toEqual([disputeB.id]);
    expect((await get(b.key, '/v1/disputes?status=open')).body.items.map((d: any) => d.id)).toEqual([disputeB.id]);
    expect((await get(b.key, `/v1/disputes/${disputeA.id}`)).status).toBe(404);
    const paged = await get(maker, '/v1/disputes?status=open&limit=1');
    expect(paged.body.items).toHaveLength(1);
    const rest = await get(maker, `/v1/disputes?status=open&limit=1&cursor=${paged.body.nextCursor}`);
    expect([...paged.body.items, ...rest.body.items].map((d: any) => d.id).sort()).toEqual([disputeA.id, disputeB.id].sort());
  });

  test('finance accepts with an amount or rejects with a comment; a decision is made once', async () => {
    expect((await post(a.key, `/v1/disputes/${disputeA.id}/resolve`, { decision: 'accept', amountMinor: 2500 })).status).toBe(403);
    expect((await post(otherFinance, `/v1/disputes/${disputeA.id}/resolve`, { decision: 'accept', amountMinor: 2500 })).status).toBe(404);
    const noAmount = await post(maker, `/v1/disputes/${disputeA.id}/resolve`, { decision: 'accept' });
    expect([noAmount.status, noAmount.body.field]).toEqual([422, 'body.amountMinor']);
    expect((await post(maker, `/v1/disputes/${disputeA.id}/resolve`, { decision: 'accept', amountMinor: '25.00' })).status).toBe(422);
    const accepted = await post(maker, `/v1/disputes/${disputeA.id}/resolve`, { decision: 'accept', amountMinor: 2500, comment: 'uplift confirmed' });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', resolution: { decision: 'accept', amountMinor: 2500, amount: '25.00', comment: 'uplift confirmed' } });
    expect((await post(checker, `/v1/disputes/${disputeA.id}/resolve`, { decision: 'accept', amountMinor: 2500, comment: 'uplift confirmed' })).status).toBe(200);
    expect((await post(checker, `/v1/disputes/${disputeA.id}/resolve`, { decision: 'reject', comment: 'no' })).status).toBe(409);

    const noComment = await post(maker, `/v1/disputes/${disputeB.id}/resolve`, { decision: 'reject' });
    expect([noComment.status, noComment.body.field]).toEqual([422, 'body.comment']);
    expect((await post(maker, `/v1/disputes/${disputeB.id}/resolve`, { decision: 'reject', comment: 'the plan pays 10 %' })).body).toMatchObject({ status: 'rejected' });
    expect((await get(a.key, `/v1/disputes/${disputeA.id}`)).body.status).toBe('accepted');
    // The partner sees it at once in its pending earnings, as the next run will pay it.
    const pending = (await get(a.key, `/v1/partners/${a.partnerId}/earnings`)).body.pending;
    expect(pending.lines).toEqual([expect.objectContaining({ kind: 'adjustment', amount: '25.00', inputs: expect.objectContaining({ disputeId: disputeA.id }) })]);
    expect((await get(b.key, `/v1/partners/${b.partnerId}/earnings`)).body.pending.lines).toEqual([]);
    // The line is free again: a new dispute may be opened on it.
    expect((await post(b.key, `/v1/payout-runs/${first.id}/disputes`, { line: 0, reason: 'still think so' })).status).toBe(201);

    const audit = async (id: string) => (await get(maker, `/v1/audit?entityType=commission-dispute&entityId=${id}`)).body.items.map((e: any) => e.action).sort();
    expect(await audit(disputeA.id)).toEqual(['commission-dispute.opened', 'commission-dispute.resolved']);
    expect(await audit(disputeB.id)).toEqual(['commission-dispute.opened', 'commission-dispute.resolved']);
  });

  test("an accepted dispute is an adjustment line in the partner's next run; the disputed run stays as it was", async () => {
    const next = await approvedRun(app, maker, checker, monthsAgo(1));
    const statementA = (await get(a.key, `/v1/payout-runs/${next.id}/statements/${a.partnerId}`)).body;
    expect(statementA.lines).toEqual([expect.objectContaining({
      kind: 'adjustment', amount: '25.00', dealId: disputeA.dealId,
      rule: `accepted dispute ${disputeA.id} of line 1 in the ${monthsAgo(2)} run ${first.id}: uplift confirmed`,
      inputs: expect.objectContaining({ disputeId: disputeA.id, disputedRunId: first.id, reason: 'the 500.00 deal had an uplift' }),
    })]);
    expect(statementA.total).toBe('25.00');
    expect((await get(maker, `/v1/payout-runs/${next.id}/statements/${b.partnerId}`)).status).toBe(404);
    expect((await get(a.key, `/v1/payout-runs/${first.id}/statements/${a.partnerId}`)).body.total).toBe('150.00');
    for (const run of [first.id, next.id]) expect((await get(maker, `/v1/payout-runs/${run}/verify`)).body).toMatchObject({ valid: true, mismatches: [] });

    const ledger = (await get(maker, '/v1/ledger')).body;
    expect(ledger).toMatchObject({ postings: 3, balanced: true, payableByPartner: { [a.partnerId]: 17500, [b.partnerId]: 20000 } });
  });
});

test('the ledger filters by partner, run, account and dates, pages with a cursor and always balances', async () => {
  const all = (await get(maker, '/v1/ledger')).body;
  const mine = (await get(maker, `/v1/ledger?partnerId=${a.partnerId}`)).body;
  expect(mine.items.map((p: any) => p.partnerId)).toEqual([a.partnerId, a.partnerId]);
  expect(mine).toMatchObject({ postings: 2, balanced: true, partners: [{ partnerId: a.partnerId, owedMinor: 17500, paidMinor: 0, payableMinor: 17500 }] });
  const run = (await get(maker, `/v1/ledger?runId=${first.id}`)).body;
  expect(run).toMatchObject({ postings: 2, debitMinor: 35000, creditMinor: 35000, balanced: true });
  expect((await get(maker, '/v1/ledger?account=partner-payable')).body.postings).toBe(all.postings);
  const today = new Date().toISOString().slice(0, 10);
  expect((await get(maker, `/v1/ledger?to=${today}`)).body.postings).toBe(0);
  expect((await get(maker, `/v1/ledger?from=${today}`)).body.postings).toBe(all.postings);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = (await get(maker, `/v1/ledger?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).body;
    expect(page.balanced).toBe(true);
    seen.push(...page.items.map((p: any) => p.id));
    cursor = page.nextCursor;
  } while (cursor);
  expect(seen).toEqual(all.items.map((p: any) => p.id));
  expect(new Set(seen).size).toBe(3);

  const bad = await get(maker, '/v1/ledger?cursor=bm9wZQ');
  expect([bad.status, bad.body.field]).toEqual([422, 'query.cursor']);
  expect((await get(maker, '/v1/ledger?account=cash-ish')).status).toBe(422);
  expect((await get(a.key, '/v1/ledger')).status).toBe(403);
  expect((await get(otherFinance, `/v1/ledger?partnerId=${a.partnerId}`)).body).toMatchObject({ postings: 0, balanced: true, items: [] });
});

test('verify names a statement whose stored line was changed behind the run', async () => {
  await inTenant(t.tenantId, () => PayoutStatementModel.updateOne({ _id: statementId(first.id, b.partnerId) }, { $set: { 'lines.0.amountMinor': 20001 } }));
  const res = await get(maker, `/v1/payout-runs/${first.id}/verify`);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ valid: false, statements: 2 });
  expect(res.body.mismatches).toEqual([expect.objectContaining({ partnerId: b.partnerId, what: 'lines', line: 0, expectedHash: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
});

test('an adjustment is in one standing run at a time: a run in review keeps it, a rejected run gives it back', async () => {
  const opened = await post(a.key, `/v1/payout-runs/${first.id}/disputes`, { line: 0, reason: 'the 1000.00 deal too' });
  expect((await post(maker, `/v1/disputes/${opened.body.id}/resolve`, { decision: 'accept', amountMinor: 1000 })).status).toBe(200);
  const adjustmentsOf = async (runId: string) => {
    const res = await get(maker, `/v1/payout-runs/${runId}/statements/${a.partnerId}`);
    return res.status === 404 ? [] : res.body.lines.filter((l: any) => l.kind === 'adjustment').map((l: any) => [l.inputs.disputeId, l.amount]);
  };
  const held = await runWhen(app, maker, (await post(maker, '/v1/payout-runs', { period: monthsAgo(3) })).body.id, 'awaiting-approval');
  expect(await adjustmentsOf(held.id)).toEqual([[opened.body.id, '10.00']]);
  // Another period's run triggered while the first is in review does not pay it a second time.
  const meanwhile = await runWhen(app, maker, (await post(maker, '/v1/payout-runs', { period: monthsAgo(4) })).body.id, 'awaiting-approval');
  expect(await adjustmentsOf(meanwhile.id)).toEqual([]);
  expect((await post(checker, `/v1/payout-runs/${held.id}/reject`, { reason: 'recheck' })).body.status).toBe('rejected');
  const again = await approvedRun(app, maker, checker, monthsAgo(3));
  expect(again.attempt).toBe(2);
  expect(await adjustmentsOf(again.id)).toEqual([[opened.body.id, '10.00']]);
  expect((await get(maker, `/v1/ledger?partnerId=${a.partnerId}`)).body.partners).toEqual([{ partnerId: a.partnerId, owedMinor: 18500, paidMinor: 0, payableMinor: 18500 }]);
});
