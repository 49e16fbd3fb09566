import type { Model } from 'mongoose';

const ensured = new WeakMap<Model<any>, Promise<void>>();

/**
 * Creates the models' indexes (tenant models' are shared by all tenants, each led by tenantId).
 * Done once per model per process: at start-up, and provisioning's step then finds it already
 * done; a failure is forgotten so the next call tries again. The models are the areas'
 * (Services.models.all).
 */
export async function ensureIndexes(models: readonly Model<any>[]): Promise<number> {
  for (const model of models) {
    let done = ensured.get(model);
    if (!done) {
      done = model.createIndexes().catch((err: unknown) => {
        ensured.delete(model);
        throw err;
      });
      ensured.set(model, done);
    }
    await done;
  }
  return models.length;
}
