import { randomBytes } from 'node:crypto';

/**
 * The shown-once secrets of onboarding: the applicant's token (`tra_…`, for the applicant's own
 * requests) and an invitation's token (`tri_…`). 32 random bytes each; only their hashes are
 * stored, and anything not of this shape is refused before it is hashed and looked up.
 */
export type SecretKind = 'tra' | 'tri';

export const newSecret = (kind: SecretKind): string => `${kind}_${randomBytes(32).toString('base64url')}`;

export const isSecretOf = (kind: SecretKind, token: string): boolean => new RegExp(`^${kind}_[A-Za-z0-9_-]{43}$`).test(token);
