import { invalid } from '../domain/errors';
import { isId } from '../platform/ids';

/**
 * Cursor pagination over time-ordered ids: newest first, the cursor is the last id returned.
 * Opaque to clients (base64url) so the scheme can change without breaking them.
 */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isId(id)) throw invalid('query.cursor', 'query.cursor is not a cursor this API returned');
  return id;
}

export function pageOf<T extends { _id: string }>(docs: T[], limit: number): { page: T[]; nextCursor: string | null } {
  const page = docs.slice(0, limit);
  const nextCursor = docs.length > limit ? encodeCursor(page[page.length - 1]._id) : null;
  return { page, nextCursor };
}
