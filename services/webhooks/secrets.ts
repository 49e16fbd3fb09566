import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { DomainError } from '../../domain/errors';

/**
 * Webhook signing secrets at rest. Trellis must read a secret back to sign each delivery, so it
 * is sealed (AES-256-GCM) rather than hashed, under a key derived (HKDF-SHA256) from the
 * deployment's sealing key (TRELLIS_WEBHOOK_KEY, else TRELLIS_PLATFORM_KEY), which is never
 * stored. The tenant and endpoint are the derivation salt and the authenticated data, so a
 * sealed secret copied onto another endpoint does not open. Secrets are never logged.
 */
const INFO = 'trellis webhook signing secret v1';
const VERSION = 'v1';

/** `whsec_` and 32 random bytes in base64, the Standard Webhooks form. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function requireKey(sealingKey: string | undefined): string {
  if (!sealingKey) {
    throw new DomainError('conflict', 'webhooks need a sealing key for their secrets: set TRELLIS_WEBHOOK_KEY (or TRELLIS_PLATFORM_KEY) and restart');
  }
  return sealingKey;
}

const binding = (tenantId: string, endpointId: string) => `${tenantId}/${endpointId}`;
const keyFor = (sealingKey: string, bound: string) => Buffer.from(hkdfSync('sha256', sealingKey, bound, INFO, 32));

export function sealSecret(secret: string, sealingKey: string | undefined, tenantId: string, endpointId: string): string {
  const bound = binding(tenantId, endpointId);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(requireKey(sealingKey), bound), iv);
  cipher.setAAD(Buffer.from(bound));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** Throws when the secret does not open: another sealing key, or a record moved or altered. */
export function openSecret(sealed: string, sealingKey: string | undefined, tenantId: string, endpointId: string): string {
  const bound = binding(tenantId, endpointId);
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('the sealed webhook secret is not in a known format');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(requireKey(sealingKey), bound), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(bound));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('the webhook secret does not open with this sealing key (was TRELLIS_WEBHOOK_KEY changed?)');
  }
}
