import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { asTenantId, type TenantId } from '../../platform/tenant-id';

/**
 * Tenant keys read `trk_<tenant>_<key>_<secret>`: the tenant and key ids let authentication look
 * the key up inside its tenant's scope; only a SHA-256 of the whole key is stored (the secret
 * has 256 random bits, so a slow hash adds nothing). Platform keys read `trp_<secret>`.
 */
export interface IssuedKey {
  keyId: string;
  plaintext: string;
  hash: string;
  prefix: string;
}

export function hashKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function issueTenantKey(tenantId: string, keyId: string): IssuedKey {
  const secret = randomBytes(32).toString('base64url');
  const plaintext = `trk_${tenantId.slice(4)}_${keyId.slice(4)}_${secret}`;
  return { keyId, plaintext, hash: hashKey(plaintext), prefix: `trk_…${keyId.slice(-6)}_${secret.slice(0, 4)}…` };
}

export function issuePlatformKey(): string {
  return `trp_${randomBytes(32).toString('base64url')}`;
}

const TENANT_KEY = /^trk_([0-9a-hjkmnp-tv-z]{26})_([0-9a-hjkmnp-tv-z]{26})_([A-Za-z0-9_-]{43})$/;

export function parseTenantKey(plaintext: string): { tenantId: TenantId; keyId: string } | undefined {
  const match = TENANT_KEY.exec(plaintext);
  return match ? { tenantId: asTenantId(`ten_${match[1]}`), keyId: `key_${match[2]}` } : undefined;
}
