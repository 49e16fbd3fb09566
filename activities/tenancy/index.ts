import { Context, ApplicationFailure } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { TenantModel, TenantDoc } from '../../models/tenancy/tenant';
import { ensureNamespace, isGrpcStatus, GRPC } from '../../platform/temporal-namespaces';
import { offboardingWorkflow, provisioningWorkflow } from '../../domain/workflow-ids';
import { tenantDataStore, tenantExportStore } from '../../models/tenancy/tenant-export-repository';
import type { Services } from '../../services';
import type { ProvisionInput } from '../../services/tenancy/tenants';
import { withHeartbeat } from '../heartbeat';
import { asTenantId } from '../../platform/tenant-id';

const SYSTEM = { type: 'system' as const, id: 'provisioning' };

/** Export bookkeeping goes last, after everything an export could still have been reading. */
const DELETED_LAST = new Set(['TenantExportChunk', 'TenantExport']);



/** Activities of the tenant lifecycle. Each is idempotent: Temporal may run it more than once. */
export function createTenancyActivities({ services }: { services: Services }) {
  const { conns, audit, ruleSets, apiKeys, config } = services;

  async function tenantOrThrow(tenantId: string): Promise<TenantDoc> {
    const tenant = await TenantModel.findOne({ _id: tenantId }).lean();
    if (!tenant) throw new Error(`tenant ${tenantId} does not exist`);
    return tenant;
  }

  /**
   * A provisioning step left running by a workflow offboarding terminated must not write the
   * tenant's rules or keys back once its data is being removed.
   */
  async function notBeingRemoved(tenantId: string): Promise<void> {
    const tenant = await tenantOrThrow(tenantId);
    if (tenant.status === 'offboarding' || tenant.status === 'deleted') {
      throw ApplicationFailure.nonRetryable(`tenant ${tenantId} is ${tenant.status}`, 'TenantRemoved');
    }
  }

  return {
    /** Indexes are shared by all tenants (each led by tenantId); creating them again is a no-op. */
    async ensureTenantIndexes(): Promise<number> {
      return withHeartbeat(() => services.ensureIndexes());
    },

    /** Registers a dedicated tenant's namespace; every namespace gets the TenantId attribute. */
    async setUpTemporalPlacement(tenantId: string): Promise<string> {
      const tenant = await tenantOrThrow(tenantId);
      const { namespace, isolation } = tenant.placement;
      await withHeartbeat(() => ensureNamespace(conns.temporal, namespace, { register: isolation === 'dedicated', description: `Trellis tenant ${tenant.slug}` }));
      return namespace;
    },

    async seedDefaultRuleSets(tenantId: string): Promise<string[]> {
      await notBeingRemoved(tenantId);
      return ruleSets.seedDefaults(asTenantId(tenantId), SYSTEM.id);
    },

    async createFirstAdminKey(input: ProvisionInput): Promise<void> {
      await notBeingRemoved(input.tenantId);
      await apiKeys.store(input.tenantId, input.adminKey, { name: 'first admin key', role: 'tenant-admin', createdBy: 'platform' });
      await audit.record(input.tenantId, {
        actor: SYSTEM,
        action: 'api-key.created',
        entity: { type: 'api-key', id: input.adminKey.keyId },
        data: { role: 'tenant-admin', name: 'first admin key' },
        eventKey: `api-key.created:${input.adminKey.keyId}`,
      });
    },

    /** Audits first, then opens the tenant: whoever sees it active also finds the event. */
    async activateTenant(tenantId: string): Promise<void> {
      const tenant = await tenantOrThrow(tenantId);
      await audit.record(asTenantId(tenantId), {
        actor: SYSTEM,
        action: 'tenant.provisioned',
        entity: { type: 'tenant', id: tenantId },
        data: { slug: tenant.slug, placement: tenant.placement },
        eventKey: 'tenant.provisioned',
      });
      await TenantModel.updateOne({ _id: tenantId, status: 'provisioning' }, { $set: { status: 'active', provisionedAt: new Date() } });
    },

    async markTenantFailed(tenantId: string, reason: string): Promise<void> {
      await TenantModel.updateOne({ _id: tenantId, status: 'provisioning' }, { $set: { status: 'failed', failureReason: reason.slice(0, 500) } });
    },

    /** A tenant stuck in provisioning can be offboarded too (its workflow is stopped first). */
    async markTenantOffboarding(tenantId: string): Promise<void> {
      await TenantModel.updateOne({ _id: tenantId, status: { $in: ['active', 'failed', 'provisioning'] } }, { $set: { status: 'offboarding' } });
    },

    /** Stops a provisioning still running, so it writes nothing behind the deletion. */
    async stopTenantProvisioning(tenantId: string): Promise<void> {
      try {
        await conns.clientFor(config.temporalNamespace).workflow.getHandle(provisioningWorkflow.id(tenantId)).terminate('tenant offboarded');
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },

    /**
     * Removes the tenant's queued export jobs and returns how many are still running. A running
     * export stops by itself at its next write once the tenant is offboarding; the workflow calls
     * this until none is left, so no export writes after the purge.
     */
    async stopTenantExports(tenantId: string): Promise<number> {
      const open = await tenantExportStore(asTenantId(tenantId)).openIds();
      let running = 0;
      for (const exportId of open) {
        Context.current().heartbeat(exportId);
        const job = await services.queues.tenantExports.getJob(exportId);
        if (!job) continue;
        const state = await job.getState();
        if (state === 'active') {
          running += 1;
          continue;
        }
        if (state === 'completed' || state === 'failed') continue;
        try {
          await job.remove();
        } catch {
          running += 1; // taken by a worker meanwhile: wait for it like any running export
        }
      }
      return running;
    },

    /**
     * Terminates the tenant's running workflows and returns how many were found. Visibility is
     * eventually consistent, so the workflow calls this until it finds none.
     */
    async terminateTenantWorkflows(tenantId: string): Promise<number> {
      const tenant = await tenantOrThrow(tenantId);
      const client = conns.clientFor(tenant.placement.namespace);
      const query = tenant.placement.isolation === 'dedicated'
        ? 'ExecutionStatus = "Running"'
        : `TenantId = "${tenantId}" AND ExecutionStatus = "Running"`;
      let found = 0;
      for await (const execution of client.workflow.list({ query })) {
        if (execution.workflowId === offboardingWorkflow.id(tenantId)) continue;
        found += 1;
        Context.current().heartbeat(found);
        try {
          await client.workflow.getHandle(execution.workflowId, execution.runId).terminate('tenant offboarded');
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      return found;
    },

    /** Deletes the tenant's Temporal schedules (tier reviews…) so nothing starts behind us. */
    async deleteTenantSchedules(tenantId: string): Promise<number> {
      const tenant = await tenantOrThrow(tenantId);
      const client = conns.clientFor(tenant.placement.namespace);
      let deleted = 0;
      for await (const schedule of client.schedule.list()) {
        const ours = tenant.placement.isolation === 'dedicated' || schedule.scheduleId.startsWith(`${tenantId}/`);
        if (!ours) continue;
        Context.current().heartbeat(deleted);
        try {
          await client.schedule.getHandle(schedule.scheduleId).delete();
          deleted += 1;
        } catch (err) {
          if ((err as { name?: string }).name !== 'ScheduleNotFoundError') throw err;
        }
      }
      return deleted;
    },

    /** Deletes every tenant-owned document, model by model, inside the tenant's scope. */
    async deleteTenantData(tenantId: string): Promise<Record<string, number>> {
      const deleted: Record<string, number> = {};
      const data = tenantDataStore(asTenantId(tenantId), services.models.tenant);
      const ordered = [...services.models.tenant.keys()].sort((a, b) => Number(DELETED_LAST.has(a)) - Number(DELETED_LAST.has(b)));
      for (const name of ordered) {
        Context.current().heartbeat(name);
        deleted[name] = await data.deleteAll(name);
      }
      return deleted;
    },

    /** Removes the tenant's Redis keys (rate-limit windows, idempotency records). */
    async purgeTenantRedisKeys(tenantId: string): Promise<number> {
      let removed = 0;
      const stream = conns.redis.scanStream({ match: `${config.redisPrefix}:*:${tenantId}:*`, count: 500 });
      for await (const keys of stream as AsyncIterable<string[]>) {
        Context.current().heartbeat(removed);
        if (keys.length > 0) removed += await conns.redis.del(...keys);
      }
      return removed;
    },

    async removeTemporalPlacement(tenantId: string): Promise<void> {
      const tenant = await tenantOrThrow(tenantId);
      if (tenant.placement.isolation !== 'dedicated') return;
      try {
        await conns.temporal.operatorService.deleteNamespace({ namespace: tenant.placement.namespace });
      } catch (err) {
        if (!isGrpcStatus(err, GRPC.NOT_FOUND)) throw err;
      }
    },

    /** Leaves a tombstone without personal data; the slug is released for reuse. */
    async markTenantDeleted(tenantId: string): Promise<void> {
      await TenantModel.updateOne(
        { _id: tenantId },
        { $set: { status: 'deleted', deletedAt: new Date(), slug: `deleted-${tenantId}`, name: 'deleted tenant', settings: {} } },
      );
    },
  };
}

export type TenancyActivities = ReturnType<typeof createTenancyActivities>;
