import { Webhook } from 'standardwebhooks';
import type { Services } from '..';
import type { AuditEventDoc } from '../../models/tenancy/audit-event';
import type { WebhookEndpointDoc } from '../../models/webhooks/endpoint';
import type { WebhookDeliveryDoc } from '../../models/webhooks/delivery';
import { webhookDeliveries, webhookEndpoints, webhookEventSource } from '../../models/webhooks/repository';
import type { TenantId } from '../../platform/tenant-id';
import { retryDelayMs } from '../../domain/webhooks/events';
import { openSecret } from './secrets';
import { postWebhook, type PostResult } from './http';

/**
 * One attempt at one delivery, as the Standard Webhooks spec has it: the message id is the
 * delivery's (the same on every retry, so receivers can drop duplicates), the timestamp is the
 * attempt's, and the signature is HMAC-SHA256 by the `standardwebhooks` package, one per live
 * secret, space-separated, so a receiver holding either secret during a rotation verifies it.
 */
export type AttemptOutcome =
  | { kind: 'delivered'; statusCode: number }
  | { kind: 'retry'; inMs: number; failure: string }
  | { kind: 'dead'; failure: string }
  | { kind: 'skipped'; reason: string };

const IN_FLIGHT = new Set(['pending', 'queued', 'retrying']);

/** The body every endpoint receives: `type`, `timestamp` and `data`, as Standard Webhooks suggests. */
export function payloadOf(event: AuditEventDoc): string {
  return JSON.stringify({
    type: event.action,
    timestamp: new Date(event.at).toISOString(),
    data: {
      eventId: event._id,
      seq: event.seq,
      entity: { type: event.entity.type, id: event.entity.id },
      actor: { type: event.actor.type, ...(event.actor.role ? { role: event.actor.role } : {}) },
      details: JSON.parse(event.data) as unknown,
    },
  });
}

export function signatureHeaders(secrets: string[], messageId: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(messageId, at, body)).join(' '),
  };
}

function liveSecrets(services: Pick<Services, 'config'>, tenantId: TenantId, endpoint: WebhookEndpointDoc, at: Date): string[] {
  return endpoint.secrets
    .filter((s) => !s.expiresAt || new Date(s.expiresAt) > at)
    .map((s) => openSecret(s.sealed, services.config.webhooks.sealingKey, tenantId, endpoint._id));
}

async function send(services: Pick<Services, 'config'>, tenantId: TenantId, endpoint: WebhookEndpointDoc, delivery: WebhookDeliveryDoc, event: AuditEventDoc): Promise<PostResult> {
  const at = new Date();
  const body = payloadOf(event);
  try {
    const headers = signatureHeaders(liveSecrets(services, tenantId, endpoint, at), delivery._id, at, body);
    const { allowLoopback, timeoutMs } = services.config.webhooks;
    return await postWebhook(endpoint.url, body, headers, { allowLoopback, timeoutMs });
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Sends the delivery once for the job that owns it and records how it went. `retry` is the n-th
 * attempt of this job (1-based); on the job's last attempt a failure is final: the delivery goes
 * to the dead letter (`dead`), where POST /v1/webhook-deliveries/:id/retry can replay it.
 */
export async function attemptDelivery(
  services: Pick<Services, 'config'>, tenantId: TenantId, deliveryId: string, jobId: string, attempt: { number: number; last: boolean },
): Promise<AttemptOutcome> {
  const deliveries = webhookDeliveries(tenantId);
  const delivery = await deliveries.byId(deliveryId);
  if (!delivery || delivery.jobId !== jobId || !IN_FLIGHT.has(delivery.status)) return { kind: 'skipped', reason: 'not in flight for this job' };
  const endpoint = await webhookEndpoints(tenantId).byId(delivery.endpointId);
  const event = await webhookEventSource(tenantId).byId(delivery.eventId);
  if (!endpoint || endpoint.deletedAt || !event) {
    await deliveries.cancel(deliveryId, jobId);
    return { kind: 'skipped', reason: 'the endpoint was deleted' };
  }
  const result = await send(services, tenantId, endpoint, delivery, event);
  const at = new Date();
  if ('statusCode' in result && result.statusCode >= 200 && result.statusCode < 300) {
    await deliveries.recordAttempt(deliveryId, jobId, { status: 'delivered', lastStatusCode: result.statusCode, lastAttemptAt: at, deliveredAt: at }, ['lastError', 'nextAttemptAt']);
    return { kind: 'delivered', statusCode: result.statusCode };
  }
  const failure = 'statusCode' in result ? `the endpoint answered ${result.statusCode}` : result.error;
  const code = 'statusCode' in result ? { lastStatusCode: result.statusCode } : {};
  const unsetCode = 'statusCode' in result ? [] : ['lastStatusCode'];
  if (attempt.last) {
    await deliveries.recordAttempt(deliveryId, jobId, { status: 'dead', ...code, lastError: failure, lastAttemptAt: at, deadAt: at }, [...unsetCode, 'nextAttemptAt']);
    return { kind: 'dead', failure };
  }
  const { backoffBaseMs, backoffMaxMs } = services.config.webhooks;
  const inMs = retryDelayMs(attempt.number, backoffBaseMs, backoffMaxMs);
  await deliveries.recordAttempt(deliveryId, jobId, { status: 'retrying', ...code, lastError: failure, lastAttemptAt: at, nextAttemptAt: new Date(at.getTime() + inMs) }, unsetCode);
  return { kind: 'retry', inMs, failure };
}
