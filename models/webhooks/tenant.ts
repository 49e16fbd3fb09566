import mongoose, { Schema } from 'mongoose';

/**
 * Platform-level: the tenants that ever had a webhook endpoint, so the relay visits those and
 * not every tenant on every tick. A row is added before a tenant's first endpoint and removed
 * once the tenant is gone, so no tenant with an endpoint is ever missing.
 */
interface WebhookTenantDoc {
  _id: string;
  since: Date;
}

const schema = new Schema<WebhookTenantDoc>(
  { _id: { type: String, required: true }, since: { type: Date, required: true } },
  { versionKey: false, autoIndex: false },
);

export const WebhookTenantModel = mongoose.model<WebhookTenantDoc>('WebhookTenant', schema, 'webhook_tenants');

/** The registry as the relay and the endpoint use cases see it. */
export const webhookTenants = {
  async enrol(tenantId: string): Promise<void> {
    await WebhookTenantModel.updateOne({ _id: tenantId }, { $setOnInsert: { since: new Date() } }, { upsert: true }).catch((err: { code?: number }) => {
      if (err.code !== 11000) throw err; // enrolled by a concurrent request
    });
  },
  async page(after: string | undefined, limit: number): Promise<string[]> {
    const rows = await WebhookTenantModel.find(after ? { _id: { $gt: after } } : {}, { _id: 1 }).sort({ _id: 1 }).limit(limit).lean();
    return rows.map((r) => r._id);
  },
  async remove(tenantIds: string[]): Promise<void> {
    if (tenantIds.length > 0) await WebhookTenantModel.deleteMany({ _id: { $in: tenantIds } });
  },
};
