import type { Request } from 'express';
import { Problem } from '../problem';
import type { Actor } from '../context';
import type { Access } from '../route';
import type { Services } from '../../services';
import type { TenantDoc } from '../../models/tenancy/tenant';
import { hashKey, sameHash, parseTenantKey } from '../../domain/tenancy/api-key-format';
import type { PlatformKey } from '../../services/tenancy/platform-key';
import { clientAddress } from './rate-limit';

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
  if (!presented) {
    if (access === 'anyone') return { actor: { kind: 'public', address } };
    throw new Problem('unauthenticated', 'send an API key as "Authorization: Bearer <key>"');
  }
  if (!parseTenantKey(presented)) {
    const expected = await platformKey.hash();
    if (!expected || !sameHash(expected, hashKey(presented))) throw new Problem('unauthenticated', 'the API key is not valid');
    if (access !== 'platform' && access !== 'anyone') throw new Problem('forbidden', 'the platform key manages tenants; use a tenant key for tenant routes');
    return { actor: { kind: 'platform' } };
  }
  const principal = await services.apiKeys.authenticate(presented);
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
