import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../config';
import { startTrellis, RunningTrellis } from '../../platform/runtime';
import { AREAS } from '../../areas';
import { activitiesOf } from '../../areas/compose';
import type { Progress } from '../../activities/onboarding/index';
import { provisionTenant, testTrellisOf } from '../support/trellis';
import type { TestTrellis } from '../support/trellis';
import { fastRules, publishOnboarding, keyFor, applyAndSubmit, applicantPost, waitForStatus, UNLIMITED_PUBLIC } from './onboarding-helpers';

/**
 * The moments around an approval, made to last: this test runs its own Temporal worker with the
 * real activities, and can hold the write of the `approved` entry (as a slow store would) or let
 * its first attempt never finish (as a worker that dies mid-write would).
 */
let running: RunningTrellis;
let worker: Worker;
let workerDone: Promise<void>;
let connection: NativeConnection;
let app: TestTrellis;

/** Holds for the application named here: `hold` until released, `lose` never answers its first attempt. */
const gate: { applicationId?: string; mode?: 'hold' | 'lose'; reached?: () => void; release?: Promise<void>; lost: (() => void)[] } = { lost: [] };

beforeAll(async () => {
  const config = loadConfig({ ...process.env, PORT: '0', ...UNLIMITED_PUBLIC });
  running = await startTrellis(config, { api: true, temporalWorker: false, queueWorker: true });
  const real = activitiesOf(AREAS, { services: running.services });
  const recordProgress = async (tenantId: string, applicationId: string, progress: Progress): Promise<void> => {
    if (applicationId === gate.applicationId && progress.entry.event === 'approved' && gate.mode) {
      const mode = gate.mode;
      gate.reached?.();
      if (mode === 'hold') await gate.release;
      if (mode === 'lose') {
        gate.mode = undefined;
        // The attempt never answers; it is let go at the end so the worker can shut down.
        await new Promise<void>((resolve) => gate.lost.push(resolve));
        return;
      }
    }
    return real.recordProgress(tenantId, applicationId, progress);
  };
  connection = await NativeConnection.connect({ address: config.temporalAddress! });
  worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    workflowBundle: { codePath: config.workflowBundlePath! },
    activities: { ...real, recordProgress },
  });
  workerDone = worker.run();
  app = testTrellisOf(running, config, { timeoutMs: 45000 });
});
afterAll(async () => {
  for (const let_go of gate.lost) let_go();
  worker?.shutdown();
  await workerDone?.catch(() => undefined);
  await connection?.close();
  await running?.stop();
});

test('a withdrawal sent after the approval was taken, before provisioning shows, is refused with 409 at once', async () => {
  const { slug, adminKey } = await provisionTenant(app);
  await publishOnboarding(app, adminKey, fastRules());
  const approver = await keyFor(app, adminKey, 'approver');
  const { id, token } = await applyAndSubmit(app, slug, adminKey);

  let release!: () => void;
  gate.release = new Promise<void>((r) => { release = r; });
  const reached = new Promise<void>((r) => { gate.reached = r; });
  gate.applicationId = id;
  gate.mode = 'hold';
  const approving = app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: approver, body: { decision: 'approve' } });
  await reached;
  // The application still reads in-review: the approval is being written.
  expect((await app.http('GET', `/v1/partner-applications/${id}`, { key: adminKey })).body.status).toBe('in-review');

  const started = Date.now();
  const withdrawal = await app.http('POST', `/v1/public/${slug}/partner-applications/${id}/withdrawal`, {
    headers: { 'x-applicant-token': token }, body: { reason: 'changed our mind' },
  });
  expect(withdrawal.status).toBe(409);
  expect(withdrawal.body.detail).toContain('already approved');
  expect(Date.now() - started).toBeLessThan(5000);

  gate.mode = undefined;
  release();
  const approved = await approving;
  expect(approved.status).toBe(200);
  expect(approved.body.partnerKey).toMatch(/.+/);
  const after = await waitForStatus(app, adminKey, id, 'enablement');
  expect(after.history.map((h: { event: string }) => h.event)).not.toContain('withdrawn');
  // Once provisioning shows, the applicant is told the same.
  const late = await applicantPost(app, slug, id, token, 'withdrawal', {});
  expect(late.status).toBe(409);
});

test('an approval whose store write is lost with its worker answers within seconds, not the minute of a long timeout', async () => {
  const { slug, adminKey } = await provisionTenant(app);
  await publishOnboarding(app, adminKey, fastRules());
  const approver = await keyFor(app, adminKey, 'approver');
  const { id } = await applyAndSubmit(app, slug, adminKey);

  gate.applicationId = id;
  gate.mode = 'lose';
  gate.reached = undefined;
  const started = Date.now();
  const approved = await app.http('POST', `/v1/partner-applications/${id}/decisions`, { key: approver, body: { decision: 'approve' } });
  const took = Date.now() - started;
  expect(approved.status).toBe(200);
  expect(took).toBeLessThan(30000);
  const after = await waitForStatus(app, adminKey, id, 'enablement');
  expect(after.history.filter((h: { event: string }) => h.event === 'approved')).toHaveLength(1);
}, 90000);
