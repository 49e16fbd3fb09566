import { UnrecoverableError } from 'bullmq';
import type { Model } from 'mongoose';
import { tenantRecords } from '../../models/tenancy/tenant-repository';
import { tenantDataStore, tenantExportStore } from '../../models/tenancy/tenant-export-repository';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import type { TenantExportJob } from '../queues';

/**
 * Fields that must never leave the platform, even in the tenant's own export: secrets' hashes and
 * the addresses applicants came from. (An agreement's `hash` is the agreed text's, not a secret.)
 */
export const REDACTED: Record<string, string[]> = {
  ApiKey: ['hash'],
  PartnerApplication: ['applicantTokenHash', 'submittedFrom', 'agreement.ip'],
  PartnerInvitation: ['tokenHash'],
  // Sealed signing secrets stay with the tenant's live endpoints; an export never carries them.
  WebhookEndpoint: ['secrets'],
  // Partners' sealed bank accounts likewise (the export keeps holder, bank and last four digits).
  PartnerBankAccount: ['sealed'],
};
/** The export's own bookkeeping is not tenant data. */
const SKIPPED = new Set(['TenantExport', 'TenantExportChunk']);
const CHUNK_BYTES = 1024 * 1024;
const PAGE = 500;

/** The tenant is being removed: stop, and do not let BullMQ retry. */
export class TenantGoneError extends UnrecoverableError {}

/**
 * Only an active tenant is exported. Checked before every write, so an export that offboarding
 * overtakes stops instead of writing the tenant's data back after the purge.
 */
async function assertExportable(tenantId: TenantId): Promise<void> {
  const tenant = await tenantRecords.byId(tenantId);
  if (tenant?.status !== 'active') throw new TenantGoneError(`tenant ${tenantId} is ${tenant?.status ?? 'gone'}; export stopped`);
}

/**
 * Builds a complete JSON export of one tenant, collection by collection, paging on `_id` and
 * storing the text in numbered chunks. Running it again (a retried job) starts the export over.
 * `tenantModels` are the areas' tenant-owned models (Services.models.tenant).
 */
export async function buildTenantExport(job: TenantExportJob, tenantModels: ReadonlyMap<string, Model<unknown>>): Promise<{ bytes: number; chunks: number }> {
  const tenantId = asTenantId(job.tenantId);
  const { exportId } = job;
  const exports = tenantExportStore(tenantId);
  const data = tenantDataStore(tenantId, tenantModels);
  await assertExportable(tenantId);
  await exports.startOver(exportId);
  const tenant = await tenantRecords.byId(tenantId);
  let buffer = '';
  let chunks = 0;
  let bytes = 0;
  const flush = async (force: boolean) => {
    while (buffer.length >= CHUNK_BYTES || (force && buffer.length > 0)) {
      const text = buffer.slice(0, CHUNK_BYTES);
      buffer = buffer.slice(text.length);
      await assertExportable(tenantId);
      await exports.writeChunk(exportId, chunks, text);
      chunks += 1;
      bytes += Buffer.byteLength(text);
    }
  };
  const counts: Record<string, number> = {};
  buffer += `{"format":"trellis-tenant-export/1","exportId":${JSON.stringify(exportId)},"exportedAt":${JSON.stringify(new Date())},"tenant":${JSON.stringify(tenant)},"collections":{`;
  let firstCollection = true;
  for (const { name, collection } of data.exportedCollections()) {
    if (SKIPPED.has(name)) continue;
    await assertExportable(tenantId);
    buffer += `${firstCollection ? '' : ','}${JSON.stringify(collection)}:[`;
    firstCollection = false;
    counts[name] = 0;
    let after: unknown;
    for (;;) {
      const docs = await data.page(name, after, PAGE, REDACTED[name] ?? []);
      for (const doc of docs) {
        buffer += `${counts[name] === 0 ? '' : ','}${JSON.stringify(doc)}`;
        counts[name] += 1;
      }
      await flush(false);
      if (docs.length < PAGE) break;
      after = docs[docs.length - 1]._id;
    }
    buffer += ']';
  }
  buffer += '}}';
  await flush(true);
  await assertExportable(tenantId);
  await exports.markReady(exportId, { counts, chunks, bytes });
  return { bytes, chunks };
}

/** Nothing is written for a tenant being removed: offboarding deletes the export record itself. */
export async function markExportFailed(job: TenantExportJob, error: string): Promise<void> {
  const tenantId = asTenantId(job.tenantId);
  const tenant = await tenantRecords.byId(tenantId);
  if (tenant?.status !== 'active' && tenant?.status !== 'failed') return;
  await tenantExportStore(tenantId).markFailed(job.exportId, error);
}
