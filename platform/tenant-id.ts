/**
 * A tenant's id as the type system sees it: a string that has been through `asTenantId`, which
 * happens only where a tenant is known for certain (the authenticated key's tenant, a workflow's
 * own tenant, the reaper's pass over tenants). Services and repositories take `TenantId`, so a
 * call that forgets the tenant, or passes some other string where one belongs, does not compile.
 */
export type TenantId = string & { readonly __brand: 'TenantId' };

const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class InvalidTenantIdError extends Error {
  constructor(raw: unknown) {
    super(`not a tenant id: ${JSON.stringify(raw)}`);
    this.name = 'InvalidTenantIdError';
  }
}

export function asTenantId(raw: string): TenantId {
  if (typeof raw !== 'string' || !TENANT_ID.test(raw)) throw new InvalidTenantIdError(raw);
  return raw as TenantId;
}
