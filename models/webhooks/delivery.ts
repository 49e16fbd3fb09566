import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { DeliveryStatus } from '../../domain/webhooks/events';

/**
 * One event for one endpoint, and how sending it went. Created once per (endpoint, event) by a
 * unique index, so a relay pass that runs twice creates nothing twice.
 *
 *   pending ─relay enqueues─> queued ─attempt─> delivered
 *                               │  └─fails─> retrying ─…─> dead (the dead letter)
 *   delivered | dead ─POST …/retry─> pending          endpoint deleted ─> cancelled
 */

export interface WebhookDeliveryDoc {
  _id: string;
  tenantId: string;
  endpointId: string;
  /** The endpoint's party, copied so a party lists its deliveries on an index. */
  partyId?: string;
  eventId: string;
  eventSeq: number;
  eventType: string;
  status: DeliveryStatus;
  /** The BullMQ job that sends it now (a replay gets a new one). */
  jobId: string;
  attempts: number;
  replays: number;
  lastStatusCode?: number;
  lastError?: string;
  lastAttemptAt?: Date;
  /** When the next attempt is due (queued or retrying). */
  nextAttemptAt?: Date;
  deliveredAt?: Date;
  deadAt?: Date;
  createdAt: Date;
}

const schema = new Schema<WebhookDeliveryDoc>(
  {
    _id: { type: String, required: true },
    endpointId: { type: String, required: true },
    partyId: String,
    eventId: { type: String, required: true },
    eventSeq: { type: Number, required: true },
    eventType: { type: String, required: true },
    status: { type: String, required: true },
    jobId: { type: String, required: true },
    attempts: { type: Number, required: true },
    replays: { type: Number, required: true },
    lastStatusCode: Number,
    lastError: String,
    lastAttemptAt: Date,
    nextAttemptAt: Date,
    deliveredAt: Date,
    deadAt: Date,
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, endpointId: 1, eventId: 1 }, { unique: true });
schema.index({ tenantId: 1, _id: 1 });
schema.index({ tenantId: 1, status: 1, nextAttemptAt: 1 });
schema.index({ tenantId: 1, partyId: 1, _id: 1 });
schema.index({ tenantId: 1, endpointId: 1, _id: 1 });
// The admission of one endpoint's waiting deliveries, oldest first.
schema.index({ tenantId: 1, endpointId: 1, status: 1, _id: 1 });

export const WebhookDeliveryModel = tenantModel<WebhookDeliveryDoc>('WebhookDelivery', schema, 'webhook_deliveries');
