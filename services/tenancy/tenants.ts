import { WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/client';
import type { TenantDoc, TenantSettings } from '../../models/tenancy/tenant';
import type { Isolation, TenantStatus } from '../../domain/tenancy/lifecycle';
import type { TenantExportDoc } from '../../models/tenancy/tenant-export';
import { tenantRecords } from '../../models/tenancy/tenant-repository';
import { tenantExportStore } from '../../models/tenancy/tenant-export-repository';
import { newId } from '../../platform/ids';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { issueTenantKey } from '../../domain/tenancy/api-key-format';
import { checkRegional } from '../../domain/tenancy/regional-settings';
import { dedicatedNamespace, provisioningWorkflow, offboardingWorkflow } from '../../domain/workflow-ids';
import { DomainError, conflict, notFound } from '../../domain/errors';
import type { Connections } from '../../platform/connections';
import type { Config } from '../../config';
import type { Queues } from '../queues';
import type { Services } from '..';

export interface ProvisionRequest {
  name: string;
  slug: string;
  isolation: Isolation;
  currency: string;
  timezone: string;
  locale: string;
}

export interface ProvisionInput {
  tenantId: TenantId;
  adminKey: { keyId: string; hash: string; prefix: string };
}


/** Tenant lifecycle: provisioning, export and offboarding (settings: ./settings.ts). */
export class Tenants {
  constructor(
    private readonly conns: Connections,
    private readonly config: Config,
    private readonly queues: Queues,
  ) {}

  private platformClient() {
    return this.conns.clientFor(this.config.temporalNamespace);
  }

  /**
   * Creates the tenant record and starts its provisioning workflow. The first admin key is
   * generated here so its secret never enters workflow history; only its hash does.
   */
  async provision(request: ProvisionRequest, waitMs: number): Promise<{ tenant: TenantDoc; adminKey: string }> {
    const locale = checkRegional(request);
    const taken = () => conflict(`a tenant with slug "${request.slug}" already exists`, { field: 'body.slug' });
    const existing = await tenantRecords.idOfSlug(request.slug);
    if (existing) throw conflict(`a tenant with slug "${request.slug}" already exists`, { field: 'body.slug', tenantId: existing });
    const tenantId = asTenantId(newId('ten'));
    const namespace = request.isolation === 'dedicated' ? dedicatedNamespace(tenantId) : this.config.temporalNamespace;
    const settings: TenantSettings = {
      displayName: request.name,
      colors: { primary: '#1f6feb', accent: '#2da44e' },
      locale,
      timezone: request.timezone,
      currency: request.currency,
      roundingMode: 'half-even',
    };
    const created = await tenantRecords.create({
      _id: tenantId,
      slug: request.slug,
      name: request.name,
      status: 'provisioning',
      placement: { isolation: request.isolation, namespace },
      settings,
      settingsVersion: 1,
    });
    if (!created) throw taken();
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

  /** Active tenants after `after`, in id order (the reaper's pass). */
  activeTenantIds(after: string | undefined, limit: number): Promise<TenantId[]> {
    return tenantRecords.activeIdsAfter(after, limit);
  }

  /** Namespaces of dedicated tenants that still run workflows. */
  dedicatedNamespaces(): Promise<string[]> {
    return tenantRecords.dedicatedNamespaces();
  }

  get(tenantId: TenantId): Promise<TenantDoc | null> {
    return tenantRecords.byId(tenantId);
  }

  /** The tenant, or not-found. */
  async require(tenantId: TenantId): Promise<TenantDoc> {
    const tenant = await this.get(tenantId);
    if (!tenant) throw notFound(`tenant ${tenantId}`);
    return tenant;
  }

  list(opts: { before?: string; limit: number; status?: TenantStatus }): Promise<TenantDoc[]> {
    return tenantRecords.page(opts);
  }

  /** Queues an export of all of an active tenant's data; the queue worker builds it. */
  async requestExport(tenantId: TenantId, requestedBy: string): Promise<TenantExportDoc> {
    const tenant = await this.require(tenantId);
    if (tenant.status !== 'active') throw new DomainError('tenant-not-active', `tenant ${tenantId} is ${tenant.status}; only active tenants can be exported`);
    const exportId = newId('exp');
    const doc = await tenantExportStore(tenantId).create(exportId, requestedBy);
    await this.queues.tenantExports.add('export', { tenantId, exportId }, { jobId: exportId });
    return doc;
  }

  async getExport(tenantId: TenantId, exportId: string): Promise<TenantExportDoc> {
    await this.require(tenantId);
    const doc = await tenantExportStore(tenantId).byId(exportId);
    if (!doc) throw notFound(`export ${exportId}`);
    return doc;
  }

  /** A ready export and its text, streamed chunk by chunk in order. */
  async download(tenantId: TenantId, exportId: string): Promise<{ doc: TenantExportDoc; text: AsyncGenerator<string> }> {
    const doc = await this.getExport(tenantId, exportId);
    if (doc.status !== 'ready') throw conflict(`export ${doc._id} is ${doc.status}, not ready yet`);
    return { doc, text: exportChunks(tenantId, doc) };
  }

  /**
   * Starts offboarding: terminate the tenant's workflows, remove its data, free its namespace. A
   * tenant stuck in provisioning is accepted: offboarding stops its provisioning first. A tenant
   * already deleted is answered as it is.
   */
  async offboard(tenantId: TenantId, requestedBy: string): Promise<TenantDoc> {
    const tenant = await this.require(tenantId);
    if (tenant.status === 'deleted') return tenant;
    await this.platformClient().workflow.start(offboardingWorkflow.type, {
      workflowId: offboardingWorkflow.id(tenantId),
      taskQueue: this.config.temporalTaskQueue,
      args: [{ tenantId, requestedBy }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    await tenantRecords.markOffboarding(tenantId);
    return (await this.get(tenantId))!;
  }
}

async function* exportChunks(tenantId: TenantId, doc: TenantExportDoc): AsyncGenerator<string> {
  const exports = tenantExportStore(tenantId);
  for (let index = 0; index < doc.chunks; index++) {
    const chunk = await exports.chunk(doc._id, index);
    if (!chunk) throw new Error(`export ${doc._id} is missing chunk ${index}`);
    yield chunk.text;
  }
}

/**
 * Closes tenants left in `provisioning` for longer than `olderThanMs` whose provisioning workflow
 * is not running (its start failed after the record was written, or it ended without opening the
 * tenant). Without a workflow nobody ever received the first admin key, so such a tenant is
 * failed, not finished; it can then be offboarded. Returns what it did, for the reaper's log.
 */
export async function reapStaleTenants(services: Services, olderThanMs: number): Promise<{ activated: string[]; failed: string[] }> {
  const stuck = await tenantRecords.stuckInProvisioning(new Date(Date.now() - olderThanMs), 100);
  const client = services.conns.clientFor(services.config.temporalNamespace);
  const done = { activated: [] as string[], failed: [] as string[] };
  for (const tenantId of stuck) {
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
      await tenantRecords.markActive(tenantId);
      done.activated.push(tenantId);
      continue;
    }
    const reason = state ? `provisioning ended (${state.toLowerCase()}) without opening the tenant` : 'provisioning never started';
    await tenantRecords.markFailed(tenantId, reason);
    done.failed.push(tenantId);
  }
  return done;
}
