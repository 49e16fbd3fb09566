import type { Request } from 'express';
import { Problem } from '../problem';
import type { Actor } from '../context';
import type { Access } from '../route';
import type { Services } from '../../services';
import type { TenantDoc } from '../../models/tenancy/tenant';
import { hashKey, sameHash, parseTenantKey } from '../../domain/tenancy/api-key-format';
import type { PlatformKey } from '../../services/tenancy/platform-key';
import { clientAddress } from './rate-limit';
import { CSRF_HEADER, csrfMatches, sessionTokenIn } from '../../domain/tenancy/console-session-token';

/** The console session token in the request's cookie, when it brings no Authorization header. */
export function presentedSession(req: Request): string | undefined {
  return req.headers.authorization === undefined ? sessionTokenIn(req.headers.cookie) : undefined;
}

/** Methods that change nothing; every other method with a cookie session needs the CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The principal of a console session (docs/console.md). A cookie is sent by the browser whoever
 * made the page, so a state change must also carry the session's CSRF token in a header, which
 * only a page of this origin can read (GET /v1/console/sessions/current).
 */
async function sessionPrincipal(req: Request, token: string, services: Services) {
  const session = await services.consoleSessions.resolve(token);
  if (!session) throw new Problem('unauthenticated', 'the console session has expired, was signed out or its key was revoked; sign in again');
  if (!SAFE_METHODS.has(req.method) && !csrfMatches(token, req.headers[CSRF_HEADER] as string | undefined)) {
    throw new Problem('forbidden', `a console request that changes something must send the session's ${CSRF_HEADER} header`);
  }
  const { expiresAt: _expiresAt, ...principal } = session;
  return principal;
}

/** The key in `Authorization: Bearer <key>`, if the header has that form. */
export function presentedKey(req: Request): string | undefined {
  return /^Bearer\s+(\S{1,512})$/i.exec(req.headers.authorization ?? '')?.[1];
}

function bearer(req: Request): string | undefined {
  if (!req.headers.authorization) return undefined;
  const key = presentedKey(req);
  if (!key) throw new Problem('unauthenticated', 'the Authorization header must be "Bearer <api key>"');
  return key;
}

/**
 * Resolves the caller and checks the route's access rule. Tenant keys only work while their
 * tenant is active; the tenant record is returned so the handler runs in its scope.
 */
export async function authenticate(
  req: Request,
  access: Access,
  services: Services,
  platformKey: PlatformKey,
): Promise<{ actor: Actor; tenant?: TenantDoc }> {
  // The client as the trusted proxy saw it, not the proxy itself (app.ts sets `trust proxy`).
  const address = clientAddress(req);
  if (access === 'public') return { actor: { kind: 'public', address } };
  const presented = bearer(req);
  const session = presented ? undefined : presentedSession(req);
  if (!presented && !session) {
    if (access === 'anyone') return { actor: { kind: 'public', address } };
    throw new Problem('unauthenticated', 'send an API key as "Authorization: Bearer <key>"');
  }
  if (presented && !parseTenantKey(presented)) {
    const expected = await platformKey.hash();
    if (!expected || !sameHash(expected, hashKey(presented))) throw new Problem('unauthenticated', 'the API key is not valid');
    if (access !== 'platform' && access !== 'anyone') throw new Problem('forbidden', 'the platform key manages tenants; use a tenant key for tenant routes');
    return { actor: { kind: 'platform' } };
  }
  const principal = presented ? await services.apiKeys.authenticate(presented) : await sessionPrincipal(req, session!, services);
  if (!principal) throw new Problem('unauthenticated', 'the API key is not valid or was revoked');
  const tenant = await services.tenants.get(principal.tenantId);
  if (!tenant || tenant.status !== 'active') throw new Problem('unauthenticated', 'the API key belongs to a tenant that is not active');
  const actor: Actor = { kind: 'key', ...principal };
  if (access === 'anyone') return { actor, tenant };
  if (access === 'platform') throw new Problem('forbidden', 'only the platform key may do this');
  if (!access.includes(principal.role)) {
    throw new Problem('forbidden', `a ${principal.role} key may not do this; allowed roles: ${access.join(', ')}`);
  }
  return { actor, tenant };
}
