import type { SearchAttributeSpec } from './temporal-dev-server.ts';

/** Custom search attributes per namespace that SQL visibility (PostgreSQL, MySQL, SQLite) can hold, by type. */
export const SQL_VISIBILITY_LIMITS: Record<string, number> = { KEYWORD: 10, BOOL: 3, DATETIME: 3, INT: 3, DOUBLE: 3, TEXT: 3, KEYWORD_LIST: 3 };

/** One line per type over its limit (none: they fit). The dev server's SQLite has the same limits. */
export function checkVisibilityLimits(searchAttributes: readonly SearchAttributeSpec[]): string[] {
  const counts = new Map<string, number>();
  for (const a of searchAttributes) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
  return [...counts].filter(([type, n]) => n > (SQL_VISIBILITY_LIMITS[type] ?? 0)).map(([type, n]) => `${n} ${type} attributes, at most ${SQL_VISIBILITY_LIMITS[type] ?? 0}`);
}
