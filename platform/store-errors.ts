/** A unique index refused the write: the usual way this code decides races without transactions. */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number }).code === 11000;
