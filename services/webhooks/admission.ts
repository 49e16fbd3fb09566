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
 * to a race of a few, never by the thousands. Within a tenant, endpoints take turns going first
 * (the turn moves every second), so one busy endpoint does not always win the tenant's room.
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
  for (const endpointId of inTurn(await deliveries.endpointsWithPending(), now)) {
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

/**
 * The endpoints in a turn that moves on every second: each gets to go first in turn, and
 * admissions running in the same second (after attempts that ended together) agree on the order,
 * so they pick the same deliveries rather than over-filling the tenant's room.
 */
function inTurn(endpointIds: string[], now: Date): string[] {
  const sorted = [...endpointIds].sort();
  if (sorted.length === 0) return sorted;
  const start = Math.floor(now.getTime() / 1000) % sorted.length;
  return [...sorted.slice(start), ...sorted.slice(0, start)];
}

/**
 * Admissions after attempts, at most one running per tenant in this process: attempts that end
 * together (a receiver answering a batch) ask for one more admission, not one each, so a busy
 * tenant costs the store a query or two per round of attempts rather than per attempt.
 */
export class AdmissionAfterAttempts {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(
    private readonly admit: (tenantId: TenantId) => Promise<unknown>,
    private readonly onError: (err: unknown, tenantId: TenantId) => void,
  ) {}

  request(tenantId: TenantId): void {
    if (this.running.has(tenantId)) {
      this.again.add(tenantId);
      return;
    }
    const run = async () => {
      do {
        this.again.delete(tenantId);
        await this.admit(tenantId).catch((err: unknown) => this.onError(err, tenantId));
      } while (this.again.has(tenantId));
      this.running.delete(tenantId);
    };
    this.running.set(tenantId, run());
  }

  /** Waits for the admissions under way (at shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }
}
