import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Shown-once secrets (API keys, tokens) in a reply that is remembered for an Idempotency-Key.
 * They never reach Redis in clear: a reply for an authenticated caller is sealed with AES-256-GCM
 * under a key derived (HKDF-SHA256) from the credential that caller presented, which the server
 * never stores, so the record is useless to whoever reads Redis or its AOF file, and only the
 * same caller can open it again. A caller without a credential gets the reply stored without its
 * secrets (see withoutSecrets).
 */
const INFO = 'trellis idempotent reply v1';
const VERSION = 'v1';

/** The reply key for one stored record: bound to the record, so a sealed value cannot be moved. */
function replyKey(credential: string, recordKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', credential, recordKey, INFO, 32));
}

/** `v1.<iv>.<tag>.<ciphertext>`, base64url; the record key is also authenticated data. */
export function seal(value: unknown, credential: string, recordKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', replyKey(credential, recordKey), iv);
  cipher.setAAD(Buffer.from(recordKey));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** The sealed value, or undefined when the credential (or record) is not the one it was sealed for. */
export function open(sealed: string, credential: string, recordKey: string): unknown {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', replyKey(credential, recordKey), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(recordKey));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A copy of `body` without the fields at the given dotted paths (`key`, `partnerKey`, `a.b`). */
export function withoutSecrets(body: unknown, paths: readonly string[]): unknown {
  if (body === null || typeof body !== 'object') return body;
  const copy = structuredClone(body) as Record<string, unknown>;
  for (const path of paths) {
    const parts = path.split('.');
    let node: unknown = copy;
    for (const part of parts.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    if (node && typeof node === 'object') delete (node as Record<string, unknown>)[parts[parts.length - 1]];
  }
  return copy;
}
