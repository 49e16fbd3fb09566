import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { REFUSAL_FAILURE_TYPES, type Refusal } from '../domain/refusals';

/**
 * How every workflow takes an Update: `refuse` says why it may not be taken now (pure checks,
 * run as the validator, so a refused Update never enters history and its caller gets the reason
 * at once); `apply` takes it and answers.
 */
export function handleUpdate<Ret, Arg>(
  update: UpdateDefinition<Ret, [Arg]>,
  handler: NoInfer<{ refuse: (arg: Arg) => Refusal | undefined; apply: (arg: Arg) => Promise<Ret> }>,
): void {
  setHandler(update, handler.apply, {
    validator: (arg: Arg) => {
      const refusal = handler.refuse(arg);
      if (refusal) throw ApplicationFailure.create({ type: REFUSAL_FAILURE_TYPES[refusal.kind], message: refusal.message, nonRetryable: true });
    },
  });
}
