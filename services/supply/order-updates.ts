import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { conflict, DomainError, invalid } from '../../domain/errors';
import { refusalKindOf } from '../../domain/refusals';

/**
 * Sends a change to an order's workflow, which validates it. Its refusals become the use case's:
 * input that can never be accepted is a 422, not-ready a moment's wait, anything
 * else a 409 carrying the order's reason; an order whose process has ended accepts nothing.
 */
export async function sendToOrder<Ret, Arg>(handle: WorkflowHandle, update: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId?: string): Promise<Ret> {
  try {
    return await handle.executeUpdate(update, { args: [arg], ...(updateId ? { updateId } : {}) });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause;
      const reason = cause?.message ?? err.message;
      const kind = refusalKindOf(cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined);
      if (kind === 'input') throw invalid('body', reason);
      if (kind === 'not-ready') throw new DomainError('not-ready', reason);
      throw conflict(reason);
    }
    if (err instanceof WorkflowNotFoundError) throw conflict('the order has finished; it accepts no more changes');
    throw err;
  }
}
