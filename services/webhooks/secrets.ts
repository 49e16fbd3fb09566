import { randomBytes } from 'node:crypto';
import { seal, unseal, UnsealError } from '../../platform/sealing';
import { DomainError } from '../../domain/errors';

/**
 * Webhook signing secrets at rest. Trellis must read a secret back to sign each delivery, so it
 * is sealed (AES-256-GCM) rather than hashed, under a key derived (HKDF-SHA256) from the
 * deployment's sealing key (TRELLIS_WEBHOOK_KEY, else TRELLIS_PLATFORM_KEY), which is never
 * stored. The tenant and endpoint are the derivation salt and the authenticated data, so a
 * sealed secret copied onto another endpoint does not open. Secrets are never logged.
 */
const INFO = 'trellis webhook signing secret v1';

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

const use = (tenantId: string, endpointId: string) => ({ info: INFO, binding: `${tenantId}/${endpointId}` });

export function sealSecret(secret: string, sealingKey: string | undefined, tenantId: string, endpointId: string): string {
  return seal(secret, requireKey(sealingKey), use(tenantId, endpointId));
}

/** Throws when the secret does not open: another sealing key, or a record moved or altered. */
export function openSecret(sealed: string, sealingKey: string | undefined, tenantId: string, endpointId: string): string {
  try {
    return unseal(sealed, requireKey(sealingKey), use(tenantId, endpointId));
  } catch (err) {
    if (!(err instanceof UnsealError)) throw err;
    throw new Error(`the webhook secret ${err.message} (was TRELLIS_WEBHOOK_KEY changed?)`, { cause: err });
  }
}
