import { NativeConnection, Worker } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import { loadConfig } from '../../config';
import { startTrellis, RunningTrellis } from '../../platform/runtime';
import { AREAS } from '../../areas';
import { activitiesOf } from '../../areas/compose';
import type { CommissionActivities } from '../../activities/commissions/index';
import { calculateRun, executeRun } from '../../services/commissions/payout-execution';
import { DealModel } from '../../models/deals/deal';
import { PartnerModel } from '../../models/onboarding/partner';
import { inTenant } from '../../platform/tenant-context';
import { asTenantId } from '../../platform/tenant-id';
import { newId } from '../../platform/ids';
import { provisionTenant, waitFor, TestTrellis, testTrellisOf } from '../support/trellis';

/**
 * A worker killed during the calculation and again during the execution of a payout run. The
 * worker here takes the first attempt of each and goes silent as a dead one would (no heartbeat,
 * no answer): the calculation after writing its first batch, the execution after writing all of
 * it. The next attempts resume from the last heartbeat and still give exactly one payment
 * instruction per partner and a balanced ledger. Each death costs a 15 s heartbeat timeout before
 * the retry, so on a loaded CI machine the whole story takes well over a minute: the waits are
 * generous rather than tight.
 */
const PARTNERS = 250;
let running: RunningTrellis;
let worker: Worker | undefined;
let workerDone: Promise<void> | undefined;
let app: TestTrellis;
const resumedAt: number[] = [];
let executions = 0;

beforeAll(async () => {
  const config = loadConfig({ ...process.env, PORT: '0' });
  running = await startTrellis(config, { api: true, temporalWorker: false, queueWorker: true });
  const real = activitiesOf(AREAS, { services: running.services }) as unknown as CommissionActivities;
  const silence = () => Context.current().sleep(10 * 60_000);
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: config.temporalAddress! }),
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    workflowBundle: { codePath: config.workflowBundlePath! },
    activities: {
      ...real,
      async calculatePayoutRun(rawTenantId: string, runId: string) {
        const context = Context.current();
        if (context.info.attempt > 1) {
          resumedAt.push(context.info.heartbeatDetails as number);
          return real.calculatePayoutRun(rawTenantId, runId);
        }
        let died = false;
        await calculateRun(asTenantId(rawTenantId), runId, 0, (done) => {
          context.heartbeat(done);
          if (!died) throw Object.assign(new Error('dies after its first batch'), { died: (died = true) });
        }).catch((err: { died?: boolean }) => {
          if (!err.died) throw err;
        });
        await silence();
      },
      async executePayoutRun(...args: Parameters<CommissionActivities['executePayoutRun']>) {
        executions += 1;
        if (Context.current().info.attempt === 1) {
          const [rawTenantId, runId, d] = args;
          await executeRun(running.services, asTenantId(rawTenantId), runId, d.by, new Date(d.decidedAt));
          await silence();
        }
        return real.executePayoutRun(...args);
      },
    },
    shutdownGraceTime: '1 second',
  });
  workerDone = worker.run();
  app = testTrellisOf(running, config);
});
afterAll(async () => {
  worker?.shutdown();
  await workerDone?.catch(() => undefined);
  await running?.stop();
});

async function seed(tenantId: string, closedAt: Date): Promise<string[]> {
  const verified = { submittedAt: new Date(), verifiedAt: new Date(), verifiedBy: 'test', reference: 'doc' };
  const partners = Array.from({ length: PARTNERS }, () => newId('ptn'));
  await inTenant(asTenantId(tenantId), async () => {
    await PartnerModel.insertMany(partners.map((id) => ({
      _id: id, name: `Partner ${id}`, email: `p@${id}.example`, emailDomain: `${id}.example`, country: 'DE', status: 'active', tier: 'silver',
      tierHistory: [{ tier: 'silver', effectiveFrom: new Date(0), reason: 'seed', changedBy: 'test' }], goodStanding: true,
      payoutEligibility: { eligible: true, reasons: [] }, documents: [{ kind: 'tax-form', ...verified }, { kind: 'bank-details', ...verified }],
    })));
    await DealModel.insertMany(partners.map((partnerId) => ({
      _id: newId('deal'), partnerId, registeredBy: 'key_seed', customer: { name: `Customer of ${partnerId}`, country: 'DE' }, customerKeys: [],
      amountMinor: 100000, currency: 'USD', amountTenantMinor: 100000, tenantCurrency: 'USD', fxRate: '1', products: ['suite'],
      expectedCloseDate: closedAt, tierAtRegistration: 'silver', ruleSetVersion: 1, status: 'closed', outcome: 'won',
      closedAmountMinor: 100000, closedCurrency: 'USD', closedAmountTenantMinor: 100000, closedAt, history: [], steps: [], rev: 1,
    })));
  });
  return partners;
}

test('killed during calculation and execution: resumed from the last batch, one instruction per partner, a balanced ledger', async () => {
  const { tenantId, adminKey } = await provisionTenant(app);
  const key = async () => (await running.services.apiKeys.create(asTenantId(tenantId), { name: 'finance', role: 'finance', createdBy: 'test' })).plaintext;
  const [maker, checker] = [await key(), await key()];
  expect((await app.http('POST', '/v1/rule-sets/commission/versions', { key: adminKey, body: { definition: { rates: { default: '0.05' } }, effectiveFrom: '2020-01-01T00:00:00Z' } })).status).toBe(201);
  const now = new Date();
  const closedAt = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15, 12));
  const partners = await seed(tenantId, closedAt);

  const started = await app.http('POST', '/v1/payout-runs', { key: maker, body: { period: closedAt.toISOString().slice(0, 7) } });
  expect(started.status).toBe(202);
  const runPath = `/v1/payout-runs/${started.body.id}`;
  await waitFor(async () => (await app.http('GET', runPath, { key: maker })).body.status === 'awaiting-approval', 150_000);
  expect(resumedAt).toEqual([200]);
  const run = (await app.http('GET', runPath, { key: maker })).body;
  expect(run).toMatchObject({ progress: { processed: PARTNERS, total: PARTNERS }, totals: { total: '12500.00', payable: '12500.00', held: '0.00', partners: PARTNERS, payees: PARTNERS }, holds: [] });

  const approved = await app.http('POST', `${runPath}/approve`, { key: checker, body: {} });
  expect(approved.status).toBe(200);
  expect(approved.body.status).toBe('approved');
  expect(executions).toBe(2);
  const instructions = (await app.http('GET', `${runPath}/instructions`, { key: maker })).body.items;
  expect(instructions).toHaveLength(PARTNERS);
  expect(new Set(instructions.map((i: { partnerId: string }) => i.partnerId))).toEqual(new Set(partners));
  expect(instructions.every((i: { amount: string }) => i.amount === '50.00')).toBe(true);
  expect((await app.http('GET', '/v1/ledger', { key: maker })).body).toMatchObject({ postings: PARTNERS, balanced: true, debitMinor: 1250000, creditMinor: 1250000 });
}, 240_000);
