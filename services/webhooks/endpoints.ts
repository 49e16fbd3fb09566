import type { Services } from '..';
import type { AuditActor } from '../../models/tenancy/audit-event';
import type { WebhookEndpointDoc, WebhookSecretDoc } from '../../models/webhooks/endpoint';
import { webhookEndpoints, webhookEventSource, type PartyScope } from '../../models/webhooks/repository';
import { webhookTenants } from '../../models/webhooks/tenant';
import type { TenantId } from '../../platform/tenant-id';
import { isDuplicateKey } from '../../platform/store-errors';
import { conflict, invalid, notFound } from '../../domain/errors';
import { checkEndpointUrl } from '../../domain/webhooks/url';
import { unknownFilterReason } from '../../domain/webhooks/catalogue';
import { withAudit, type KeyedAuditInput } from '../tenancy/outbox';
import { newSigningSecret, openSecret, sealSecret } from './secrets';
import { resolvedRefusal } from './http';

/**
 * Webhook endpoints: tenant staff subscribe to any of the tenant's events, a party's key to its
 * own party's events. The signing secret is shown once, at creation and at each rotation.
 */
export interface WebhookCaller {
  actor: AuditActor;
  /** Set for party keys: the endpoint is the party's and gets only its events. */
  partyId?: string;
  requestId?: string;
}

export interface NewEndpoint {
  url: string;
  eventTypes: string[];
  description?: string;
}

type EndpointServices = Pick<Services, 'config' | 'audit'>;

/** Each fan-out multiplies deliveries: an owner (the staff, or one party) keeps a handful. */
export const MAX_ENDPOINTS_PER_OWNER = 20;
/** A rotation keeps the replaced secret; more than this many are never live at once. */
const MAX_LIVE_SECRETS = 3;

const scopeOf = (caller: WebhookCaller): PartyScope => caller.partyId;

async function checkedUrl(services: EndpointServices, raw: string): Promise<string> {
  const policy = { allowLoopback: services.config.webhooks.allowLoopback };
  const verdict = checkEndpointUrl(raw, policy);
  if (!verdict.ok) throw invalid('body.url', `body.url ${verdict.reason}`);
  const refusal = await resolvedRefusal(verdict.url, policy);
  if (refusal) throw invalid('body.url', `body.url must point at a public address: its host resolves to ${refusal}`);
  return verdict.url.toString();
}

/** A filter that names nothing Trellis records would never receive anything: refuse it (422). */
function checkEventTypes(eventTypes: string[]): void {
  for (const [i, filter] of eventTypes.entries()) {
    const reason = unknownFilterReason(filter);
    if (reason) throw invalid(`body.eventTypes.${i}`, `body.eventTypes.${i}: ${reason}`);
  }
}

function newestSecret(services: EndpointServices, tenantId: TenantId, endpoint: WebhookEndpointDoc): string {
  return openSecret(endpoint.secrets[0].sealed, services.config.webhooks.sealingKey, tenantId, endpoint._id);
}

export async function createEndpoint(
  services: EndpointServices, tenantId: TenantId, caller: WebhookCaller, input: NewEndpoint, endpointId: string,
): Promise<{ endpoint: WebhookEndpointDoc; secret: string }> {
  const endpoints = webhookEndpoints(tenantId);
  // A retry of the request that created it (same operation id) gets the same answer.
  const earlier = await endpoints.byId(endpointId);
  if (earlier && !earlier.deletedAt && earlier.partyId === caller.partyId) return { endpoint: earlier, secret: newestSecret(services, tenantId, earlier) };
  if (earlier) throw conflict(`endpoint ${endpointId} was already created and deleted by an earlier attempt of this request`);
  checkEventTypes(input.eventTypes);
  const url = await checkedUrl(services, input.url);
  if ((await endpoints.countActive(scopeOf(caller))) >= MAX_ENDPOINTS_PER_OWNER) {
    throw conflict(`at most ${MAX_ENDPOINTS_PER_OWNER} webhook endpoints per ${caller.partyId ? 'party' : 'tenant staff'}; delete one first`);
  }
  const secret = newSigningSecret();
  const sealed = sealSecret(secret, services.config.webhooks.sealingKey, tenantId, endpointId);
  // Enrolled first, so the relay never misses a tenant that has an endpoint.
  await webhookTenants.enrol(tenantId);
  const doc = {
    _id: endpointId,
    url,
    ...(input.description ? { description: input.description } : {}),
    eventTypes: [...new Set(input.eventTypes)],
    ...(caller.partyId ? { partyId: caller.partyId } : {}),
    secrets: [{ version: 1, sealed, createdAt: new Date() }],
    fromSeq: await webhookEventSource(tenantId).headSeq(),
    createdBy: caller.actor.id,
  };
  const event: KeyedAuditInput = {
    actor: caller.actor,
    action: 'webhook-endpoint.created',
    entity: { type: 'webhook-endpoint', id: endpointId },
    data: { url, eventTypes: doc.eventTypes, ...(caller.partyId ? { partyId: caller.partyId } : {}) },
    requestId: caller.requestId,
    eventKey: `webhook-endpoint.created:${endpointId}`,
  };
  try {
    const endpoint = await withAudit(services, tenantId, event, { model: 'WebhookEndpoint', filter: { _id: endpointId } }, () => endpoints.create(doc));
    return { endpoint, secret };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // A concurrent attempt of the same request won: its secret is the endpoint's.
    const winner = (await endpoints.byId(endpointId))!;
    return { endpoint: winner, secret: newestSecret(services, tenantId, winner) };
  }
}

export function listEndpoints(tenantId: TenantId, caller: WebhookCaller, page: { before?: string; limit: number }): Promise<WebhookEndpointDoc[]> {
  return webhookEndpoints(tenantId).list(scopeOf(caller), page);
}

/** Another party's endpoint is as unknown as a missing one. */
export async function getEndpoint(tenantId: TenantId, caller: WebhookCaller, id: string): Promise<WebhookEndpointDoc> {
  const endpoint = await webhookEndpoints(tenantId).active(id, scopeOf(caller));
  if (!endpoint) throw notFound(`webhook endpoint ${id}`);
  return endpoint;
}

/** Stops deliveries at once: queued ones are cancelled when their turn comes. */
export async function deleteEndpoint(services: EndpointServices, tenantId: TenantId, caller: WebhookCaller, id: string): Promise<WebhookEndpointDoc> {
  const existing = await getEndpoint(tenantId, caller, id);
  const event: KeyedAuditInput = {
    actor: caller.actor,
    action: 'webhook-endpoint.deleted',
    entity: { type: 'webhook-endpoint', id },
    data: existing.partyId ? { partyId: existing.partyId } : {},
    requestId: caller.requestId,
    eventKey: `webhook-endpoint.deleted:${id}`,
  };
  return withAudit(services, tenantId, event, { model: 'WebhookEndpoint', filter: { _id: id, deletedAt: { $ne: null } } }, async () => {
    const removed = await webhookEndpoints(tenantId).remove(id, scopeOf(caller), new Date());
    if (!removed) throw notFound(`webhook endpoint ${id}`);
    return removed;
  });
}

/**
 * A new secret signs from now on; the one it replaces keeps signing (a second signature in the
 * same header) until the grace period ends, so receivers can switch without losing a delivery.
 */
export async function rotateSecret(
  services: EndpointServices, tenantId: TenantId, caller: WebhookCaller, id: string, graceSeconds?: number,
): Promise<{ endpoint: WebhookEndpointDoc; secret: string }> {
  const endpoint = await getEndpoint(tenantId, caller, id);
  const now = new Date();
  const graceEnds = new Date(now.getTime() + (graceSeconds ?? services.config.webhooks.rotationGraceSeconds) * 1000);
  const version = endpoint.secrets[0].version + 1;
  const secret = newSigningSecret();
  const kept: WebhookSecretDoc[] = endpoint.secrets
    .filter((s) => !s.expiresAt || new Date(s.expiresAt) > now)
    .map((s) => ({ ...s, expiresAt: s.expiresAt && new Date(s.expiresAt) < graceEnds ? s.expiresAt : graceEnds }));
  const secrets = [{ version, sealed: sealSecret(secret, services.config.webhooks.sealingKey, tenantId, id), createdAt: now }, ...kept].slice(0, MAX_LIVE_SECRETS);
  const event: KeyedAuditInput = {
    actor: caller.actor,
    action: 'webhook-endpoint.secret-rotated',
    entity: { type: 'webhook-endpoint', id },
    data: { version, previousValidUntil: graceEnds.toISOString(), ...(endpoint.partyId ? { partyId: endpoint.partyId } : {}) },
    requestId: caller.requestId,
    eventKey: `webhook-endpoint.secret-rotated:${id}:${version}`,
  };
  const rotated = await withAudit(services, tenantId, event, { model: 'WebhookEndpoint', filter: { _id: id, 'secrets.version': version } }, async () => {
    const updated = await webhookEndpoints(tenantId).setSecrets(id, scopeOf(caller), secrets);
    if (updated) return updated;
    await getEndpoint(tenantId, caller, id); // deleted meanwhile: 404
    throw conflict(`the secret of webhook endpoint ${id} was rotated by another request at the same time; rotate again if you need a new one`);
  });
  return { endpoint: rotated, secret };
}
