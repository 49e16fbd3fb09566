import { WorkflowHandle, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowStartOptions, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { conflict, DomainError, invalid } from '../domain/errors';
import { refusalKindOf } from '../domain/refusals';
import { TypedSearchAttributes, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Workflow } from '@temporalio/common';
import type { Connections } from '../platform/connections';
import type { Config } from '../config';
import type { TenantDoc } from '../models/tenancy/tenant';
import type { TenantProcess } from '../domain/workflow-ids';

export const TENANT_ID_ATTRIBUTE = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);

/**
 * Starts and finds a tenant's workflows wherever its placement says they run: the pooled
 * namespace (id prefix + TenantId search attribute) or the tenant's dedicated namespace.
 */
export class TenantWorkflows {
  constructor(private readonly conns: Connections, private readonly config: Config) {}

  client(tenant: Pick<TenantDoc, 'placement'>) {
    return this.conns.clientFor(tenant.placement.namespace);
  }

  async start<W extends Workflow>(
    tenant: Pick<TenantDoc, '_id' | 'placement'>,
    workflow: TenantProcess,
    id: string,
    args: Parameters<W>,
    opts: { reuseExisting?: boolean } = {},
  ): Promise<WorkflowHandle<W>> {
    const options = {
      workflowId: workflow.id(tenant._id, id),
      taskQueue: this.config.temporalTaskQueue,
      args,
      typedSearchAttributes: new TypedSearchAttributes([{ key: TENANT_ID_ATTRIBUTE, value: tenant._id }]),
      // Tasks in a shared queue are dispatched fairly across tenants (activities inherit it).
      priority: { fairnessKey: tenant._id },
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      ...(opts.reuseExisting ? { workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING } : {}),
    } as unknown as WorkflowStartOptions<W>;
    return this.client(tenant).workflow.start<W>(workflow.type, options);
  }

  handle<W extends Workflow>(tenant: Pick<TenantDoc, '_id' | 'placement'>, workflow: TenantProcess, id: string): WorkflowHandle<W> {
    return this.client(tenant).workflow.getHandle<W>(workflow.id(tenant._id, id));
  }
}


/**
 * Sends a decision to a running process. The workflow validates it, and its refusal (domain/refusals.ts)
 * becomes the answer here, the one place that maps them: a 409 (not now), a 422 (never like this)
 * or a retryable 409 (not ready yet), carrying the workflow's reason; a process that has already
 * ended becomes a 409 saying so.
 */
export async function executeRefusableUpdate<Ret, Arg>(
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  endedMessage: string,
  /** Temporal answers a repeated Update id with the first outcome instead of running it again. */
  updateId?: string,
  /**
   * How a refusal reads: a decision on an approval (`decision-refused`), or a plain `conflict` for
   * business documents such as purchase orders, whose refusals say what the order's state forbids.
   */
  refusedAs: 'decision-refused' | 'conflict' = 'decision-refused',
): Promise<Ret> {
  const refusal = (message: string, retryable = false): DomainError =>
    refusedAs === 'conflict'
      ? (retryable ? new DomainError('not-ready', message) : conflict(message))
      : new DomainError('decision-refused', message, retryable ? { retryable: true, retryAfterSeconds: 1 } : undefined);
  try {
    return await handle.executeUpdate(update, { args: [arg], ...(updateId ? { updateId } : {}) });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause;
      const message = cause?.message ?? err.message;
      const kind = refusalKindOf(cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined);
      if (kind === 'input') throw invalid('body', message);
      throw refusal(message, kind === 'not-ready');
    }
    if (err instanceof WorkflowNotFoundError) throw refusal(endedMessage);
    throw err;
  }
}
