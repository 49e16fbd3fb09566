/** A unique index refused the write: the usual way this code decides races without transactions. */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number }).code === 11000;

/** Inserts unless a unique key is taken: true when this call inserted, false when an earlier write holds the key. */
export async function insertOnce(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
