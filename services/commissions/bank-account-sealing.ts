import { seal, unseal, UnsealError } from '../../platform/sealing';
import { DomainError } from '../../domain/errors';
import type { BankAccount } from '../../domain/commissions/bank-account';

/**
 * Partners' bank accounts at rest. A bank file needs the full account number, so it is sealed
 * (AES-256-GCM) rather than hashed, under a key derived (HKDF-SHA256) from the deployment's
 * sealing key (TRELLIS_WEBHOOK_KEY, else TRELLIS_PLATFORM_KEY; never stored) with its own
 * derivation info, so a bank account and a webhook secret never share a key. The tenant and
 * partner are the salt and the authenticated data: a sealed account copied onto another partner
 * does not open. Never logged, never in an audit event or a workflow history.
 */
const INFO = 'trellis partner bank account v1';

function requireKey(sealingKey: string | undefined): string {
  if (!sealingKey) throw new DomainError('conflict', 'bank accounts need a sealing key: set TRELLIS_WEBHOOK_KEY (or TRELLIS_PLATFORM_KEY) and restart');
  return sealingKey;
}

const use = (tenantId: string, partnerId: string) => ({ info: INFO, binding: `${tenantId}/${partnerId}` });

export function sealBankAccount(account: BankAccount, sealingKey: string | undefined, tenantId: string, partnerId: string): string {
  return seal(JSON.stringify(account), requireKey(sealingKey), use(tenantId, partnerId));
}

/** Throws when the account does not open: another sealing key, or a record moved or altered. */
export function openBankAccount(sealed: string, sealingKey: string | undefined, tenantId: string, partnerId: string): BankAccount {
  try {
    return JSON.parse(unseal(sealed, requireKey(sealingKey), use(tenantId, partnerId))) as BankAccount;
  } catch (err) {
    if (!(err instanceof UnsealError)) throw err;
    throw new Error(`the bank account of partner ${partnerId} ${err.message} (was the sealing key changed?)`, { cause: err });
  }
}
