import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

/** The floor for Temporal measurements: a workflow that does nothing. */
export async function noop(): Promise<string> {
  return 'ok';
}

export const stepUpdate = defineUpdate<number, [string]>('step');

/**
 * The floor for the purchase-order benchmark: a workflow that takes `steps` Updates, each
 * answered at once with no activity, and ends after the last (a purchase order takes three:
 * acknowledge, ship, receive).
 */
export async function trivialOrder(steps: number): Promise<string> {
  let taken = 0;
  setHandler(stepUpdate, () => ++taken);
  await condition(() => taken >= steps);
  return 'ok';
}
