import { Type } from '@sinclair/typebox';
import { typedRoute } from '../../route';
import { Obj, Id, IdParams, PageQuery, Page, withDefault } from '../../schemas';
import { auditActor } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { createApiKey, revokeApiKey, type ApiKeyRecord } from '../../../services/tenancy/api-keys';
import { TENANT_ROLES } from '../../../domain/tenancy/roles';

const KeyView = Obj({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  partyId: Type.Optional(Type.String()),
  prefix: Type.String({ description: 'a recognisable part of the key; the secret is never shown again' }),
  createdAt: Type.String(),
  createdBy: Type.String(),
  revokedAt: Type.Optional(Type.String()),
});

const view = (k: ApiKeyRecord) => ({
  id: k._id,
  name: k.name,
  role: k.role,
  partyId: k.partyId,
  prefix: k.prefix,
  createdAt: new Date(k.createdAt).toISOString(),
  createdBy: k.createdBy,
  revokedAt: k.revokedAt ? new Date(k.revokedAt).toISOString() : undefined,
});

const CreateBody = Obj({
  name: Type.String({ minLength: 1, maxLength: 120 }),
  role: Type.Union(TENANT_ROLES.map((r) => Type.Literal(r))),
  partyId: Type.Optional(Type.String({ pattern: '^(ptn|tp)_[0-9a-hjkmnp-tv-z]{26}$', description: 'the partner (ptn_…) or trading party (tp_…) a party-bound key acts for' })),
});

const ListQuery = Obj({ ...PageQuery, includeRevoked: Type.Optional(withDefault(Type.Boolean(), false)) });

export const apiKeyRoutes = [
  typedRoute({
    method: 'post',
    path: '/v1/api-keys',
    tag: 'API keys',
    summary: 'Create a key for a role (party roles need partyId); the key is shown only in this response',
    access: ['tenant-admin'],
    body: CreateBody,
    responses: { 201: { description: 'The key record and, once, the key itself', schema: Obj({ apiKey: KeyView, key: Type.String() }) } },
    async handler({ tenantId, body, services, actor, requestId, operation }) {
      // The key's id derives from the Idempotency-Key, so a retry finds the key it already made.
      const by = { actor: auditActor(actor), requestId };
      const { doc, plaintext } = await createApiKey(services, tenantId, { ...body, createdBy: by.actor.id }, operation.id('key'), by);
      return { status: 201, body: { apiKey: view(doc), key: plaintext }, headers: { Location: `/v1/api-keys/${doc._id}` }, secrets: ['key'] };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/api-keys',
    tag: 'API keys',
    summary: "List the tenant's keys, newest first (never their secrets)",
    access: ['tenant-admin'],
    query: ListQuery,
    responses: { 200: { description: 'A page of keys', schema: Page(KeyView) } },
    async handler({ tenantId, query, services }) {
      const docs = await services.apiKeys.list(tenantId, { before: decodeCursor(query.cursor), limit: query.limit, includeRevoked: query.includeRevoked });
      const { page, nextCursor } = pageOf(docs, query.limit);
      return { status: 200, body: { items: page.map(view), nextCursor } };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/api-keys/:id',
    tag: 'API keys',
    summary: 'One key',
    access: ['tenant-admin'],
    params: IdParams('key'),
    responses: { 200: { description: 'The key', schema: KeyView } },
    async handler({ tenantId, params, services }) {
      return { status: 200, body: view(await services.apiKeys.get(tenantId, params.id)) };
    },
  }),
  typedRoute({
    method: 'delete',
    path: '/v1/api-keys/:id',
    tag: 'API keys',
    summary: 'Revoke a key (immediately; idempotent). The last active tenant-admin key cannot be revoked.',
    access: ['tenant-admin'],
    params: Obj({ id: Id('key') }),
    responses: { 200: { description: 'The revoked key', schema: KeyView } },
    async handler({ tenantId, params, services, actor, requestId }) {
      return { status: 200, body: view(await revokeApiKey(services, tenantId, params.id, { actor: auditActor(actor), requestId })) };
    },
  }),
];
