import { repository } from '../repository';
import { SettingsVersionModel, SettingsVersionDoc } from './settings-version';
import type { TenantSettings } from './tenant';
import { isDuplicateKey } from '../../platform/store-errors';

/** One tenant's accepted settings versions (the tenant document keeps a copy of the newest). */
export const settingsVersionStore = repository((inScope, tenantId) => ({
  accepted: (version: number) => inScope(() => SettingsVersionModel.findOne({ version }).lean<SettingsVersionDoc>()),

  /** Accepts `version` for the attempt `nonce`; false when another attempt took that version. */
  accept: (version: number, settings: TenantSettings, nonce: string) =>
    inScope(async () => {
      try {
        await SettingsVersionModel.create({ _id: `${tenantId}:settings:${version}`, version, settings, nonce });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    }),
}));
