import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor, LineAcknowledgement, LineChange, NewLine, OrderFacts, OrderSnapshot, OrderStatus } from '../../domain/supply/purchase-order';
import type { PurchaseOrderRules } from '../../domain/supply/purchase-order-rules';
import type { PurchaseOrderDoc } from '../../models/supply/purchase-order';

/** Messages of the purchase-order workflow (one workflow per order). */
export interface PurchaseOrderInput {
  tenantId: string;
  purchaseOrderId: string;
  order: OrderFacts & Pick<PurchaseOrderDoc, 'shipTo'>;
  /** Pinned at placement: later versions of the rules never move this order's deadlines. */
  ruleSetVersion: number;
  rules: PurchaseOrderRules;
}

export interface AcknowledgeInput { actor: Actor; lines: LineAcknowledgement[] }
export interface ChangeInput { actor: Actor; lines: LineChange[]; add: NewLine[]; note?: string }
export interface ShipInput { actor: Actor; carrier: string; tracking: string; lines: { line: number; quantity: number }[] }
export interface ReceiveInput { actor: Actor; shipmentId: string; lines: { line: number; received: number; damaged?: number }[] }

export interface OrderUpdateResult { status: OrderStatus; version: number }

export const acknowledgeOrderUpdate = defineUpdate<OrderUpdateResult, [AcknowledgeInput]>('acknowledgeOrder');
export const changeOrderUpdate = defineUpdate<OrderUpdateResult, [ChangeInput]>('changeOrder');
export const shipOrderUpdate = defineUpdate<OrderUpdateResult, [ShipInput]>('shipOrder');
export const receiveOrderUpdate = defineUpdate<OrderUpdateResult, [ReceiveInput]>('receiveOrder');
export const purchaseOrderQuery = defineQuery<OrderSnapshot>('purchaseOrderState');
