import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Mailer } from './mailer.ts';

/**
 * The service's own Prometheus metrics (docs/operations.md lists them). One registry per process: the API and the
 * worker each add theirs; `npm start` runs both in one process and serves one registry. Labels are route
 * templates, activity names, statuses and regulations only: never an id, an email or a query string.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;
  readonly activities: Histogram<'activity' | 'outcome'>;
  readonly emails: Counter<'outcome'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dsrflow_process_' });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'dsrflow_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status: count and server time',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    activities: new Histogram({
      name: 'dsrflow_activity_duration_seconds',
      help: 'Activity attempts by activity name and outcome (exports: exportSubjectData, the push: pushDeletionRequests)',
      labelNames: ['activity', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600],
      registers: [registry],
    }),
    emails: new Counter({
      name: 'dsrflow_emails_total',
      help: 'Emails handed to SMTP, by outcome (sent, failed); a failed send is retried by its activity',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

/** The mailer, counting each send's outcome. */
export function countedMailer(mailer: Mailer, metrics: Metrics): Mailer {
  return {
    async send(mail) {
      try {
        await mailer.send(mail);
        metrics.emails.inc({ outcome: 'sent' });
      } catch (error) {
        metrics.emails.inc({ outcome: 'failed' });
        throw error;
      }
    },
    close: () => mailer.close(),
  };
}
