import { Type, Static } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, MoneyAmount } from '../../schemas';
import { Problem } from '../../problem';
import type { Actor } from '../../context';
import { asTenantId } from '../../../platform/tenant-id';
import { PAYOUT_RUN_ID_PATTERN } from '../../../services/commissions/payout-runs';
import { exportRun, type ExportFormat } from '../../../services/commissions/payout-files';
import { recordSettlements, type SettlementRequest } from '../../../services/commissions/settlements';

/** An approved run's bank files (CSV, pain.001) and what the bank did with them (settlements). */

function keyOf(actor: Actor): string {
  if (actor.kind !== 'key') throw new Problem('forbidden', 'payout files are handled with tenant keys');
  return actor.keyId;
}

const RunParams = Obj({ id: Type.String({ pattern: PAYOUT_RUN_ID_PATTERN }) });
const ExportQuery = Obj({
  format: Type.Union([Type.Literal('csv'), Type.Literal('pain.001')], { description: 'csv (one row per instruction) or pain.001 (ISO 20022 pain.001.001.09 credit transfer)' }),
});

const Status = Type.Union([Type.Literal('settled'), Type.Literal('rejected'), Type.Literal('returned')]);
const SettlementBody = Type.Union([
  Obj({
    settlements: Type.Array(Obj({
      instructionId: Type.String({ minLength: 1, maxLength: 80, description: 'the instruction id (GET /v1/payout-runs/:id/instructions)' }),
      status: Status,
      amount: MoneyAmount,
      date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: "the bank's booking or status date, YYYY-MM-DD" }),
      bankReference: Type.String({ minLength: 1, maxLength: 35 }),
      reason: Type.Optional(Type.String({ maxLength: 500 })),
    }), { minItems: 1, maxItems: 1000 }),
  }, { description: 'what the bank did, entered by hand' }),
  Obj({
    file: Obj({ content: Type.String({ minLength: 1, description: "the bank's pain.002, camt.054 or camt.053 file, base64-encoded (the message kind is read from the file)" }) }),
  }, { description: "the bank's status report or statement" }),
]);

const SettlementView = Obj({
  source: Type.String({ description: 'manual, pain.002, camt.054 or camt.053' }),
  applied: Type.Array(Obj({ instructionId: Type.String(), partnerId: Type.String(), status: Type.String(), amount: Type.String() })),
  unchanged: Type.Array(Obj({ instructionId: Type.String(), status: Type.String() }), { description: 'already recorded: a file uploaded again changes nothing' }),
  conflicts: Type.Array(Obj({ instructionId: Type.String(), status: Type.String(), detail: Type.String() }), { description: "answers in the file that contradict what is recorded (not applied)" }),
  unmatched: Type.Array(Obj({ endToEndId: Type.String(), status: Type.String() }), { description: "the file's transactions that are no instruction of this run" }),
  mismatched: Type.Array(Obj({ instructionId: Type.String(), endToEndId: Type.String(), amount: Type.String(), expected: Type.String() }), { description: 'matched by EndToEndId, but for another amount or currency (not applied)' }),
  ignored: Type.Integer({ description: 'acknowledgements and pending or unbooked entries' }),
  run: Obj({ id: Type.String(), status: Type.String(), paidAt: Type.Optional(Type.String()) }),
});

export const payoutFileRoutes = [
  route<unknown, Static<typeof ExportQuery>, Static<typeof RunParams>>({
    method: 'get',
    path: '/v1/payout-runs/:id/export',
    tag: 'Commissions',
    summary: "An approved run's payments as a bank file: CSV or an ISO 20022 pain.001.001.09 credit transfer, with the partners' full accounts (finance only; each download audited)",
    access: ['finance'],
    params: RunParams,
    query: ExportQuery,
    responses: {
      200: { description: 'The file', schema: Type.String(), contentType: 'application/xml' },
    },
    async handler({ tenant, params, query, services, actor }) {
      const file = await exportRun(services, asTenantId(tenant._id), params.id, query.format as ExportFormat, keyOf(actor));
      return { status: 200, body: file.body, headers: { 'Content-Type': file.contentType, 'Content-Disposition': `attachment; filename="${file.filename}"`, 'Cache-Control': 'no-store' } };
    },
  }),
  route<Static<typeof SettlementBody>, unknown, Static<typeof RunParams>>({
    method: 'post',
    path: '/v1/payout-runs/:id/settlements',
    tag: 'Commissions',
    summary: "Record what the bank did with the run's payments, by hand or from its pain.002 / camt.054 / camt.053 file (matched by EndToEndId). Settled posts payable/cash; rejected or returned reopens the payable for the next run; once nothing waits the run is paid and its period locked",
    access: ['finance'],
    params: RunParams,
    body: SettlementBody,
    responses: { 200: { description: 'What changed and what did not', schema: SettlementView } },
    async handler({ tenant, params, body, services, actor }) {
      const result = await recordSettlements(services, asTenantId(tenant._id), params.id, body as SettlementRequest, keyOf(actor));
      const { run, ...rest } = result;
      return { status: 200, body: { ...rest, run: { id: run._id, status: run.status, ...(run.paidAt ? { paidAt: new Date(run.paidAt).toISOString() } : {}) } } };
    },
  }),
];

