import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import { conflict } from '../../domain/errors';
import { minorUnitDigits } from '../../domain/locale';
import { checkBankAccount } from '../../domain/commissions/bank-account';
import { creditTransferXml, endToEndIdOf } from '../../domain/commissions/pain001';
import { payoutCsv } from '../../domain/commissions/payout-csv';
import { APPROVED_STATUSES } from '../../models/commissions/payout-run';
import { settlementStore } from '../../models/commissions/settlement-repository';
import type { AuditLog } from '../tenancy/audit';
import { openAccountsOf } from './bank-accounts';
import { getPayoutRun } from './payout-runs';

/**
 * The bank files of an approved run: every payment instruction with the partner's full account,
 * as CSV or as a pain.001.001.09 credit transfer from the tenant's payout debtor account. The same
 * run gives the same file (MsgId = run id, CreDtTm = approval), so an accidental second upload is
 * refused by the bank as a duplicate. Each download is in the audit chain.
 */
export type ExportFormat = 'csv' | 'pain.001';

type Deps = Pick<Services, 'config' | 'tenants'> & { audit: Pick<AuditLog, 'record'> };

export async function exportRun(services: Deps, tenantId: TenantId, runId: string, format: ExportFormat, by: string): Promise<{ contentType: string; filename: string; body: string }> {
  const run = await getPayoutRun(tenantId, runId);
  if (!APPROVED_STATUSES.includes(run.status)) throw conflict(`payout run ${runId} is ${run.status}; only an approved run has payments to export`);
  const instructions = await settlementStore(tenantId).instructionsOfRun(runId);
  const accounts = await openAccountsOf(services, tenantId, instructions.map((i) => i.partnerId));
  const missing = instructions.filter((i) => !accounts.has(i.partnerId)).map((i) => i.partnerId);
  if (missing.length > 0) {
    throw conflict(`no bank account for partner${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: set it with PUT /v1/partners/:id/bank-account from the verified bank-details document`, { partners: missing });
  }
  const digits = minorUnitDigits(run.currency);
  const payments = instructions.map((i) => ({ instruction: i, creditor: accounts.get(i.partnerId)!, endToEndId: endToEndIdOf(i.idempotencyKey) }));
  let file: { contentType: string; filename: string; body: string };
  if (format === 'csv') {
    const body = payoutCsv(payments.map((p) => ({ partnerId: p.instruction.partnerId, amountMinor: p.instruction.amountMinor, currency: p.instruction.currency, creditor: p.creditor, endToEndId: p.endToEndId, idempotencyKey: p.instruction.idempotencyKey })), digits);
    file = { contentType: 'text/csv; charset=utf-8', filename: `${runId}.csv`, body };
  } else {
    const tenant = await services.tenants.require(tenantId);
    const debtorInput = tenant.settings.payoutDebtor;
    const debtor = debtorInput && checkBankAccount(debtorInput);
    if (!debtor || !debtor.ok) throw conflict('the tenant has no payout debtor account: set settings.payoutDebtor (PUT /v1/settings) before exporting a pain.001');
    const body = creditTransferXml({
      messageId: runId,
      createdAt: new Date(run.decidedAt ?? run.updatedAt),
      executionDate: new Date(run.decidedAt ?? run.updatedAt).toISOString().slice(0, 10),
      currency: run.currency,
      initiatingParty: tenant.settings.displayName || tenant.name,
      debtor: debtor.account,
      transfers: payments.map((p) => ({ endToEndId: p.endToEndId, amountMinor: p.instruction.amountMinor, creditor: p.creditor, remittance: `Commission ${run.period} ${p.instruction.partnerId}` })),
    }, digits);
    file = { contentType: 'application/xml; charset=utf-8', filename: `${runId}.pain.001.xml`, body };
  }
  // Who took the partners' accounts out, and which file: the numbers themselves are not recorded.
  await services.audit.record(tenantId, {
    actor: { type: 'api-key', id: by, role: 'finance' }, action: 'payout-run.exported', entity: { type: 'payout-run', id: runId },
    data: { format, instructions: instructions.length, totalMinor: instructions.reduce((sum, i) => sum + i.amountMinor, 0), currency: run.currency },
  });
  return file;
}
