import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { TenantModel, TenantDoc, Isolation, TenantSettings } from '../models/tenant';
import { TenantExportModel, TenantExportChunkModel, TenantExportDoc } from '../models/tenant-export';
import { newId } from '../platform/ids';
import { inTenant } from '../platform/tenant-context';
import { issueTenantKey } from '../domain/api-key-format';
import { dedicatedNamespace, provisioningWorkflowId, offboardingWorkflowId } from '../domain/workflow-ids';
import { Problem, notFound } from '../api/problem';
import type { Connections } from '../platform/connections';
import type { Config } from '../config';
import type { Queues } from './queues';
import type { AuditLog } from './audit';
import type { AuditActor } from '../models/audit-event';
import { isDuplicateKey } from '../platform/store-errors';

export interface ProvisionRequest {
  name: string;
  slug: string;
  isolation: Isolation;
  currency: string;
  timezone: string;
  locale: string;
}

export interface ProvisionInput {
  tenantId: string;
  adminKey: { keyId: string; hash: string; prefix: string };
}


/** Tenant lifecycle: provisioning, settings, export and offboarding. */
export class Tenants {
  constructor(
    private readonly conns: Connections,
    private readonly config: Config,
    private readonly queues: Queues,
    private readonly audit: AuditLog,
  ) {}

  private platformClient() {
    return this.conns.clientFor(this.config.temporalNamespace);
  }

  /**
   * Creates the tenant record and starts its provisioning workflow. The first admin key is
   * generated here so its secret never enters workflow history; only its hash does.
   */
  async provision(request: ProvisionRequest, waitMs: number): Promise<{ tenant: TenantDoc; adminKey: string }> {
    const existing = await TenantModel.findOne({ slug: request.slug }, { _id: 1 }).lean();
    if (existing) throw new Problem('conflict', `a tenant with slug "${request.slug}" already exists`, { field: 'body.slug', tenantId: existing._id });
    const tenantId = newId('ten');
    const namespace = request.isolation === 'dedicated' ? dedicatedNamespace(tenantId) : this.config.temporalNamespace;
    const settings: TenantSettings = {
      displayName: request.name,
      colors: { primary: '#1f6feb', accent: '#2da44e' },
      locale: request.locale,
      timezone: request.timezone,
      currency: request.currency,
      roundingMode: 'half-even',
    };
    try {
      await TenantModel.create({
        _id: tenantId,
        slug: request.slug,
        name: request.name,
        status: 'provisioning',
        placement: { isolation: request.isolation, namespace },
        settings,
        settingsVersion: 1,
      });
    } catch (err) {
      if (isDuplicateKey(err)) throw new Problem('conflict', `a tenant with slug "${request.slug}" already exists`, { field: 'body.slug' });
      throw err;
    }
    const key = issueTenantKey(tenantId, newId('key'));
    const input: ProvisionInput = { tenantId, adminKey: { keyId: key.keyId, hash: key.hash, prefix: key.prefix } };
    const handle = await this.platformClient().workflow.start('provisionTenant', {
      workflowId: provisioningWorkflowId(tenantId),
      taskQueue: this.config.temporalTaskQueue,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    await Promise.race([handle.result().catch(() => undefined), new Promise((r) => setTimeout(r, waitMs))]);
    return { tenant: (await this.get(tenantId))!, adminKey: key.plaintext };
  }

  get(tenantId: string): Promise<TenantDoc | null> {
    return TenantModel.findOne({ _id: tenantId }).lean();
  }

  list(opts: { before?: string; limit: number; status?: string }): Promise<TenantDoc[]> {
    const filter: Record<string, unknown> = {};
    if (opts.before) filter._id = { $lt: opts.before };
    if (opts.status) filter.status = opts.status;
    return TenantModel.find(filter).sort({ _id: -1 }).limit(opts.limit + 1).lean();
  }

  /** Replaces the settings if `ifMatch` is still the current version (optimistic concurrency). */
  async updateSettings(tenantId: string, settings: TenantSettings, ifMatch: number, actor: AuditActor, requestId: string): Promise<TenantDoc> {
    const updated = await TenantModel.findOneAndUpdate(
      { _id: tenantId, settingsVersion: ifMatch },
      { $set: { settings }, $inc: { settingsVersion: 1 } },
      { new: true },
    ).lean();
    if (!updated) {
      const current = await this.get(tenantId);
      if (!current) throw notFound('tenant');
      throw new Problem('precondition-failed', `settings are at version ${current.settingsVersion}, not ${ifMatch}; GET them again and retry`, {
        headers: { ETag: `"${current.settingsVersion}"` },
      });
    }
    await this.audit.record(tenantId, {
      actor,
      action: 'settings.updated',
      entity: { type: 'tenant', id: tenantId },
      data: { settingsVersion: updated.settingsVersion, settings },
      requestId,
      eventKey: `settings:${updated.settingsVersion}`,
    });
    return updated;
  }

  async requestExport(tenantId: string, requestedBy: string): Promise<TenantExportDoc> {
    const exportId = newId('exp');
    const doc = await inTenant(tenantId, () => TenantExportModel.create({ _id: exportId, status: 'queued', requestedBy, chunks: 0, bytes: 0 }));
    await this.queues.tenantExports.add('export', { tenantId, exportId }, { jobId: exportId });
    return doc.toObject();
  }

  getExport(tenantId: string, exportId: string): Promise<TenantExportDoc | null> {
    return inTenant(tenantId, () => TenantExportModel.findOne({ _id: exportId }).lean());
  }

  /** Streams a ready export's chunks in order. */
  async *exportChunks(tenantId: string, exportId: string): AsyncGenerator<string> {
    const doc = await this.getExport(tenantId, exportId);
    if (!doc) return;
    for (let index = 0; index < doc.chunks; index++) {
      const chunk = await inTenant(tenantId, () => TenantExportChunkModel.findOne({ exportId, index }).lean());
      if (!chunk) throw new Error(`export ${exportId} is missing chunk ${index}`);
      yield chunk.text;
    }
  }

  /** Starts offboarding: terminate the tenant's workflows, remove its data, free its namespace. */
  async offboard(tenant: TenantDoc, requestedBy: string): Promise<TenantDoc> {
    if (tenant.status === 'provisioning') throw new Problem('conflict', 'the tenant is still provisioning; delete it once it is active or failed');
    await this.platformClient().workflow.start('offboardTenant', {
      workflowId: offboardingWorkflowId(tenant._id),
      taskQueue: this.config.temporalTaskQueue,
      args: [{ tenantId: tenant._id, requestedBy }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    await TenantModel.updateOne({ _id: tenant._id, status: { $in: ['active', 'failed'] } }, { $set: { status: 'offboarding' } });
    return (await this.get(tenant._id))!;
  }
}
