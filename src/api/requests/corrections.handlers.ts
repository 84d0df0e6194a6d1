import { randomUUID } from 'node:crypto';
import type { RouteHandler } from '@hono/zod-openapi';
import { recordEvent } from '../../db/audit.ts';
import { findRectificationOutcome, listCorrections } from '../../db/rectification.ts';
import { findRequest } from '../../db/requests.ts';
import type { AppDeps } from '../deps.ts';
import type { AuthEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';
import type { correctionsRoute } from './corrections.routes.ts';

export const createCorrectionHandlers = (deps: AppDeps) => {
  /**
   * Who may read is decided by `authorize` (every staff role; a controller for its own organization only). The
   * values are personal data, so each read is recorded in the audit trail, with the reader, before it is answered.
   */
  const list: RouteHandler<typeof correctionsRoute, AuthEnv> = async (c) => {
    const { id } = c.req.valid('param');
    const request = await findRequest(deps.pool, id);
    if (!request) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id}`);
    if (request.type !== 'rectify') throw new ApiError(404, 'NOT_A_RECTIFICATION', `Request ${id} is a ${request.type} request; only rectification requests have corrections`);
    const [items, outcome] = await Promise.all([listCorrections(deps.pool, id), findRectificationOutcome(deps.pool, id)]);
    await recordEvent(deps.pool, {
      requestId: id,
      eventKey: `rectification/${id}/viewed/${randomUUID()}`,
      action: 'rectification.viewed',
      actor: c.get('actor').name,
      reason: 'corrections read, with the values before and after',
      details: { corrections: items.length },
    });
    return c.json(
      {
        requestId: id,
        outcome: !outcome ? ('pending' as const) : outcome.outcome === 'no_data' ? ('noData' as const) : outcome.outcome,
        items: items.map((i) => ({
          position: i.position,
          model: i.model,
          field: i.field,
          rowKey: i.row_key,
          newValue: i.new_value,
          before: i.before_value,
          after: i.after_value,
          appliedAt: i.applied_at,
        })),
      },
      200,
    );
  };
  return { list };
};
