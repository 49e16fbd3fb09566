import type { WebhookDeliveryDoc } from '../../models/webhooks/delivery';
import type { DeliveryStatus } from '../../domain/webhooks/events';
import { webhookDeliveries } from '../../models/webhooks/repository';
import type { TenantId } from '../../platform/tenant-id';
import { conflict, notFound } from '../../domain/errors';
import type { WebhookCaller } from './endpoints';

/** What was sent where, and sending it again. A party sees only its own endpoints' deliveries. */
export interface DeliveryQuery {
  status?: DeliveryStatus;
  endpointId?: string;
  eventType?: string;
  before?: string;
  limit: number;
}

export function listDeliveries(tenantId: TenantId, caller: WebhookCaller, query: DeliveryQuery): Promise<WebhookDeliveryDoc[]> {
  return webhookDeliveries(tenantId).list({ ...query, partyId: caller.partyId });
}

export async function getDelivery(tenantId: TenantId, caller: WebhookCaller, id: string): Promise<WebhookDeliveryDoc> {
  const delivery = await webhookDeliveries(tenantId).byId(id, caller.partyId);
  if (!delivery) throw notFound(`webhook delivery ${id}`);
  return delivery;
}

/**
 * Sends a delivered or dead delivery again, with a fresh round of attempts under a new job; the
 * relay queues it on its next tick. The message id stays the same, so a receiver that already
 * has it can tell.
 */
export async function replayDelivery(tenantId: TenantId, caller: WebhookCaller, id: string): Promise<WebhookDeliveryDoc> {
  const delivery = await getDelivery(tenantId, caller, id);
  if (delivery.status !== 'delivered' && delivery.status !== 'dead') {
    throw conflict(`webhook delivery ${id} is ${delivery.status}; only a delivered or dead delivery can be sent again`);
  }
  const replayed = await webhookDeliveries(tenantId).replay(delivery, `${delivery._id}-r${delivery.replays + 1}`);
  if (!replayed) throw conflict(`webhook delivery ${id} changed while it was being replayed; read it and try again`);
  return replayed;
}
