import mongoose, { Schema, type Model } from 'mongoose';
import { tenantModel } from '../../models/tenant-model';
import { inTenant } from '../../platform/tenant-context';

/**
 * A small tenant-owned model for the tenant-scope tests: what the plugin allows and refuses is
 * shown on it rather than on a business model, so a business model's change cannot hide a
 * regression of the scope. Each suite names its own collection so suites never see each other's rows.
 */
export interface Widget {
  _id: string;
  tenantId: string;
  name: string;
  size: number;
}

export function widgetModel(name: string, collection: string): Model<Widget> {
  const schema = new Schema<Widget>({ _id: String, name: String, size: Number }, { versionKey: false });
  schema.index({ tenantId: 1, name: 1 }, { unique: true });
  return tenantModel<Widget>(name, schema, collection);
}

/** Connects, creates the indexes and seeds two widgets for tenant `a` and one for tenant `b` (same name as one of a's). */
export async function seedWidgets(
  Widget: Model<Widget>,
  a: { tenant: string; ids: [string, string] },
  b: { tenant: string; id: string },
  connect: mongoose.ConnectOptions = {},
): Promise<void> {
  await mongoose.connect(process.env.MONGODB_URI!, connect);
  await Widget.createIndexes();
  await inTenant(a.tenant, () => Widget.create([{ _id: a.ids[0], name: 'one', size: 1 }, { _id: a.ids[1], name: 'two', size: 2 }]));
  await inTenant(b.tenant, () => Widget.create([{ _id: b.id, name: 'one', size: 10 }]));
}
