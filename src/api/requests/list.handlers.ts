import type { RouteHandler } from '@hono/zod-openapi';
import { instant } from '../fields.ts';
import { z } from 'zod';
import { REGULATION_CODES, type RegulationCode } from '../../domain/regulations.ts';
import { REQUEST_STATUSES, REQUEST_TYPES } from '../../domain/request.ts';
import { fromDid } from '../../domain/subjects.ts';
import { listRequests, requestStats } from '../../db/request-list.ts';
import { organizationScope } from '../access.ts';
import type { AppDeps } from '../deps.ts';
import type { Actor, AuthEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';
import { toRequestBody } from './open-request.ts';
import type { listRequestsRoute, statsRoute } from './list.routes.ts';

const RequestCursor = z.tuple([instant(), z.uuid()]);

/** A controller sees its organization only; asking for another one is a 403, not an empty page. */
function organizationFilter(actor: Actor, requested: string | undefined): string | undefined {
  const scope = organizationScope(actor);
  if (scope !== undefined && requested !== undefined && requested !== scope) {
    throw new ApiError(403, 'FORBIDDEN_ORGANIZATION', `Role controller of organization "${scope}" may not list organization "${requested}"`);
  }
  return scope ?? requested;
}

const zeroes = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<string, number>;

export const createListHandlers = (deps: AppDeps) => {
  const list: RouteHandler<typeof listRequestsRoute, AuthEnv> = async (c) => {
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor, RequestCursor);
    const rows = await listRequests(deps.pool, {
      organizationId: organizationFilter(c.get('actor'), q.organization),
      status: q.status ? [q.status] : undefined,
      type: q.type ? [q.type] : undefined,
      regulation: q.regulation ? [q.regulation] : undefined,
      overdue: q.overdue === undefined ? undefined : q.overdue === 'true',
      dueBefore: q.dueBefore,
      receivedFrom: q.receivedFrom,
      receivedTo: q.receivedTo,
      subjectId: q.subject ? fromDid(q.subject)! : undefined,
      duplicate: q.duplicate === undefined ? undefined : q.duplicate === 'true',
      duplicateUndecided: q.duplicateUndecided === 'true' ? true : undefined,
      overLimit: q.overLimit === undefined ? undefined : q.overLimit === 'true',
      after: after ? { receivedAt: after[0], id: after[1] } : undefined,
      now: deps.now().toISOString(),
      limit: q.limit,
    });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return c.json(
      {
        items: page.map((r) => ({ ...toRequestBody(r), overdue: r.is_overdue, completedAt: r.completed_at })),
        nextCursor: rows.length > q.limit && last ? encodeCursor([last.received_at, last.id]) : null,
      },
      200,
    );
  };

  const stats: RouteHandler<typeof statsRoute, AuthEnv> = async (c) => {
    const q = c.req.valid('query');
    const { counts, medians } = await requestStats(deps.pool, {
      organizationId: organizationFilter(c.get('actor'), q.organization),
      receivedFrom: q.receivedFrom,
      receivedTo: q.receivedTo,
      now: deps.now().toISOString(),
    });
    const figures = (rows: typeof counts, median: number | null) => {
      const byStatus = zeroes(REQUEST_STATUSES);
      const byType = zeroes(REQUEST_TYPES);
      let total = 0;
      let overdue = 0;
      let duplicates = 0;
      let duplicatesUndecided = 0;
      let overLimit = 0;
      for (const r of rows) {
        duplicates += r.duplicates;
        duplicatesUndecided += r.duplicates_undecided;
        overLimit += r.over_limit;
        byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
        byType[r.type] = (byType[r.type] ?? 0) + r.n;
        total += r.n;
        overdue += r.overdue;
      }
      const rounded = median === null ? null : Math.round(median * 10) / 10;
      return { total, byStatus, byType, overdue, medianDaysToComplete: rounded, duplicates, duplicatesUndecided, overLimit };
    };
    const medianOf = (regulation: string | null) => medians.find((m) => m.regulation === regulation)?.median_days ?? null;
    const regulations = REGULATION_CODES.filter((code) => counts.some((r) => r.regulation === code));
    return c.json(
      {
        ...figures(counts, medianOf(null)),
        byRegulation: regulations.map((regulation) => ({
          regulation: regulation as RegulationCode,
          ...figures(counts.filter((r) => r.regulation === regulation), medianOf(regulation)),
        })),
      },
      200,
    );
  };
  return { list, stats };
};
