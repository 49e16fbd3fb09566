import type { TenantId } from '../../platform/tenant-id';
import type { Services } from '..';
import { conflict, invalid, notFound } from '../../domain/errors';
import { checkBankAccount, type BankAccount, type BankAccountInput } from '../../domain/commissions/bank-account';
import { bankAccountStore } from '../../models/commissions/bank-account-repository';
import type { PartnerBankAccountDoc } from '../../models/commissions/bank-account';
import { getPartner, visiblePartner } from '../onboarding/partners';
import type { AuditLog } from '../tenancy/audit';
import { openBankAccount, sealBankAccount } from './bank-account-sealing';

/**
 * Where a partner is paid. Finance copies the account from the partner's bank-details document
 * once onboarding has verified it (Trellis holds only the document's reference, e.g. a vault
 * URL); the check digits are checked here, the full number is sealed, and every read is masked.
 */

type Deps = Pick<Services, 'config'> & { audit: Pick<AuditLog, 'record'> };

export async function setBankAccount(services: Deps, tenantId: TenantId, partnerId: string, input: BankAccountInput, by: string): Promise<PartnerBankAccountDoc> {
  const partner = await getPartner(tenantId, partnerId);
  if (!partner) throw notFound(`partner ${partnerId}`);
  const checked = checkBankAccount(input);
  if (!checked.ok) throw invalid(checked.field, checked.reason);
  const document = (partner.documents ?? []).find((d) => d.kind === 'bank-details');
  if (!document?.verifiedAt) {
    throw conflict(`partner ${partnerId} has no verified bank-details document; verify it first (POST /v1/partners/${partnerId}/document-verifications)`);
  }
  const { account } = checked;
  const number = account.scheme === 'iban' ? account.iban : account.accountNumber;
  const saved = await bankAccountStore(tenantId).replace({
    _id: `bank_${partnerId}`,
    partnerId,
    scheme: account.scheme,
    holderName: account.holderName,
    bank: account.scheme === 'iban' ? account.bic : account.routingNumber,
    last4: number.slice(-4),
    sealed: sealBankAccount(account, services.config.webhooks.sealingKey, tenantId, partnerId),
    documentReference: document.reference,
    documentVerifiedAt: document.verifiedAt,
    setBy: by,
  });
  // The event names the document and the last four digits, never the account.
  await services.audit.record(tenantId, {
    actor: { type: 'api-key', id: by, role: 'finance' }, action: 'partner.bank-account-set', entity: { type: 'partner', id: partnerId },
    data: { scheme: saved.scheme, bank: saved.bank, last4: saved.last4, documentReference: saved.documentReference },
  });
  return saved;
}

/** The masked account as the caller may see it: a partner key only its own. */
export async function bankAccountOf(tenantId: TenantId, partnerId: string, onlyPartnerId?: string): Promise<PartnerBankAccountDoc> {
  await visiblePartner(tenantId, partnerId, onlyPartnerId);
  const account = await bankAccountStore(tenantId).ofPartner(partnerId);
  if (!account) throw notFound(`bank account of partner ${partnerId}`);
  return account;
}

/** The full accounts of some partners, opened for a bank file (finance only; never logged). */
export async function openAccountsOf(services: Pick<Services, 'config'>, tenantId: TenantId, partnerIds: string[]): Promise<Map<string, BankAccount>> {
  const opened = new Map<string, BankAccount>();
  for (const doc of await bankAccountStore(tenantId).ofPartners(partnerIds)) opened.set(doc.partnerId, openBankAccount(doc.sealed, services.config.webhooks.sealingKey, tenantId, doc.partnerId));
  return opened;
}
