import { OpenAPIHono } from '@hono/zod-openapi';
import { findAppealOfRequest } from '../../db/appeals.ts';
import { findRequest } from '../../db/requests.ts';
import type { AuthEnv } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, defaultHook } from '../errors.ts';
import { decideAppealRoute, extendAppealRoute, fileAppealRoute, getAppealRoute } from './appeals.routes.ts';
import { decideAppeal, extendAppeal, fileAppeal, toAppealBody } from './file-appeal.ts';

/** The staff side of appeals under /v1 (the token and the request's organization are checked before these run). */
export function appealsRouter(deps: AppDeps) {
  return new OpenAPIHono<AuthEnv>({ defaultHook })
    .openapi(fileAppealRoute, async (c) => {
      const body = (c.req.valid('json') as { statement?: string; receivedAt?: string } | undefined) ?? {};
      const appeal = await fileAppeal(deps, c.req.valid('param').id, { channel: 'staff', actor: c.get('actor').name, statement: body.statement, receivedAt: body.receivedAt });
      return c.json(toAppealBody(appeal), 201);
    })
    .openapi(getAppealRoute, async (c) => {
      const { id } = c.req.valid('param');
      if (!(await findRequest(deps.pool, id))) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id}`);
      const appeal = await findAppealOfRequest(deps.pool, id);
      if (!appeal) throw new ApiError(404, 'APPEAL_NOT_FOUND', `Request ${id} has not been appealed`);
      return c.json(toAppealBody(appeal), 200);
    })
    .openapi(decideAppealRoute, async (c) => {
      const body = c.req.valid('json');
      const appeal = await decideAppeal(deps, c.req.valid('param').id, { ...body, actor: c.get('actor').name });
      return c.json(toAppealBody(appeal), 200);
    })
    .openapi(extendAppealRoute, async (c) => {
      const appeal = await extendAppeal(deps, c.req.valid('param').id, { reason: c.req.valid('json').reason, actor: c.get('actor').name });
      return c.json(toAppealBody(appeal), 200);
    });
}
