import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/** How far the webhook relay has read a tenant's audit chain (the last seq fanned out). */
export interface WebhookRelayCursorDoc {
  _id: string;
  tenantId: string;
  seq: number;
}

const schema = new Schema<WebhookRelayCursorDoc>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true } },
  { versionKey: false },
);

export const WebhookRelayCursorModel = tenantModel<WebhookRelayCursorDoc>('WebhookRelayCursor', schema, 'webhook_relay_cursors');
