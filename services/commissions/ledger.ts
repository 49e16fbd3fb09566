import type { TenantId } from '../../platform/tenant-id';
import { invalid } from '../../domain/errors';
import { payoutStore } from '../../models/commissions/payout-repository';
import { LEDGER_ACCOUNTS, type LedgerPostingDoc } from '../../models/commissions/ledger-posting';

export { LEDGER_ACCOUNTS };

/**
 * The commissions ledger as finance reads it: postings (filtered, paged oldest first) and, over
 * every posting the filter matches, debits, credits and balance per account, and per partner what
 * was owed (payable credited), paid (payable debited) and is payable. Every posting balances on
 * its own, so `balanced` holds for any filter.
 */
export interface LedgerFilter {
  account?: string;
  partnerId?: string;
  runId?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

/** The most postings one answer adds up; a tenant beyond it filters by dates or run. */
const LEDGER_SCAN = 100_000;

const encodeCursor = (p: Pick<LedgerPostingDoc, 'postedAt' | '_id'>) => Buffer.from(`${new Date(p.postedAt).getTime()}|${p._id}`, 'utf8').toString('base64url');

function decodeCursor(cursor: string | undefined): { at: number; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const match = /^(\d{1,15})\|(.{1,200})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw invalid('query.cursor', 'query.cursor is not a cursor this API returned');
  return { at: Number(match[1]), id: match[2] };
}

const after = (p: LedgerPostingDoc, c: { at: number; id: string }) => {
  const at = new Date(p.postedAt).getTime();
  return at > c.at || (at === c.at && p._id > c.id);
};

export async function readLedger(tenantId: TenantId, filter: LedgerFilter) {
  const cursor = decodeCursor(filter.cursor);
  if (filter.from && filter.to && filter.from >= filter.to) throw invalid('query.to', 'query.to must be after query.from');
  const all = await payoutStore(tenantId).postings(LEDGER_SCAN, { runId: filter.runId, partnerId: filter.partnerId, from: filter.from, to: filter.to });
  const postings = filter.account ? all.filter((p) => p.entries.some((e) => e.account === filter.account)) : all;

  const accounts = new Map<string, { debitMinor: number; creditMinor: number }>(LEDGER_ACCOUNTS.map((a) => [a, { debitMinor: 0, creditMinor: 0 }]));
  const partners = new Map<string, { owedMinor: number; paidMinor: number }>();
  for (const posting of postings) {
    for (const entry of posting.entries) {
      let account = accounts.get(entry.account);
      if (!account) accounts.set(entry.account, (account = { debitMinor: 0, creditMinor: 0 }));
      account.debitMinor += entry.debitMinor;
      account.creditMinor += entry.creditMinor;
      if (entry.account === 'partner-payable' && entry.partnerId) {
        const partner = partners.get(entry.partnerId) ?? { owedMinor: 0, paidMinor: 0 };
        partner.owedMinor += entry.creditMinor;
        partner.paidMinor += entry.debitMinor;
        partners.set(entry.partnerId, partner);
      }
    }
  }
  const rows = [...accounts].map(([account, t]) => ({ account, ...t, balanceMinor: t.debitMinor - t.creditMinor }));
  const debitMinor = rows.reduce((s, r) => s + r.debitMinor, 0);
  const creditMinor = rows.reduce((s, r) => s + r.creditMinor, 0);

  const rest = cursor ? postings.filter((p) => after(p, cursor)) : postings;
  const page = rest.slice(0, filter.limit);
  return {
    items: page.map((p) => ({ id: p._id, runId: p.runId, partnerId: p.partnerId, event: p.event, currency: p.currency, postedAt: new Date(p.postedAt).toISOString(), entries: p.entries })),
    nextCursor: rest.length > filter.limit ? encodeCursor(page[page.length - 1]) : null,
    postings: postings.length,
    accounts: rows,
    partners: [...partners].sort(([a], [b]) => (a < b ? -1 : 1)).map(([partnerId, p]) => ({ partnerId, ...p, payableMinor: p.owedMinor - p.paidMinor })),
    payableByPartner: Object.fromEntries([...partners].map(([partnerId, p]) => [partnerId, p.owedMinor - p.paidMinor])),
    debitMinor,
    creditMinor,
    balanced: debitMinor === creditMinor,
    complete: all.length < LEDGER_SCAN,
  };
}
