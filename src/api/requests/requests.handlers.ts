import type { RouteHandler } from '@hono/zod-openapi';
import { listRequestEvents } from '../../db/audit.ts';
import { listDestinationDeliveries } from '../../db/destinations.ts';
import { erasureSummary } from '../../db/erasure.ts';
import { listExports, type ExportRow } from '../../db/exports.ts';
import { listSuppressions } from '../../warehouse/suppressions.ts';
import { isSuppressionType } from '../../domain/suppression.ts';
import { findRequest, findSubject } from '../../db/requests.ts';
import { workflowUiUrl } from '../../workflow-client/starts.ts';
import type { AppDeps } from '../deps.ts';
import type { AuthEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';
import type { z } from '@hono/zod-openapi';
import type { OverLimitSchema } from '../subjects/schemas.ts';
import { openRequest, toRequestBody } from './open-request.ts';
import type { createRequestRoute, getRequestRoute } from './requests.routes.ts';

export { toRequestBody };

export const createRequestHandlers = (deps: AppDeps) => {
  const create: RouteHandler<typeof createRequestRoute, AuthEnv> = async (c) => {
    const { row, created } = await openRequest(deps, c.req.valid('json'), {
      actor: c.get('actor'),
      arrivedAt: c.get('arrivedAt'),
      idempotencyKey: c.req.valid('header')['idempotency-key'] ?? null,
    });
    if (!created) c.header('Idempotent-Replayed', 'true');
    return c.json(toRequestBody(row), 201);
  };

  const get: RouteHandler<typeof getRequestRoute, AuthEnv> = async (c) => {
    const { id } = c.req.valid('param');
    const row = await findRequest(deps.pool, id);
    if (!row) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id}`);
    const [subject, events, erasure, suppressions, deliveries, exports] = await Promise.all([
      findSubject(deps.pool, id),
      listRequestEvents(deps.pool, id),
      erasureSummary(deps.pool, id),
      isSuppressionType(row.type) ? listSuppressions(deps.pool, id, deps.settings.warehouseSchema) : Promise.resolve(null),
      listDestinationDeliveries(deps.pool, id),
      listExports(deps.pool, id),
    ]);
    const workflowUrl = workflowUiUrl(deps.temporal.uiUrl, deps.temporal.namespace, row.workflow_id);
    return c.json(
      {
        ...toRequestBody(row),
        subject: {
          email: subject?.email ?? '',
          ...(subject?.customer_id ? { customerId: subject.customer_id } : {}),
          ...(subject?.full_name ? { fullName: subject.full_name } : {}),
          ...(subject?.phone ? { phone: subject.phone } : {}),
        },
        completedAt: row.completed_at,
        duplicateDecision: row.duplicate_decision,
        repeatLimit: row.over_limit as z.infer<typeof OverLimitSchema> | null,
        timeline: events.map((e) => ({ at: e.occurred_at, actor: e.actor, action: e.action, fromStatus: e.from_status, toStatus: e.to_status, reason: e.reason })),
        ...(workflowUrl ? { workflowUrl } : {}),
        ...(erasure ? { erasure } : {}),
        ...(row.suppression_scopes ? { scopes: row.suppression_scopes } : {}),
        ...(row.export_formats ? { formats: row.export_formats } : {}),
        ...(exports.length > 0 ? { exports: exportsSummary(exports) } : {}),
        ...(suppressions
          ? {
              suppressions: suppressions.map((x) => ({
                id: x.suppression_id,
                scope: x.scope,
                basis: x.basis,
                effectiveAt: x.effective_at,
                liftedAt: x.lifted_at,
                liftedBy: x.lifted_by,
                liftReason: x.lift_reason,
              })),
            }
          : {}),
        ...(deliveries.length > 0
          ? {
              destinationDeliveries: deliveries.map((d) => ({
                event: d.event,
                destination: d.destination,
                status: d.status,
                attempts: d.attempts,
                lastStatusCode: d.last_status_code,
                lastError: d.last_error,
                deliveredAt: d.delivered_at,
              })),
            }
          : {}),
      },
      200,
    );
  };

  return { create, get };
};

const rowsIn = (e: ExportRow) => Object.values(e.row_counts).reduce((a, b) => a + b, 0);

/** The request's export files, and the formats skipped with the reason (the subject reads it in the download email). */
const exportsSummary = (exports: readonly ExportRow[]) => ({
  files: exports.map((e) => ({ format: e.format, status: e.status, bytes: e.bytes, readyAt: e.ready_at, expiresAt: e.expires_at })),
  skipped: exports
    .filter((e) => e.status === 'skipped')
    .map((e) => ({ format: e.format, reason: e.skipped_reason ?? 'skipped', rows: rowsIn(e), limit: e.row_limit })),
});
