import { Type, type Static } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, Id, IdParams, PageQuery, Page } from '../../schemas';
import { Problem } from '../../problem';
import { auditActor, type RequestContext } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { asTenantId } from '../../../platform/tenant-id';
import { DELIVERY_STATUSES, EVENT_FILTER_PATTERN } from '../../../domain/webhooks/events';
import { EVENT_CATALOGUE } from '../../../domain/webhooks/catalogue';
import type { WebhookDeliveryDoc } from '../../../models/webhooks/delivery';
import type { WebhookEndpointDoc } from '../../../models/webhooks/endpoint';
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, rotateSecret, type WebhookCaller } from '../../../services/webhooks/endpoints';
import { getDelivery, listDeliveries, replayDelivery } from '../../../services/webhooks/deliveries';

/**
 * Webhook endpoints and their deliveries (docs/webhooks.md). Tenant admins subscribe to any of
 * the tenant's events; a party's key (partner, supplier, manufacturer) to its party's own.
 */
const WEBHOOK_ROLES = ['tenant-admin', 'partner', 'supplier', 'manufacturer'] as const;
const TAG = 'Webhooks';

function callerOf(ctx: RequestContext): WebhookCaller {
  if (ctx.actor.kind !== 'key') throw new Problem('forbidden', 'webhooks are managed with tenant keys');
  return { actor: auditActor(ctx.actor), requestId: ctx.requestId, ...(ctx.actor.partyId ? { partyId: ctx.actor.partyId } : {}) };
}

const iso = (d?: Date | string | null) => (d ? new Date(d).toISOString() : undefined);

const EventType = Type.String({ pattern: EVENT_FILTER_PATTERN, maxLength: 120, description: 'an event type (deal.protected), a family (deal.*) or * for every event' });

const EndpointView = Obj({
  id: Type.String(),
  url: Type.String(),
  description: Type.Optional(Type.String()),
  eventTypes: Type.Array(Type.String()),
  partyId: Type.Optional(Type.String({ description: "set for a party's endpoint: it receives that party's events only" })),
  secretVersion: Type.Integer({ description: 'the current signing secret (1 at creation, one more per rotation)' }),
  previousSecretValidUntil: Type.Optional(Type.String({ description: 'deliveries are also signed with the replaced secret until then' })),
  createdAt: Type.String(),
  createdBy: Type.String(),
});

const endpointView = (e: WebhookEndpointDoc): Static<typeof EndpointView> => ({
  id: e._id,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  partyId: e.partyId,
  secretVersion: e.secrets[0]?.version ?? 0,
  previousSecretValidUntil: iso(e.secrets.slice(1).map((s) => s.expiresAt).find((at) => at && new Date(at) > new Date())),
  createdAt: iso(e.createdAt)!,
  createdBy: e.createdBy,
});

const WithSecret = Obj({ endpoint: EndpointView, secret: Type.String({ description: 'whsec_… signing secret, shown only in this response' }) });

const CreateBody = Obj({
  url: Type.String({ minLength: 1, maxLength: 2000, description: 'https URL that receives POSTs (signed per Standard Webhooks)' }),
  eventTypes: Type.Array(EventType, { minItems: 1, maxItems: 50 }),
  description: Type.Optional(Type.String({ maxLength: 500 })),
});
const RotateBody = Obj({
  graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86400, description: 'how long the replaced secret keeps signing (default from configuration)' })),
});

const DeliveryView = Obj({
  id: Type.String({ description: 'also the webhook-id header of every attempt' }),
  endpointId: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  status: Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  replays: Type.Integer(),
  lastStatusCode: Type.Optional(Type.Integer()),
  lastError: Type.Optional(Type.String()),
  lastAttemptAt: Type.Optional(Type.String()),
  nextAttemptAt: Type.Optional(Type.String()),
  deliveredAt: Type.Optional(Type.String()),
  deadAt: Type.Optional(Type.String()),
  createdAt: Type.String(),
});

const deliveryView = (d: WebhookDeliveryDoc): Static<typeof DeliveryView> => ({
  id: d._id,
  endpointId: d.endpointId,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  replays: d.replays,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  lastAttemptAt: iso(d.lastAttemptAt),
  nextAttemptAt: iso(d.nextAttemptAt),
  deliveredAt: iso(d.deliveredAt),
  deadAt: iso(d.deadAt),
  createdAt: iso(d.createdAt)!,
});

const EventTypeCatalogue = Obj({
  families: Type.Array(Obj({
    family: Type.String({ description: 'subscribe to all of it with `<family>.*`' }),
    description: Type.String(),
    types: Type.Array(Type.String({ description: 'a full event type, e.g. deal.approved' })),
  })),
});

const EndpointListQuery = Obj({ ...PageQuery });
const DeliveryListQuery = Obj({
  ...PageQuery,
  status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)))),
  endpointId: Type.Optional(Id('whe')),
  eventType: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9.-]{0,119}$' })),
});

export const webhookRoutes = [
  route({
    method: 'get',
    path: '/v1/webhook-event-types',
    tag: TAG,
    summary: 'The event types an endpoint can subscribe to, by family (a filter is one of them, `<family>.*` or `*`)',
    access: WEBHOOK_ROLES,
    responses: { 200: { description: 'The catalogue of event types', schema: EventTypeCatalogue } },
    handler() {
      const families = EVENT_CATALOGUE.map((f) => ({ family: f.family, description: f.description, types: f.types.map((t) => `${f.family}.${t}`) }));
      return Promise.resolve({ status: 200, body: { families } });
    },
  }),
  route<Static<typeof CreateBody>>({
    method: 'post',
    path: '/v1/webhook-endpoints',
    tag: TAG,
    summary: "Subscribe a URL to event types (a party's key: to its own party's events); the signing secret is shown only in this response",
    access: WEBHOOK_ROLES,
    body: CreateBody,
    responses: { 201: { description: 'The endpoint and, once, its secret', schema: WithSecret } },
    async handler(ctx) {
      const { endpoint, secret } = await createEndpoint(ctx.services, asTenantId(ctx.tenant._id), callerOf(ctx), ctx.body, ctx.operation.id('whe'));
      return { status: 201, body: { endpoint: endpointView(endpoint), secret }, headers: { Location: `/v1/webhook-endpoints/${endpoint._id}` }, secrets: ['secret'] };
    },
  }),
  route<unknown, Static<typeof EndpointListQuery>>({
    method: 'get',
    path: '/v1/webhook-endpoints',
    tag: TAG,
    summary: 'List endpoints, newest first (a party sees only its own)',
    access: WEBHOOK_ROLES,
    query: EndpointListQuery,
    responses: { 200: { description: 'A page of endpoints', schema: Page(EndpointView) } },
    async handler(ctx) {
      const limit = ctx.query.limit ?? 50;
      const docs = await listEndpoints(asTenantId(ctx.tenant._id), callerOf(ctx), { before: decodeCursor(ctx.query.cursor), limit });
      const { page, nextCursor } = pageOf(docs, limit);
      return { status: 200, body: { items: page.map(endpointView), nextCursor } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/webhook-endpoints/:id',
    tag: TAG,
    summary: 'One endpoint (never its secret)',
    access: WEBHOOK_ROLES,
    params: IdParams('whe'),
    responses: { 200: { description: 'The endpoint', schema: EndpointView } },
    async handler(ctx) {
      return { status: 200, body: endpointView(await getEndpoint(asTenantId(ctx.tenant._id), callerOf(ctx), ctx.params.id)) };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'delete',
    path: '/v1/webhook-endpoints/:id',
    tag: TAG,
    summary: 'Delete an endpoint: nothing more is sent to it, and its secrets are destroyed',
    access: WEBHOOK_ROLES,
    params: IdParams('whe'),
    responses: { 200: { description: 'The deleted endpoint', schema: EndpointView } },
    async handler(ctx) {
      return { status: 200, body: endpointView(await deleteEndpoint(ctx.services, asTenantId(ctx.tenant._id), callerOf(ctx), ctx.params.id)) };
    },
  }),
  route<Static<typeof RotateBody>, unknown, { id: string }>({
    method: 'post',
    path: '/v1/webhook-endpoints/:id/rotate-secret',
    tag: TAG,
    summary: 'Issue a new signing secret (shown only in this response); the old one keeps signing for a grace period',
    access: WEBHOOK_ROLES,
    params: IdParams('whe'),
    body: RotateBody,
    responses: { 200: { description: 'The endpoint and, once, its new secret', schema: WithSecret } },
    async handler(ctx) {
      const { endpoint, secret } = await rotateSecret(ctx.services, asTenantId(ctx.tenant._id), callerOf(ctx), ctx.params.id, ctx.body.graceSeconds);
      return { status: 200, body: { endpoint: endpointView(endpoint), secret }, secrets: ['secret'] };
    },
  }),
  route<unknown, Static<typeof DeliveryListQuery>>({
    method: 'get',
    path: '/v1/webhook-deliveries',
    tag: TAG,
    summary: 'List deliveries, newest first, with their status, attempts and last response (a party sees only its own)',
    access: WEBHOOK_ROLES,
    query: DeliveryListQuery,
    responses: { 200: { description: 'A page of deliveries', schema: Page(DeliveryView) } },
    async handler(ctx) {
      const { status, endpointId, eventType } = ctx.query;
      const limit = ctx.query.limit ?? 50;
      const docs = await listDeliveries(asTenantId(ctx.tenant._id), callerOf(ctx), { status, endpointId, eventType, before: decodeCursor(ctx.query.cursor), limit });
      const { page, nextCursor } = pageOf(docs, limit);
      return { status: 200, body: { items: page.map(deliveryView), nextCursor } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/webhook-deliveries/:id',
    tag: TAG,
    summary: 'One delivery',
    access: WEBHOOK_ROLES,
    params: IdParams('whd'),
    responses: { 200: { description: 'The delivery', schema: DeliveryView } },
    async handler(ctx) {
      return { status: 200, body: deliveryView(await getDelivery(asTenantId(ctx.tenant._id), callerOf(ctx), ctx.params.id)) };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'post',
    path: '/v1/webhook-deliveries/:id/retry',
    tag: TAG,
    summary: 'Send a delivered or dead-lettered delivery again, with a fresh round of attempts',
    access: WEBHOOK_ROLES,
    params: IdParams('whd'),
    responses: { 202: { description: 'The delivery, pending again', schema: DeliveryView } },
    async handler(ctx) {
      return { status: 202, body: deliveryView(await replayDelivery(asTenantId(ctx.tenant._id), callerOf(ctx), ctx.params.id)) };
    },
  }),
];
