import { allHandlersFinished, ApplicationFailure, condition, currentUpdateInfo, proxyActivities, setHandler } from '@temporalio/workflow';
import { handleUpdate } from '../updates';
import { Publisher } from '../publisher';
import type { SupplyActivities } from '../../activities/supply/index';
import { PurchaseOrder, type Refusal } from '../../domain/supply/purchase-order';
import { timingsOf } from '../../domain/supply/purchase-order-rules';
import { REFUSAL_FAILURE_TYPES } from '../../domain/refusals';
import {
  acknowledgeOrderUpdate, changeOrderUpdate, purchaseOrderQuery, receiveOrderUpdate, shipOrderUpdate,
  type OrderUpdateResult, type PurchaseOrderInput,
} from './messages';

const acts = proxyActivities<SupplyActivities>({
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** A shipment refused after its exception was recorded is refused from the handler, as a validator would. */
const refuse = (refusal: Refusal): never => {
  throw ApplicationFailure.create({ type: REFUSAL_FAILURE_TYPES[refusal.kind], message: refusal.message, nonRetryable: true });
};

/**
 * One purchase order, from placement until every line is received, rejected or cancelled: the
 * supplier acknowledges it line by line within the pinned SLA (reminded meanwhile), the buyer may
 * change it (a new version the supplier acknowledges again), the supplier ships and the buyer
 * receives. Every message is an Update the order validates, so a refused one changes nothing and
 * tells the caller why; everything that goes wrong but is accepted becomes an exception.
 */
export async function purchaseOrder(input: PurchaseOrderInput): Promise<{ status: string }> {
  const { tenantId, purchaseOrderId } = input;
  const order = PurchaseOrder.place(input.order, timingsOf(input.rules), Date.now());
  const { lines: _placed, ...facts } = input.order;
  const head = { ...facts, ruleSetVersion: input.ruleSetVersion };
  let rev = 0;
  let changes = 0;
  let eventsSent = 0;

  // Publishes go out one at a time, in order: each carries the events and exceptions since the last.
  const publisher = new Publisher();
  const publish = (): Promise<void> => {
    rev += 1;
    const mine = rev;
    const snapshot = order.snapshot();
    const { events, exceptions } = order.takeNews();
    const firstEvent = eventsSent;
    eventsSent += events.length;
    return publisher.write(() => acts.publishPurchaseOrder(tenantId, purchaseOrderId, mine, head, snapshot, { events, firstEvent, exceptions }));
  };
  /** An Update's change, published before the caller is answered (so its next read sees it). */
  const applied = async (): Promise<OrderUpdateResult> => {
    changes += 1;
    await publish();
    return { status: order.status, version: order.snapshot().version };
  };
  const requestId = (): string | undefined => {
    const id = currentUpdateInfo()?.id;
    return id?.startsWith('op:') ? id : undefined;
  };

  setHandler(purchaseOrderQuery, () => order.snapshot());
  handleUpdate(acknowledgeOrderUpdate, {
    refuse: ({ lines }) => order.checkAcknowledgement(lines),
    apply: async ({ actor, lines }) => {
      order.acknowledge(lines, actor, Date.now(), requestId());
      return applied();
    },
  });
  handleUpdate(changeOrderUpdate, {
    refuse: (change) => order.checkChange(change),
    apply: async ({ actor, ...change }) => {
      order.change(change, actor, Date.now(), requestId());
      return applied();
    },
  });
  handleUpdate(shipOrderUpdate, {
    refuse: ({ lines }) => order.checkShipment(lines),
    apply: async ({ actor, ...shipment }) => {
      const refusal = order.ship(shipment, actor, Date.now(), requestId());
      // A refused shipment still raised its exception: publish it, then refuse.
      const result = await applied();
      if (refusal) refuse(refusal);
      return result;
    },
  });
  handleUpdate(receiveOrderUpdate, {
    refuse: (receipt) => order.checkReceipt(receipt),
    apply: async ({ actor, ...receipt }) => {
      order.receive(receipt, actor, Date.now(), requestId());
      return applied();
    },
  });

  await publish();
  while (!order.finished) {
    const seen = changes;
    const at = order.nextTimerAt();
    if (at === undefined) await condition(() => changes !== seen || order.finished);
    else await condition(() => changes !== seen || order.finished, Math.max(at - Date.now(), 1));
    if (order.tick(Date.now())) await publish();
  }
  await condition(allHandlersFinished);
  await publisher.drained();
  return { status: order.status };
}
