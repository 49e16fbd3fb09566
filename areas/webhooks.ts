import type { AreaManifest } from './manifest';
import { webhookRoutes } from '../api/routes/webhooks/webhooks';
import { WebhookEndpointModel } from '../models/webhooks/endpoint';
import { WebhookDeliveryModel } from '../models/webhooks/delivery';
import { WebhookRelayCursorModel } from '../models/webhooks/relay-cursor';
import { WebhookTenantModel } from '../models/webhooks/tenant';

/**
 * Signed outbound webhooks for every area's events (docs/webhooks.md). Its files live in the
 * tenancy folders (`webhook*`), beside the audit chain it reads; the queue worker runs its relay
 * and delivery queues (workers/webhook-delivery.ts).
 */
export const webhooks = {
  name: 'webhooks',
  routes: webhookRoutes,
  createActivities: () => ({}),
  workflows: [],
  models: { tenant: [WebhookEndpointModel, WebhookDeliveryModel, WebhookRelayCursorModel], platform: [WebhookTenantModel] },
  ruleKinds: [],
  partyLookups: {},
  reapers: { platform: [], tenant: [] },
} satisfies AreaManifest;
