import type { TSchema } from '@sinclair/typebox';
import type { RuleLimits, RuleProblem } from '../durations';
import type { RoundingMode } from '../money';

/**
 * Rules are data. Each kind of rule set (onboarding, tiers, deal-approval, commission…) declares
 * the JSON schema its definitions must satisfy, checks a schema cannot express, the default a new
 * tenant starts with, and a dry run that shows what the rules would do with sample input. Each
 * area's manifest (areas/) lists its kinds; RuleSets is built with them.
 */

/** What checks need to know beyond the definition: configured bounds and the tenant. */
export interface RuleCheckContext {
  limits: RuleLimits;
  /** The tenant's currency; absent only where no tenant is involved (unit tests of a default). */
  tenantCurrency?: string;
}

/** What a dry run needs to answer as a real run would: the tenant's money settings. */
export interface DryRunContext {
  tenantCurrency: string;
  roundingMode: RoundingMode;
}

/** What a dry run over the tenant's own data is given beyond the sample: who asks, and the services to read with. */
export interface DryRunData {
  services: unknown;
  tenantId: string;
  role?: string;
}

/** Sample input a dry run cannot use; the API answers 422 naming `field`. */
export class RuleInputError extends Error {
  constructor(readonly field: string, readonly detail: string) {
    super(`${field} ${detail}`);
  }
}

export interface RuleKind<Def = unknown, In = unknown, Out = unknown> {
  kind: string;
  description: string;
  schema: TSchema;
  defaultDefinition: Def;
  /** The default for one tenant, where it depends on the tenant (amounts in its currency). */
  defaultFor?(tenant: { currency: string }): Def;
  /** Cross-field checks; returns problems as `field: detail` pairs, fields named `body.definition.…`. */
  check?(definition: Def, context: RuleCheckContext): RuleProblem[];
  /** Whether the definition holds amounts in the tenant currency (which then cannot change). */
  holdsAmounts?(definition: Def): boolean;
  dryRunInput?: TSchema;
  /** Throws RuleInputError for sample input a real run would refuse. */
  dryRun?(definition: Def, input: In, context: DryRunContext): Out;
  /**
   * A dry run over the tenant's own data, for input that asks for it (a commission plan over a
   * past period's real deals). A pure kind cannot read the store, so its area's manifest attaches
   * this from the services layer; `services` is the process's Services, which domain code cannot
   * name, and `role` the caller's (the tenant's own data may be for fewer roles than the sample
   * dry run). Answers undefined for input the pure `dryRun` handles.
   */
  dryRunOverData?(data: DryRunData, definition: Def, input: In, context: DryRunContext): Promise<Out> | undefined;
}
