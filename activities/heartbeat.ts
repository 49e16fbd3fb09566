import { Context } from '@temporalio/activity';

/**
 * Heartbeats while work runs, so a killed worker is noticed at the heartbeat timeout (seconds)
 * while slow but live work (an append queued behind a burst on the tenant's audit chain) is not
 * cut off by a short start-to-close timeout and retried into a bigger queue. Outside an activity
 * (tests call activities directly) it just runs the work.
 */
export async function withHeartbeat<T>(work: () => Promise<T>, everyMs = 1000): Promise<T> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    context.heartbeat();
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The same activities, each heartbeating while it runs. */
export function heartbeating<A extends Record<string, (...args: any[]) => Promise<unknown>>>(activities: A): A {
  return Object.fromEntries(Object.entries(activities).map(([name, fn]) => [name, (...args: unknown[]) => withHeartbeat(() => fn(...args))])) as A;
}
