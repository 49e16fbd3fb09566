import { TenantModel } from './tenancy/tenant';
import { PlatformSecretModel } from './tenancy/platform-secret';
import { tenantModels } from './tenant-model';

let ensured: Promise<number> | undefined;

/**
 * Creates every model's indexes (shared by all tenants, each led by tenantId). Done once per
 * process: at start-up, and provisioning's step then finds it already done.
 */
export function ensureAllIndexes(): Promise<number> {
  ensured ??= (async () => {
    const models = [TenantModel, PlatformSecretModel, ...tenantModels.values()];
    for (const model of models) await model.createIndexes();
    return models.length;
  })().catch((err) => {
    ensured = undefined;
    throw err;
  });
  return ensured;
}
