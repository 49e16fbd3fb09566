import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Connections } from '../platform/connections';
import { AuditLog } from './tenancy/audit';
import { ApiKeys } from './tenancy/api-keys';
import { RuleSets } from './tenancy/rule-sets';
import { Tenants } from './tenancy/tenants';
import { TenantWorkflows } from './tenant-workflows';
import { Queues } from './queues';
import { Parties } from './tenancy/parties';
import { ConsoleSessions } from './tenancy/console-sessions';
import type { AreaManifest } from '../areas/manifest';
import { modelsOf, partyLookupsOf, ruleKindsOf, AreaModels } from '../areas/compose';
import { ensureIndexes } from '../models/indexes';

/** Everything the API and the workers share, built once per process from its connections. */
export interface Services {
  config: Config;
  conns: Connections;
  logger: Logger;
  audit: AuditLog;
  apiKeys: ApiKeys;
  ruleSets: RuleSets;
  parties: Parties;
  /** The areas' models (areas/): what provisioning, export and offboarding walk. */
  models: AreaModels;
  /** Creates every area model's indexes (once per process; idempotent). */
  ensureIndexes(): Promise<number>;
  tenants: Tenants;
  workflows: TenantWorkflows;
  queues: Queues;
  /** Console sign-ins (cookie sessions opened with an API key). */
  consoleSessions: ConsoleSessions;
}

export function createServices(config: Config, conns: Connections, logger: Logger, areas: readonly AreaManifest[]): Services {
  const audit = new AuditLog();
  const queues = new Queues(conns.redis, config);
  const models = modelsOf(areas);
  const apiKeys = new ApiKeys();
  return {
    config,
    conns,
    logger,
    audit,
    apiKeys,
    ruleSets: new RuleSets(ruleKindsOf(areas), { minDurationMs: config.minRuleDurationMs }),
    parties: new Parties(partyLookupsOf(areas)),
    models,
    ensureIndexes: () => ensureIndexes(models.all),
    tenants: new Tenants(conns, config, queues),
    workflows: new TenantWorkflows(conns, config),
    queues,
    consoleSessions: new ConsoleSessions(conns.redis, config.redisPrefix, config.consoleSessionTtlSeconds, apiKeys),
  };
}
