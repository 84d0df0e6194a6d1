import { createHash, randomUUID } from 'node:crypto';
import type { RouteHandler, z } from '@hono/zod-openapi';
import { computeDeadlines } from '../../domain/deadlines.ts';
import { isTypeAllowed, type RegulationCode } from '../../domain/regulations.ts';
import { listRequestEvents } from '../../db/audit.ts';
import { findRequest, findSubject, insertRequest, markWorkflowStarted, type RequestRow } from '../../db/requests.ts';
import { startRequestWorkflow, workflowIdFor, workflowUiUrl } from '../../platform/temporal.ts';
import type { AppDeps } from '../app.ts';
import type { AuthEnv } from '../auth.ts';
import { ApiError, validationError } from '../errors.ts';
import type { createRequestRoute, CreateRequestSchema, getRequestRoute } from './requests.routes.ts';

const CLOCK_SKEW_MS = 5 * 60 * 1000;

export const toRequestBody = (r: RequestRow) => ({
  id: r.id,
  organizationId: r.organization_id,
  type: r.type,
  regulation: r.regulation as RegulationCode,
  status: r.status,
  channel: r.channel,
  receivedAt: r.received_at,
  dueAt: r.extended_due_at ?? r.due_at,
  acknowledgeBy: r.acknowledge_by,
  workflowId: r.workflow_id,
});

// Canonical JSON of the body: the same Idempotency-Key with another body is a client bug, answered 409.
const fingerprint = (body: z.infer<typeof CreateRequestSchema>) => {
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]))
      : v;
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
};

export const createRequestHandlers = (deps: AppDeps) => {
  const create: RouteHandler<typeof createRequestRoute, AuthEnv> = async (c) => {
    const body = c.req.valid('json');
    const actor = c.get('actor');
    const idempotencyKey = c.req.valid('header')['idempotency-key'] ?? null;
    const now = deps.now();
    const receivedAt = body.receivedAt ? new Date(body.receivedAt) : now;
    if (receivedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
      throw validationError([{ field: 'receivedAt', message: 'must not be in the future' }]);
    }
    if (!isTypeAllowed(body.regulation, body.type)) {
      throw validationError([{ field: 'type', message: `${body.type} requests are not a right under ${body.regulation}` }]);
    }
    const organizationId = body.organizationId ?? actor.organizationId ?? deps.settings.defaultOrganization;
    const deadlines = computeDeadlines({ regulation: body.regulation, type: body.type, receivedAt });
    const id = randomUUID();
    const print = fingerprint(body);
    const { row, created } = await insertRequest(deps.pool, {
      id,
      organizationId,
      type: body.type,
      regulation: body.regulation,
      channel: body.channel,
      receivedAt: receivedAt.toISOString(),
      dueAt: deadlines.dueAt.toISOString(),
      acknowledgeBy: deadlines.acknowledgeBy?.toISOString() ?? null,
      workflowId: workflowIdFor(id),
      idempotencyKey,
      fingerprint: print,
      createdBy: actor.name,
      subject: { email: body.subject.email, customerId: body.subject.customerId, fullName: body.subject.fullName, phone: body.subject.phone },
    });
    if (!created && row.request_fingerprint !== print) {
      throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body', { requestId: row.id });
    }
    if (!created) c.header('Idempotent-Replayed', 'true');
    if (!row.workflow_started_at) {
      try {
        await startRequestWorkflow(deps.temporal.client, row, deps.workflows);
        await markWorkflowStarted(deps.pool, row.id);
      } catch (error) {
        deps.logger.warn('workflow start failed; the request is recorded and starts when the worker restarts or the call is retried', {
          requestId: row.id,
          error: (error as Error).name,
        });
        throw new ApiError(503, 'WORKFLOW_START_FAILED', `Request ${row.id} was recorded but its workflow could not be started yet; retry with the same Idempotency-Key, or it starts when the worker restarts`, { requestId: row.id });
      }
    }
    return c.json(toRequestBody(row), 201);
  };

  const get: RouteHandler<typeof getRequestRoute, AuthEnv> = async (c) => {
    const { id } = c.req.valid('param');
    const row = await findRequest(deps.pool, id);
    if (!row) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id}`);
    const [subject, events] = await Promise.all([findSubject(deps.pool, id), listRequestEvents(deps.pool, id)]);
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
        timeline: events.map((e) => ({ at: e.occurred_at, actor: e.actor, action: e.action, fromStatus: e.from_status, toStatus: e.to_status, reason: e.reason })),
        ...(workflowUrl ? { workflowUrl } : {}),
      },
      200,
    );
  };

  return { create, get };
};
