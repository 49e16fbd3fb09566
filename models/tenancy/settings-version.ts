import { Schema } from 'mongoose';
import type { TenantSettings } from './tenant';
import { tenantModel } from '../tenant-model';

/**
 * One accepted version of a tenant's settings. An update with `If-Match: n` must insert version
 * n+1 first; the unique (tenantId, version) index lets exactly one of several concurrent updates
 * win, since the store's conditional updates are not compare-and-set. The tenant document keeps
 * a copy of the newest version for reads, rolled forward from here if a process died between.
 */
export interface SettingsVersionDoc {
  _id: string;
  tenantId: string;
  version: number;
  settings: TenantSettings;
  /** The attempt that won this version: its staged audit event names it (services/outbox.ts). */
  nonce?: string;
  createdAt: Date;
}

const schema = new Schema<SettingsVersionDoc>(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    settings: { type: Schema.Types.Mixed, required: true },
    nonce: { type: String },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, minimize: false },
);
schema.index({ tenantId: 1, version: 1 }, { unique: true });

export const SettingsVersionModel = tenantModel<SettingsVersionDoc>('SettingsVersion', schema, 'settings_versions');
