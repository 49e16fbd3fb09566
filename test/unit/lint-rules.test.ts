import path from 'node:path';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import trellis from '../../scripts/lint-rules';

/**
 * The house rules in scripts/lint-rules: each valid case is code that must keep passing, each
 * invalid one a mistake the build must stop. Files are named by their repository path, since the
 * rules decide by layer and area.
 */
const ROOT = path.resolve(__dirname, '../..');
const at = (file: string) => path.join(ROOT, file);
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, sourceType: 'module' } });

describe('trellis/model-access', () => {
  tester.run('model-access', trellis.rules['model-access'], {
    valid: [
      { filename: at('api/routes/deals/deals.ts'), code: "import type { DealDoc } from '../../../models/deals/deal';" },
      { filename: at('api/routes/deals/deals.ts'), code: "import { type DealDoc, type DealStatus } from '../../../models/deals/deal';" },
      { filename: at('services/deals/deals.ts'), code: "import { dealStore } from '../../models/deals/repository';" },
      { filename: at('activities/deals/index.ts'), code: "import { dealStore } from '../../models/deals/repository';" },
      { filename: at('services/deals/deals.ts'), code: "import { TenantModel } from '../../models/tenancy/tenant';" },
      { filename: at('services/outbox.ts'), code: "import { tenantModels } from '../models/tenant-model';" },
      { filename: at('services/tiers/metrics.ts'), code: "import { repository } from '../../models/repository';" },
      { filename: at('models/deals/repository.ts'), code: "import { DealModel } from './deal';" },
      { filename: at('areas/deals.ts'), code: "import { DealModel } from '../models/deals/deal';" },
      { filename: at('test/integration/deal-reaper.test.ts'), code: "import { DealModel } from '../../models/deals/deal';" },
      { filename: at('api/routes/deals/deals.ts'), code: "import { Router } from 'express'; import { dealView } from '../../../domain/deals/view';" },
    ],
    invalid: [
      { filename: at('api/routes/deals/deals.ts'), code: "import { DealModel } from '../../../models/deals/deal';", errors: [{ messageId: 'typeOnly' }] },
      { filename: at('api/routes/deals/deals.ts'), code: "import { dealStore } from '../../../models/deals/repository';", errors: [{ messageId: 'typeOnly' }] },
      { filename: at('workflows/deals/deal-approval.ts'), code: "import { DEAL_STATUSES } from '../../models/deals/deal';", errors: [{ messageId: 'typeOnly' }] },
      { filename: at('platform/runtime.ts'), code: "import '../models';", errors: [{ messageId: 'typeOnly' }] },
      { filename: at('workers/reaper.ts'), code: "export { TenantModel } from '../models/tenancy/tenant';", errors: [{ messageId: 'typeOnly' }] },
      { filename: at('services/deals/deals.ts'), code: "import { DealModel } from '../../models/deals/deal';", errors: [{ messageId: 'modelInUseCase', data: { name: 'DealModel' } }] },
      { filename: at('activities/deals/index.ts'), code: "import * as deal from '../../models/deals/deal';", errors: [{ messageId: 'modelInUseCase' }] },
      { filename: at('services/tiers/metrics.ts'), code: "import { partnerStore } from '../../models/onboarding/repository';", errors: [{ messageId: 'otherArea', data: { source: '../../models/onboarding/repository', area: 'onboarding' } }] },
      { filename: at('services/outbox.ts'), code: "import { auditOutboxStore } from '../models/tenancy/repository';", errors: [{ messageId: 'otherArea' }] },
      { filename: at('services/deals/deals.ts'), code: "import { DealModel } from '../../models';", errors: [{ messageId: 'barrel' }] },
    ],
  });
});

describe('trellis/no-float-money', () => {
  tester.run('no-float-money', trellis.rules['no-float-money'], {
    valid: [
      { filename: at('domain/money.ts'), code: "const minor = toMinor(body.amount, 2); const n = Number(match[1]); const on = Number(flags.has('x'));" },
      { filename: at('api/middleware/rate-limit.ts'), code: 'const retry = Number(rateLimitReset); const left = Number(res.headers.get("ratelimit-remaining"));' },
      { filename: at('domain/onboarding/tax-ids.ts'), code: 'const d = Number(digits[0]); const s = +separateCount;' },
      { filename: at('bin/start.ts'), code: 'const s = ((Date.now() - startedAt) / 1000).toFixed(1);' },
      { filename: at('bench/measure.ts'), code: 'export const fmt = (n: number, digits = 1) => n.toFixed(digits);' },
    ],
    invalid: [
      { filename: at('services/deals/deals.ts'), code: 'const value = parseFloat(amount);', errors: [{ messageId: 'parseFloat' }] },
      { filename: at('domain/money.ts'), code: 'const value = Number.parseFloat(text);', errors: [{ messageId: 'parseFloat' }] },
      { filename: at('domain/money.ts'), code: 'const shown = (minor / 100).toFixed(2);', errors: [{ messageId: 'toFixed' }] },
      { filename: at('api/routes/deals/deals.ts'), code: 'const value = Number(body.amount);', errors: [{ messageId: 'moneyToNumber', data: { how: 'Number()', name: 'amount' } }] },
      { filename: at('domain/deals/commission.ts'), code: 'const owed = +line.commissionMinor;', errors: [{ messageId: 'moneyToNumber' }] },
      { filename: at('domain/tiers/evaluate.ts'), code: 'const sum = Number(deals.reduce((s, d) => s + d.totalCents, 0));', errors: [{ messageId: 'moneyToNumber' }] },
      { filename: at('api/routes/deals/deals.ts'), code: 'const fee = parseInt(query.fee, 10);', errors: [{ messageId: 'moneyToNumber' }] },
    ],
  });
});

describe('trellis/no-raw-collection', () => {
  tester.run('no-raw-collection', trellis.rules['no-raw-collection'], {
    valid: [
      { filename: at('workers/tenant-export.ts'), code: 'const name = model.collection.collectionName;' },
      { filename: at('test/integration/tenant-lifecycle.test.ts'), code: 'expect(download.body.collections.api_keys).toHaveLength(2);' },
      { filename: at('api/routes/ops.ts'), code: 'await mongoose.connection.db!.admin().command({ ping: 1 });' },
      { filename: at('bench/run.ts'), code: "const raw = mongoose.connection.db!.collection('api_keys');" },
      { filename: at('services/deals/deals.ts'), code: 'await inScope(() => DealModel.findOne({ _id: id }).lean());' },
    ],
    invalid: [
      { filename: at('services/deals/deals.ts'), code: 'await DealModel.collection.updateOne({ _id: id }, { $set: { status } });', errors: [{ messageId: 'raw', data: { what: '.collection' } }] },
      { filename: at('activities/tenancy/index.ts'), code: "await mongoose.connection.db!.collection('deals').deleteMany({});", errors: [{ messageId: 'raw' }, { messageId: 'raw' }] },
      { filename: at('workers/reaper.ts'), code: "const c = mongoose.connection.collection('deals');", errors: [{ messageId: 'raw' }] },
      { filename: at('services/tenancy/tenants.ts'), code: 'const all = mongoose.connection.collections;', errors: [{ messageId: 'raw' }] },
      { filename: at('platform/connections.ts'), code: "const client = mongoose.connection.getClient(); await client.db('x').dropDatabase();", errors: [{ messageId: 'raw' }, { messageId: 'raw' }] },
      { filename: at('services/tenancy/tenants.ts'), code: "import { MongoClient } from 'mongodb';", errors: [{ messageId: 'raw' }] },
    ],
  });
});

/** With type information (as `npm run lint` runs), erased names and Decimal#toFixed pass. */
describe('with type information', () => {
  const typed = new RuleTester({
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: { allowDefaultProject: ['api/lint-fixture.ts'] }, tsconfigRootDir: ROOT },
    },
  });
  typed.run('model-access', trellis.rules['model-access'], {
    // models/repository.ts is light to type-check (the area models pull in all of mongoose's types).
    valid: [{ filename: at('api/lint-fixture.ts'), code: "import { InScope } from '../models/repository'; export let run: InScope | undefined;" }],
    invalid: [{ filename: at('api/lint-fixture.ts'), code: "import { InScope, repository } from '../models/repository'; export const r = repository((inScope: InScope) => inScope);", errors: [{ messageId: 'typeOnly' }] }],
  });
  typed.run('no-float-money', trellis.rules['no-float-money'], {
    valid: [{ filename: at('api/lint-fixture.ts'), code: "import Decimal from 'decimal.js'; export const s = new Decimal(12345).div(100).toFixed(2);" }],
    invalid: [{ filename: at('api/lint-fixture.ts'), code: 'export const s = (12345 / 100).toFixed(2);', errors: [{ messageId: 'toFixed' }] }],
  });
});
