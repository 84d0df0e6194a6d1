import { createMiddleware } from 'hono/factory';

/** When the request reached the API: a request's `receivedAt` (when not given) is this, not when the database answered. */
export type ArrivalEnv = { Variables: { arrivedAt: Date } };

export const stampArrival = (now: () => Date) =>
  createMiddleware<ArrivalEnv>(async (c, next) => {
    c.set('arrivedAt', now());
    await next();
  });
