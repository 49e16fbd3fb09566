import { Type } from '@sinclair/typebox';
import { route, typedRoute } from '../../route';
import { Obj } from '../../schemas';
import { Problem } from '../../problem';
import { TENANT_ROLES } from '../../../domain/tenancy/roles';
import { clearedCookie, csrfTokenOf, sessionCookie, sessionTokenIn } from '../../../domain/tenancy/console-session-token';
import type { RequestContext } from '../../context';

/**
 * Console sign-in (docs/console.md): an API key is exchanged once for a session cookie; the
 * console then calls the same /v1 routes with the cookie instead of the key.
 */
const SignInBody = Obj({ apiKey: Type.String({ minLength: 1, maxLength: 512, description: 'a tenant API key (trk_…); it is not kept by the browser' }) });

const Branding = Obj({
  tenantId: Type.String(),
  displayName: Type.String(),
  logoUrl: Type.Optional(Type.String()),
  colors: Obj({ primary: Type.String(), accent: Type.String() }),
  locale: Type.String(),
  timezone: Type.String(),
  currency: Type.String(),
});

const SessionView = Obj({
  role: Type.String(),
  keyId: Type.String(),
  partyId: Type.Optional(Type.String()),
  expiresAt: Type.String(),
  csrfToken: Type.String({ description: 'send it as X-CSRF-Token with every request that changes something' }),
  tenant: Branding,
});

/** https as the client saw it (a trusted proxy's X-Forwarded-Proto): the cookie is then Secure. */
const overHttps = (ctx: RequestContext<unknown, unknown, unknown>) => ctx.baseUrl.startsWith('https:');

function tokenOf(ctx: RequestContext<unknown, unknown, unknown>): string {
  const token = sessionTokenIn(ctx.headers.cookie as string | undefined);
  if (!token || ctx.headers.authorization !== undefined) throw new Problem('unauthenticated', 'this route reads the console session cookie; sign in at POST /v1/console/sessions');
  return token;
}

export const consoleSessionRoutes = [
  typedRoute({
    method: 'post',
    path: '/v1/console/sessions',
    tag: 'Console',
    summary: 'Sign in to the console: exchanges a tenant API key for a short-lived HttpOnly session cookie',
    access: 'public',
    body: SignInBody,
    // The answer sets a session cookie: it must never be stored for replay.
    idempotent: false,
    responses: { 201: { description: 'Signed in; the cookie is set', schema: Obj({ expiresAt: Type.String() }) } },
    async handler(ctx) {
      const { services } = ctx;
      const principal = await services.apiKeys.authenticate(ctx.body.apiKey);
      if (!principal) throw new Problem('unauthenticated', 'the API key is not valid or was revoked (the console signs in with tenant keys, not the platform key)', { field: 'body.apiKey' });
      const tenant = await services.tenants.get(principal.tenantId);
      if (!tenant || tenant.status !== 'active') throw new Problem('unauthenticated', 'the API key belongs to a tenant that is not active');
      const { token, expiresAt } = await services.consoleSessions.open(principal);
      return {
        status: 201,
        headers: { 'Set-Cookie': sessionCookie(token, services.config.consoleSessionTtlSeconds, overHttps(ctx)), 'Cache-Control': 'no-store' },
        body: { expiresAt: expiresAt.toISOString() },
      };
    },
  }),
  route({
    method: 'get',
    path: '/v1/console/sessions/current',
    tag: 'Console',
    summary: 'The signed-in console session: role, party, tenant branding and the CSRF token',
    access: TENANT_ROLES,
    responses: { 200: { description: 'The session', schema: SessionView } },
    async handler(ctx) {
      const token = tokenOf(ctx);
      const session = await ctx.services.consoleSessions.resolve(token);
      if (!session) throw new Problem('unauthenticated', 'the console session has ended; sign in again');
      const s = ctx.tenant.settings;
      return {
        status: 200,
        headers: { 'Cache-Control': 'no-store' },
        body: {
          role: session.role,
          keyId: session.keyId,
          ...(session.partyId ? { partyId: session.partyId } : {}),
          expiresAt: session.expiresAt.toISOString(),
          csrfToken: csrfTokenOf(token),
          tenant: {
            tenantId: ctx.tenant._id,
            displayName: s.displayName || ctx.tenant.name,
            ...(s.logoUrl ? { logoUrl: s.logoUrl } : {}),
            colors: { primary: s.colors?.primary ?? '#1f4e79', accent: s.colors?.accent ?? '#f2a900' },
            locale: s.locale,
            timezone: s.timezone,
            currency: s.currency,
          },
        },
      };
    },
  }),
  route({
    method: 'delete',
    path: '/v1/console/sessions/current',
    tag: 'Console',
    summary: 'Sign out: ends the console session and clears its cookie',
    access: TENANT_ROLES,
    responses: { 204: { description: 'Signed out' } },
    async handler(ctx) {
      await ctx.services.consoleSessions.close(tokenOf(ctx));
      return { status: 204, headers: { 'Set-Cookie': clearedCookie(overHttps(ctx)) } };
    },
  }),
];
