import type { Services } from '..';
import { webhookDeliveries } from '../../models/webhooks/repository';
import type { TenantId } from '../../platform/tenant-id';
import type { Enqueue } from './relay';

/**
 * Fair delivery over one BullMQ queue. The queue is first in, first out, so a tenant that put
 * thousands of jobs in it would make every other tenant wait behind them, and a slow receiver
 * would hold every worker. Instead deliveries wait `pending` in the store and are admitted to the
 * queue a few at a time: at most `endpointConcurrency` of one endpoint in flight (queued, being
 * sent, or waiting for its retry, so a failing receiver is not hammered and holds no more slots),
 * and at most `tenantConcurrency` of one tenant queued or being sent. The queue then never holds
 * more than those few per tenant, and another tenant's delivery waits behind them only.
 *
 * Admission runs on every relay tick for every tenant, and after each attempt for that attempt's
 * tenant (so a fast receiver's backlog flows without waiting for the tick). Two admissions at once
 * pick the same oldest deliveries (the job id makes the second add a no-op), so the limits hold up
 * to a race of a few, never by the thousands. Within a tenant, endpoints take turns in a random
 * order, so one busy endpoint does not always go first.
 */
const IN_FLIGHT_SCAN = 5000;

export async function admitPending(services: Pick<Services, 'config'>, tenantId: TenantId, enqueue: Enqueue, now = new Date()): Promise<number> {
  const { endpointConcurrency, tenantConcurrency } = services.config.webhooks;
  const deliveries = webhookDeliveries(tenantId);
  const inFlight = await deliveries.inFlight(IN_FLIGHT_SCAN);
  // A delivery waiting for a later retry holds its endpoint's slot, not the tenant's.
  const busy = inFlight.filter((d) => d.status === 'queued' || !d.nextAttemptAt || new Date(d.nextAttemptAt) <= now).length;
  let room = tenantConcurrency - busy;
  if (room <= 0) return 0;
  const perEndpoint = new Map<string, number>();
  for (const d of inFlight) perEndpoint.set(d.endpointId, (perEndpoint.get(d.endpointId) ?? 0) + 1);

  let admitted = 0;
  for (const endpointId of shuffled(await deliveries.endpointsWithPending())) {
    const allowance = Math.min(room, endpointConcurrency - (perEndpoint.get(endpointId) ?? 0));
    if (allowance <= 0) continue;
    for (const d of await deliveries.pendingOf(endpointId, allowance)) {
      await enqueue({ tenantId, deliveryId: d._id }, d.jobId);
      await deliveries.markQueued(d._id, d.jobId, now);
      admitted += 1;
      room -= 1;
    }
    if (room <= 0) break;
  }
  return admitted;
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
