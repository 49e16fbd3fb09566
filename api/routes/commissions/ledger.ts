import { Type } from '@sinclair/typebox';
import { typedRoute } from '../../route';
import { Obj, PageQuery, Limit } from '../../schemas';
import { PAYOUT_RUN_ID_PATTERN } from '../../../services/commissions/payout-runs';
import { verifyPayoutRun } from '../../../services/commissions/verify';
import { LEDGER_ACCOUNTS, readLedger } from '../../../services/commissions/ledger';

/** What a controller checks: the ledger with its balances, and a run recalculated from its snapshot. */

const Day = Type.String({ format: 'date', description: 'UTC date, YYYY-MM-DD' });
const LedgerQuery = Obj({
  account: Type.Optional(Type.Union(LEDGER_ACCOUNTS.map((a) => Type.Literal(a)), { description: 'postings with an entry on this account' })),
  partnerId: Type.Optional(Type.String({ pattern: '^ptn_[0-9a-z]{26}$' })),
  runId: Type.Optional(Type.String({ pattern: PAYOUT_RUN_ID_PATTERN })),
  from: Type.Optional(Day),
  to: Type.Optional(Type.String({ format: 'date', description: 'UTC date, exclusive' })),
  ...PageQuery,
});

const Entry = Obj({ account: Type.String(), partnerId: Type.Optional(Type.String()), debitMinor: Type.Integer(), creditMinor: Type.Integer() });
const LedgerView = Obj({
  items: Type.Array(Obj({ id: Type.String(), runId: Type.String(), partnerId: Type.String(), event: Type.String(), currency: Type.String(), postedAt: Type.String(), entries: Type.Array(Entry) })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  postings: Type.Integer({ description: 'postings the filter matches (all pages)' }),
  accounts: Type.Array(Obj({ account: Type.String(), debitMinor: Type.Integer(), creditMinor: Type.Integer(), balanceMinor: Type.Integer() })),
  partners: Type.Array(Obj({ partnerId: Type.String(), owedMinor: Type.Integer(), paidMinor: Type.Integer(), payableMinor: Type.Integer() })),
  payableByPartner: Type.Record(Type.String(), Type.Integer()),
  debitMinor: Type.Integer(),
  creditMinor: Type.Integer(),
  balanced: Type.Boolean({ description: 'total debits = total credits' }),
  complete: Type.Boolean({ description: 'false when more postings matched than one answer adds up (narrow the dates)' }),
});

const Mismatch = Obj({
  partnerId: Type.Optional(Type.String()),
  what: Type.String({ description: 'snapshot, plan, statement-missing, statement-unexpected, lines or hash' }),
  detail: Type.String(),
  line: Type.Optional(Type.Integer()),
  expectedHash: Type.Optional(Type.String()),
  storedHash: Type.Optional(Type.String()),
});
const VerifyView = Obj({
  runId: Type.String(),
  period: Type.String(),
  snapshotHash: Type.Optional(Type.String()),
  planVersion: Type.Union([Type.Integer(), Type.Null()]),
  valid: Type.Boolean(),
  statements: Type.Integer({ description: 'statements recalculated and compared' }),
  mismatches: Type.Array(Mismatch),
});

const dayStart = (day: string | undefined) => (day === undefined ? undefined : new Date(`${day}T00:00:00.000Z`));

export const ledgerRoutes = [
  typedRoute({
    method: 'get',
    path: '/v1/ledger',
    tag: 'Commissions',
    summary: 'The commissions ledger: postings (filtered by account, partner, run and dates; paged oldest first) and, over all that match, balances per account and what each partner is owed, was paid and is payable',
    access: ['finance', 'tenant-admin'],
    query: LedgerQuery,
    responses: { 200: { description: 'Postings and balances', schema: LedgerView } },
    async handler({ tenantId, query }) {
      const limit = query.limit ?? (Limit.default as number);
      return { status: 200, body: await readLedger(tenantId, { account: query.account, partnerId: query.partnerId, runId: query.runId, from: dayStart(query.from), to: dayStart(query.to), cursor: query.cursor, limit }) };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/payout-runs/:id/verify',
    tag: 'Commissions',
    summary: 'Recalculate a run from its frozen snapshot with the plan version it pinned and compare every statement hash; names each mismatch',
    access: ['finance'],
    params: Obj({ id: Type.String({ pattern: PAYOUT_RUN_ID_PATTERN }) }),
    responses: { 200: { description: 'Whether the run reproduces', schema: VerifyView } },
    async handler({ tenantId, params, services }) {
      return { status: 200, body: await verifyPayoutRun(services, tenantId, params.id) };
    },
  }),
];
