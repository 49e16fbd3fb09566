import { WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { TenantModel, TenantDoc, Isolation, TenantSettings } from '../../models/tenancy/tenant';
import { TenantExportModel, TenantExportChunkModel, TenantExportDoc } from '../../models/tenancy/tenant-export';
import { newId } from '../../platform/ids';
import { inTenant } from '../../platform/tenant-context';
import { issueTenantKey } from '../../domain/tenancy/api-key-format';
import { dedicatedNamespace, provisioningWorkflow, offboardingWorkflow } from '../../domain/workflow-ids';
import { Problem, notFound } from '../../api/problem';
import type { Connections } from '../../platform/connections';
import type { Config } from '../../config';
import type { Queues } from '../queues';
import type { Services } from '..';
import type { AuditLog } from './audit';
import type { AuditActor } from '../../models/tenancy/audit-event';
import { isDuplicateKey } from '../../platform/store-errors';
import { SettingsVersionModel } from '../../models/tenancy/settings-version';
import { withAudit } from '../outbox';
import { randomUUID } from 'node:crypto';

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
    const handle = await this.platformClient().workflow.start(provisioningWorkflow.type, {
      workflowId: provisioningWorkflow.id(tenantId),
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

  /**
   * Replaces the settings if `ifMatch` is still the current version. The race between concurrent
   * updates is decided by inserting settings version ifMatch+1 (unique per tenant): one wins, the
   * others get 412 (a retry with the same Idempotency-Key replays the winner's answer).
   */
  async updateSettings(tenantId: string, settings: TenantSettings, ifMatch: number, actor: AuditActor, requestId: string): Promise<TenantDoc> {
    const current = await this.get(tenantId);
    if (!current) throw notFound('tenant');
    const version = ifMatch + 1;
    const stale = (at: number) =>
      new Problem('precondition-failed', `settings are at version ${at}, not ${ifMatch}; GET them again and retry`, { headers: { ETag: `"${at}"` } });
    const latest = await this.rollSettingsForward(current);
    if (latest.settingsVersion !== ifMatch) throw stale(latest.settingsVersion);
    // The event is staged under a key of this attempt alone: several updates race for version n+1,
    // and only the one whose nonce the version carries may have its event relayed after a crash.
    const nonce = randomUUID();
    const event = {
      actor,
      action: 'settings.updated',
      entity: { type: 'tenant', id: tenantId },
      data: { settingsVersion: version, settings },
      requestId,
      eventKey: `settings:${version}:${nonce}`,
    };
    await withAudit({ audit: this.audit }, tenantId, event, { model: 'SettingsVersion', filter: { version, nonce } }, async () => {
      try {
        await inTenant(tenantId, () => SettingsVersionModel.create({ _id: `${tenantId}:settings:${version}`, version, settings, nonce }));
      } catch (err) {
        if (isDuplicateKey(err)) throw stale(version);
        throw err;
      }
      await this.applySettingsVersion(tenantId, version, settings);
    });
    const updated = (await this.get(tenantId))!;
    return updated;
  }

  /** The tenant with every accepted settings version applied (one may be pending after a crash). */
  async rollSettingsForward(tenant: TenantDoc): Promise<TenantDoc> {
    let current = tenant;
    for (;;) {
      const pending = await inTenant(tenant._id, () => SettingsVersionModel.findOne({ version: current.settingsVersion + 1 }).lean());
      if (!pending) return current;
      await this.applySettingsVersion(tenant._id, pending.version, pending.settings);
      current = { ...current, settings: pending.settings, settingsVersion: pending.version };
    }
  }

  /** Only ever moves the version forward, so a late writer cannot put an older version back. */
  private async applySettingsVersion(tenantId: string, version: number, settings: TenantSettings): Promise<void> {
    await TenantModel.updateOne({ _id: tenantId, settingsVersion: { $lt: version } }, { $set: { settings, settingsVersion: version } });
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

  /**
   * Starts offboarding: terminate the tenant's workflows, remove its data, free its namespace. A
   * tenant stuck in provisioning is accepted: offboarding stops its provisioning first.
   */
  async offboard(tenant: TenantDoc, requestedBy: string): Promise<TenantDoc> {
    await this.platformClient().workflow.start(offboardingWorkflow.type, {
      workflowId: offboardingWorkflow.id(tenant._id),
      taskQueue: this.config.temporalTaskQueue,
      args: [{ tenantId: tenant._id, requestedBy }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    await TenantModel.updateOne({ _id: tenant._id, status: { $in: ['active', 'failed', 'provisioning'] } }, { $set: { status: 'offboarding' } });
    return (await this.get(tenant._id))!;
  }
}

/**
 * Closes tenants left in `provisioning` for longer than `olderThanMs` whose provisioning workflow
 * is not running (its start failed after the record was written, or it ended without opening the
 * tenant). Without a workflow nobody ever received the first admin key, so such a tenant is
 * failed, not finished; it can then be offboarded. Returns what it did, for the reaper's log.
 */
export async function reapStaleTenants(services: Services, olderThanMs: number): Promise<{ activated: string[]; failed: string[] }> {
  const cutoff = new Date(Date.now() - olderThanMs);
  const stuck = await TenantModel.find({ status: 'provisioning', createdAt: { $lt: cutoff } }, { _id: 1 }).limit(100).lean();
  const client = services.conns.clientFor(services.config.temporalNamespace);
  const done = { activated: [] as string[], failed: [] as string[] };
  for (const { _id: tenantId } of stuck) {
    const handle = client.workflow.getHandle(provisioningWorkflow.id(tenantId));
    let state: string | undefined;
    try {
      state = (await handle.describe()).status.name;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (state === 'RUNNING') continue;
    const outcome = state === 'COMPLETED' ? ((await handle.result()) as { status?: string }).status : undefined;
    if (outcome === 'active') {
      await TenantModel.updateOne({ _id: tenantId, status: 'provisioning' }, { $set: { status: 'active', provisionedAt: new Date() } });
      done.activated.push(tenantId);
      continue;
    }
    const reason = state ? `provisioning ended (${state.toLowerCase()}) without opening the tenant` : 'provisioning never started';
    await TenantModel.updateOne({ _id: tenantId, status: 'provisioning' }, { $set: { status: 'failed', failureReason: reason } });
    done.failed.push(tenantId);
  }
  return done;
}
