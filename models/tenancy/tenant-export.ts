import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/** A requested export of all of a tenant's data, built by the queue worker in chunks. */
export interface TenantExportDoc {
  _id: string;
  tenantId: string;
  status: 'queued' | 'running' | 'ready' | 'failed';
  requestedBy: string;
  counts?: Record<string, number>;
  chunks: number;
  bytes: number;
  error?: string;
  createdAt: Date;
  completedAt?: Date;
}

export interface TenantExportChunkDoc {
  _id: string;
  tenantId: string;
  exportId: string;
  index: number;
  text: string;
}

const exportSchema = new Schema<TenantExportDoc>(
  {
    _id: { type: String, required: true },
    status: { type: String, required: true },
    requestedBy: { type: String, required: true },
    counts: { type: Schema.Types.Mixed },
    chunks: { type: Number, default: 0 },
    bytes: { type: Number, default: 0 },
    error: String,
    completedAt: Date,
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
exportSchema.index({ tenantId: 1, _id: 1 });

const chunkSchema = new Schema<TenantExportChunkDoc>(
  {
    _id: { type: String, required: true },
    exportId: { type: String, required: true },
    index: { type: Number, required: true },
    text: { type: String, required: true },
  },
  { versionKey: false },
);
chunkSchema.index({ tenantId: 1, exportId: 1, index: 1 }, { unique: true });

export const TenantExportModel = tenantModel<TenantExportDoc>('TenantExport', exportSchema, 'tenant_exports');
export const TenantExportChunkModel = tenantModel<TenantExportChunkDoc>('TenantExportChunk', chunkSchema, 'tenant_export_chunks');
