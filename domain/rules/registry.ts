import type { TSchema } from '@sinclair/typebox';

/**
 * Rules are data. Each kind of rule set (onboarding, tiers, deal-approval, commission…) registers
 * the JSON schema its definitions must satisfy, checks a schema cannot express, the default a new
 * tenant starts with, and a dry run that shows what the rules would do with sample input.
 */
export interface RuleKind<Def = unknown, In = unknown, Out = unknown> {
  kind: string;
  description: string;
  schema: TSchema;
  defaultDefinition: Def;
  /** Cross-field checks; returns problems as `field: detail` pairs. */
  check?(definition: Def): { field: string; detail: string }[];
  dryRunInput?: TSchema;
  dryRun?(definition: Def, input: In): Out;
}

const kinds = new Map<string, RuleKind<any, any, any>>();

export function registerRuleKind<Def, In, Out>(kind: RuleKind<Def, In, Out>): RuleKind<Def, In, Out> {
  kinds.set(kind.kind, kind);
  return kind;
}

export function ruleKind(kind: string): RuleKind<any, any, any> | undefined {
  return kinds.get(kind);
}

export function ruleKinds(): RuleKind<any, any, any>[] {
  return [...kinds.values()];
}
