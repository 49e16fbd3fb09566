import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * A URL a tenant (its staff) or one of its parties asked Trellis to push events to. The signing
 * secrets are kept sealed (services/webhooks/secrets.ts), never in clear: Trellis must
 * recover them to sign, so they cannot be hashes like API keys.
 */
export interface WebhookSecretDoc {
  /** 1 for the secret given at creation, one more for each rotation. */
  version: number;
  /** AES-256-GCM, bound to the tenant and endpoint. */
  sealed: string;
  createdAt: Date;
  /** Set on the secret a rotation replaced: deliveries carry its signature until then. */
  expiresAt?: Date;
}

export interface WebhookEndpointDoc {
  _id: string;
  tenantId: string;
  url: string;
  description?: string;
  /** Exact event types, `family.*` or `*` (domain/webhooks/events.ts). */
  eventTypes: string[];
  /** A party's endpoint gets only that party's events; staff endpoints have none. */
  partyId?: string;
  /** The newest first. */
  secrets: WebhookSecretDoc[];
  /** The audit seq when it was created: it receives the events after it. */
  fromSeq: number;
  createdBy: string;
  createdAt: Date;
  deletedAt?: Date;
}

const schema = new Schema<WebhookEndpointDoc>(
  {
    _id: { type: String, required: true },
    url: { type: String, required: true },
    description: String,
    eventTypes: { type: [String], required: true },
    partyId: String,
    secrets: [{ _id: false, version: { type: Number, required: true }, sealed: { type: String, required: true }, createdAt: { type: Date, required: true }, expiresAt: Date }],
    fromSeq: { type: Number, required: true },
    createdBy: { type: String, required: true },
    deletedAt: Date,
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, _id: 1 });
schema.index({ tenantId: 1, partyId: 1, _id: 1 });

export const WebhookEndpointModel = tenantModel<WebhookEndpointDoc>('WebhookEndpoint', schema, 'webhook_endpoints');
