import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Sealing at rest for what Trellis must read back (a webhook signing secret, a partner's bank
 * account number), as opposed to what it only checks (API keys, sessions: hashed). AES-256-GCM
 * under a key derived with HKDF-SHA256 from the deployment's sealing key (never stored), with a
 * per-use `info` so two kinds of secret never share a key, and a `binding` (tenant and owner) as
 * both the derivation salt and the authenticated data, so a sealed value copied onto another
 * owner does not open. Format: `v1.<iv>.<tag>.<ciphertext>`, base64url.
 */
const VERSION = 'v1';

export interface SealingUse {
  /** HKDF info: which kind of secret this is. */
  info: string;
  /** Tenant and owner, e.g. `ten_…/whe_…`. */
  binding: string;
}

const keyFor = (sealingKey: string, use: SealingUse) => Buffer.from(hkdfSync('sha256', sealingKey, use.binding, use.info, 32));

export function seal(plaintext: string, sealingKey: string, use: SealingUse): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(sealingKey, use), iv);
  cipher.setAAD(Buffer.from(use.binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export class UnsealError extends Error {}

/** Throws UnsealError when the value is not in a known format or does not open (another key, another owner, altered). */
export function unseal(sealed: string, sealingKey: string, use: SealingUse): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new UnsealError('is not in a known format');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(sealingKey, use), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(use.binding));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new UnsealError('does not open with this sealing key');
  }
}
