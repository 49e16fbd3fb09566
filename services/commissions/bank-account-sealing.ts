import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
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
const VERSION = 'v1';

function requireKey(sealingKey: string | undefined): string {
  if (!sealingKey) throw new DomainError('conflict', 'bank accounts need a sealing key: set TRELLIS_WEBHOOK_KEY (or TRELLIS_PLATFORM_KEY) and restart');
  return sealingKey;
}

const binding = (tenantId: string, partnerId: string) => `${tenantId}/${partnerId}`;
const keyFor = (sealingKey: string, bound: string) => Buffer.from(hkdfSync('sha256', sealingKey, bound, INFO, 32));

export function sealBankAccount(account: BankAccount, sealingKey: string | undefined, tenantId: string, partnerId: string): string {
  const bound = binding(tenantId, partnerId);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(requireKey(sealingKey), bound), iv);
  cipher.setAAD(Buffer.from(bound));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(account), 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** Throws when the account does not open: another sealing key, or a record moved or altered. */
export function openBankAccount(sealed: string, sealingKey: string | undefined, tenantId: string, partnerId: string): BankAccount {
  const bound = binding(tenantId, partnerId);
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('the sealed bank account is not in a known format');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(requireKey(sealingKey), bound), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(bound));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return JSON.parse(Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')) as BankAccount;
  } catch {
    throw new Error(`the bank account of partner ${partnerId} does not open with this sealing key (was the sealing key changed?)`);
  }
}
