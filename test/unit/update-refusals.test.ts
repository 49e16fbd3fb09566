import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { defineUpdate } from '@temporalio/workflow';
import { executeRefusableUpdate } from '../../services/tenant-workflows';
import { Problem } from '../../api/problem';
import { problemOf } from '../../api/errors';
import type { DomainError } from '../../domain/errors';
import { REFUSAL_FAILURE_TYPES } from '../../domain/refusals';

/** How a workflow's refusal of an Update becomes the API's answer (pure mapping, fake handle): the use case's refusal, as api/ maps it. */
const update = defineUpdate<void, [unknown]>('anything');
const refusing = (type: string) =>
  ({ executeUpdate: async () => { throw new WorkflowUpdateFailedError('refused', ApplicationFailure.create({ type, message: `${type} says no`, nonRetryable: true })); } }) as unknown as WorkflowHandle;

async function refusalOf(type: string): Promise<Problem> {
  try {
    await executeRefusableUpdate(refusing(type), update, {}, 'ended');
  } catch (err) {
    return problemOf(err as DomainError);
  }
  throw new Error('no refusal');
}

test('"not ready yet" is a 409 the client retries, so its Idempotency-Key does not remember it', async () => {
  const notReady = await refusalOf(REFUSAL_FAILURE_TYPES['not-ready']);
  expect(notReady).toBeInstanceOf(Problem);
  expect(notReady.status).toBe(409);
  expect(notReady.retryable).toBe(true);
});

test('a refusal of the state and invalid input are final answers', async () => {
  const refused = await refusalOf(REFUSAL_FAILURE_TYPES.state);
  expect([refused.status, refused.retryable]).toEqual([409, false]);
  const invalid = await refusalOf(REFUSAL_FAILURE_TYPES.input);
  expect([invalid.status, invalid.retryable]).toEqual([422, false]);
});
