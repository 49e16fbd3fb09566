import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';

/**
 * A worker that runs the real workflow bundle with stub activities on a task queue of its own,
 * against the Temporal dev server the global setup started (no store, no API). Each stub call is
 * recorded in order, so a test can assert what a workflow asked for and in which order.
 */
export interface StubWorker {
  client: Client;
  taskQueue: string;
  calls: { name: string; args: any[] }[];
  stop(): Promise<void>;
}

type Stubs = Record<string, (...args: any[]) => Promise<unknown>>;

export async function startStubWorker(stubs: Stubs): Promise<StubWorker> {
  const address = process.env.TEMPORAL_ADDRESS!;
  const namespace = process.env.TEMPORAL_NAMESPACE!;
  const taskQueue = `stub-${randomBytes(6).toString('hex')}`;
  const calls: StubWorker['calls'] = [];
  const recorded = Object.fromEntries(Object.entries(stubs).map(([name, stub]) => [name, async (...args: any[]) => {
    calls.push({ name, args });
    return stub(...args);
  }]));
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace,
    taskQueue,
    workflowBundle: { codePath: process.env.TRELLIS_WORKFLOW_BUNDLE! },
    activities: recorded,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  return {
    client: new Client({ connection, namespace }),
    taskQueue,
    calls,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** Polls until `probe` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('the condition did not hold in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
