import { asTenantId } from '../../../platform/tenant-id';
import { Type } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, Id, IdParams, PageQuery, Page } from '../../schemas';
import { Problem, notFound } from '../../problem';
import { auditActor } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { TENANT_ROLES, PARTY_ROLES, TenantRole, ApiKeyDoc } from '../../../models/tenancy/api-key';
import { settleAudit, withAudit, type KeyedAuditInput } from '../../../services/outbox';
import { isDuplicateKey } from '../../../platform/store-errors';

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

const view = (k: ApiKeyDoc) => ({
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
type CreateBody = { name: string; role: TenantRole; partyId?: string };

export const apiKeyRoutes = [
  route<CreateBody>({
    method: 'post',
    path: '/v1/api-keys',
    tag: 'API keys',
    summary: 'Create a key for a role (party roles need partyId); the key is shown only in this response',
    access: ['tenant-admin'],
    body: CreateBody,
    responses: { 201: { description: 'The key record and, once, the key itself', schema: Obj({ apiKey: KeyView, key: Type.String() }) } },
    async handler({ tenant, body, services, actor, requestId, operation }) {
      const needsParty = PARTY_ROLES.includes(body.role);
      if (needsParty && !body.partyId) throw new Problem('validation-failed', `body.partyId is required for a ${body.role} key`, { field: 'body.partyId' });
      if (!needsParty && body.partyId) throw new Problem('validation-failed', `body.partyId is only for partner, supplier and manufacturer keys`, { field: 'body.partyId' });
      if (body.partyId && !(await services.parties.exists(asTenantId(tenant._id), body.role, body.partyId))) {
        throw new Problem('validation-failed', `no such party: body.partyId ${body.partyId} is not a ${body.role} of this tenant`, { field: 'body.partyId' });
      }
      const createdBy = auditActor(actor).id;
      // The key's id derives from the Idempotency-Key, so a retry finds the key it already made.
      const keyId = operation.id('key');
      const event: KeyedAuditInput = {
        actor: auditActor(actor),
        action: 'api-key.created',
        entity: { type: 'api-key', id: keyId },
        data: { name: body.name, role: body.role, partyId: body.partyId },
        requestId,
        eventKey: `api-key.created:${keyId}`,
      };
      let created;
      try {
        created = await withAudit(services, tenant._id, event, { model: 'ApiKey', filter: { _id: keyId } }, () => services.apiKeys.create(tenant._id, { ...body, createdBy }, keyId));
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await settleAudit(services, tenant._id, event);
        throw new Problem('conflict', `key ${keyId} was already created by an earlier attempt of this request; the key is not shown again`);
      }
      const { doc, plaintext } = created;
      return { status: 201, body: { apiKey: view(doc), key: plaintext }, headers: { Location: `/v1/api-keys/${doc._id}` }, secrets: ['key'] };
    },
  }),
  route<unknown, { limit: number; cursor?: string; includeRevoked?: boolean }>({
    method: 'get',
    path: '/v1/api-keys',
    tag: 'API keys',
    summary: "List the tenant's keys, newest first (never their secrets)",
    access: ['tenant-admin'],
    query: Obj({ ...PageQuery, includeRevoked: Type.Optional(Type.Boolean({ default: false })) }),
    responses: { 200: { description: 'A page of keys', schema: Page(KeyView) } },
    async handler({ tenant, query, services }) {
      const docs = await services.apiKeys.list(tenant._id, { before: decodeCursor(query.cursor), limit: query.limit, includeRevoked: query.includeRevoked ?? false });
      const { page, nextCursor } = pageOf(docs, query.limit);
      return { status: 200, body: { items: page.map(view), nextCursor } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/api-keys/:id',
    tag: 'API keys',
    summary: 'One key',
    access: ['tenant-admin'],
    params: IdParams('key'),
    responses: { 200: { description: 'The key', schema: KeyView } },
    async handler({ tenant, params, services }) {
      const doc = await services.apiKeys.get(tenant._id, params.id);
      if (!doc) throw notFound(`API key ${params.id}`);
      return { status: 200, body: view(doc) };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'delete',
    path: '/v1/api-keys/:id',
    tag: 'API keys',
    summary: 'Revoke a key (immediately; idempotent). The last active tenant-admin key cannot be revoked.',
    access: ['tenant-admin'],
    params: Obj({ id: Id('key') }),
    responses: { 200: { description: 'The revoked key', schema: KeyView } },
    async handler({ tenant, params, services, actor, requestId }) {
      const event: KeyedAuditInput = {
        actor: auditActor(actor),
        action: 'api-key.revoked',
        entity: { type: 'api-key', id: params.id },
        requestId,
        eventKey: `api-key.revoked:${params.id}`,
      };
      // A refusal inside the effect withdraws the staged audit event (withAudit drops it on a Problem).
      const revoked = await withAudit(services, tenant._id, event, { model: 'ApiKey', filter: { _id: params.id, revokedAt: { $ne: null } } }, async () => {
        const result = await services.apiKeys.revoke(tenant._id, params.id);
        if (!result) throw notFound(`API key ${params.id}`);
        if (result === 'last-admin-key') {
          throw new Problem('conflict', 'this is the last active tenant-admin key; create another one before revoking it');
        }
        return result;
      });
      return { status: 200, body: view(revoked) };
    },
  }),
];
