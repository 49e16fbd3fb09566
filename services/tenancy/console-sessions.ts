import type { Redis } from 'ioredis';
import type { ApiKeys, KeyPrincipal } from './api-keys';
import { asTenantId } from '../../platform/tenant-id';
import { newSessionToken, sessionIdOf } from '../../domain/tenancy/console-session-token';
import { DomainError } from '../../domain/errors';

interface StoredSession {
  tenantId: string;
  keyId: string;
  expiresAt: string;
}

export interface ConsoleSession extends KeyPrincipal {
  expiresAt: Date;
}

/**
 * Console sign-ins: an API key exchanged for a short-lived session (docs/console.md). Redis holds
 * each session under the SHA-256 of its token, with the key it was opened with and a TTL; the
 * token itself exists only in the browser's HttpOnly cookie. Every use re-reads the key, so a
 * revoked key's sessions stop working on their next request, and the role is always the key's
 * current one.
 */
export class ConsoleSessions {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly apiKeys: ApiKeys,
  ) {}

  private keyOf(token: string): string {
    return `${this.prefix}:console-session:${sessionIdOf(token)}`;
  }

  /** Opens a session for a live tenant key; the token is returned once, for the cookie. */
  async open(principal: KeyPrincipal): Promise<{ token: string; expiresAt: Date }> {
    const token = newSessionToken();
    const expiresAt = new Date(Date.now() + this.ttlSeconds * 1000);
    const stored: StoredSession = { tenantId: principal.tenantId, keyId: principal.keyId, expiresAt: expiresAt.toISOString() };
    await this.redis.set(this.keyOf(token), JSON.stringify(stored), 'EX', this.ttlSeconds);
    return { token, expiresAt };
  }

  /** The session a token opens, or undefined when it is unknown, expired, or its key was revoked. */
  async resolve(token: string): Promise<ConsoleSession | undefined> {
    const raw = await this.redis.get(this.keyOf(token));
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as StoredSession;
    const tenantId = asTenantId(stored.tenantId);
    const key = await this.apiKeys.get(tenantId, stored.keyId).catch((err: unknown) => {
      if (err instanceof DomainError && err.kind === 'not-found') return undefined;
      throw err;
    });
    if (!key || key.revokedAt) {
      await this.redis.del(this.keyOf(token));
      return undefined;
    }
    return { tenantId, keyId: key._id, role: key.role, ...(key.partyId ? { partyId: key.partyId } : {}), expiresAt: new Date(stored.expiresAt) };
  }

  /** Signs out: the session is gone at once (idempotent). */
  async close(token: string): Promise<void> {
    await this.redis.del(this.keyOf(token));
  }
}
