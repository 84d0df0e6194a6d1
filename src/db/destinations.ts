import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

const deliveryStatusRow = z.object({
  event: z.string(),
  destination: z.string(),
  status: z.enum(['pending', 'delivered', 'abandoned']),
  attempts: z.number(),
  last_status_code: z.number().nullable(),
  last_error: z.string().nullable(),
  delivered_at: z.string().nullable(),
});

/** Every destination delivery of a request, for the request detail: names, statuses, counts; never the event body. */
export const listDestinationDeliveries = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(deliveryStatusRow)`
    select e.kind as event, d.destination, d.status, d.attempts, d.last_status_code, d.last_error, d.delivered_at
    from dsrflow.destination_deliveries d join dsrflow.destination_events e on e.id = d.event_id
    where e.request_id = ${requestId} order by e.created_at, d.destination`);
