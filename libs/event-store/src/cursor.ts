import { InvalidQueryError } from './event-store.errors';

/** Largest page a search answers. */
export const MAX_PAGE_SIZE = 1000;

/** Opaque search cursors (the sort values of the last hit), shared by both adapters' `search`. */
export type SortValue = string | number | null;

export function encodeCursor(sort: SortValue[]): string {
  return Buffer.from(JSON.stringify({ v: 1, s: sort }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): SortValue[] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: number; s?: unknown };
    if (
      parsed.v === 1 &&
      Array.isArray(parsed.s) &&
      parsed.s.length === 2 &&
      parsed.s.every((x) => typeof x === 'number' || typeof x === 'string')
    ) {
      return parsed.s as SortValue[];
    }
  } catch {
    // fall through
  }
  throw new InvalidQueryError('cursor is not one this service issued', [{ field: 'cursor' }]);
}
