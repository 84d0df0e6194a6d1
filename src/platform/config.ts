import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { DEFAULT_EXPORT_FORMATS, EXPORT_FORMATS } from '../domain/data-model.ts';
import { REQUEST_TYPES } from '../domain/request.ts';
import { temporalTlsProblems } from './temporal-connection.ts';

// Every setting comes from the environment, parsed once here; a bad value names its variable.
const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.url().optional())
  .optional();

// Set or not: an empty value counts as unset (a compose file's `VAR=`).
const nonEmpty = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
// Yes or no as Temporal's own settings read it: true/false or 1/0, in any case; empty is unset.
const flag = nonEmpty.pipe(
  z
    .string()
    .toLowerCase()
    .refine((v) => ['true', 'false', '1', '0'].includes(v), 'true or false (or 1 or 0)')
    .transform((v) => v === 'true' || v === '1')
    .optional(),
);

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port(3000),
  PUBLIC_URL: optionalUrl,
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),

  DATABASE_URL: optionalUrl,
  EMBEDDED_PG_PORT: port(54329),

  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('dsrflow'),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_UI_URL: optionalUrl,
  // Browser origins allowed to call the codec server (the Temporal Web UI's), comma-separated; default: TEMPORAL_UI_URL's.
  CODEC_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.url().transform((u) => new URL(u).origin))),
  // A Temporal over TLS, mutual TLS or with an API key (src/platform/temporal-connection.ts): the names of Temporal's
  // client environment configuration. Unset: plaintext, as on loopback.
  TEMPORAL_TLS: flag,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: nonEmpty,
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: nonEmpty,
  TEMPORAL_TLS_CLIENT_CERT_PATH: nonEmpty,
  TEMPORAL_TLS_CLIENT_CERT_DATA: nonEmpty,
  TEMPORAL_TLS_CLIENT_KEY_PATH: nonEmpty,
  TEMPORAL_TLS_CLIENT_KEY_DATA: nonEmpty,
  TEMPORAL_TLS_SERVER_NAME: nonEmpty,
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: flag,
  // Sent as a header: a character outside printable ASCII would fail every call later, with the key in the message.
  TEMPORAL_API_KEY: nonEmpty.pipe(z.string().regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional()),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_TEST_SERVER_PATH: z.string().min(1).optional(),
  // Worker sizing (docs/operations.md "Sizing a worker"): workflows kept in memory between their tasks; the rest are
  // replayed from history on their next task.
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).optional(),
  // Worker processes `npm run start:cluster` runs.
  CLUSTER_WORKERS: z.coerce.number().int().min(1).max(16).default(2),
  // A workflow bundle built ahead (bundleWorkflowCode): the worker starts without webpack, and a deploy runs exactly it.
  WORKFLOW_BUNDLE_FILE: nonEmpty,

  SMTP_URL: optionalUrl,
  MAIL_FROM: z.string().min(3).default('dsrflow <privacy@dsrflow.localhost>'),
  STAFF_NOTIFY_EMAIL: z.email().default('privacy-team@dsrflow.localhost'),
  REMINDER_DAYS_BEFORE: z
    .string()
    .regex(/^\d{1,3}(,\d{1,3})*$/, 'comma-separated whole days, e.g. 7,2')
    .default('7,2')
    .transform((v) => [...new Set(v.split(',').map(Number))].sort((a, b) => b - a))
    .refine((days) => days.every((d) => d >= 1), 'each reminder is at least 1 day before the due date'),
  AUTO_APPROVE_TYPES: z
    .string()
    .default('noSale')
    .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean))
    .pipe(z.array(z.enum(REQUEST_TYPES))),
  DATA_MODEL_FILE: z.string().min(1).optional(),
  RETENTION_POLICY_FILE: z.string().min(1).optional(),
  PROCESSING_REGISTER_FILE: z.string().min(1).optional(),
  // Downstream webhook endpoints told of erasures and suppressions (see config/destinations.example.json).
  DESTINATIONS_FILE: z.string().min(1).optional(),
  DELETION_REQUESTS_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase SQL schema name').default('delta_storage'),
  // The country of phone numbers written without their country code, for the E.164 form downstream hashes (unset:
  // such a number gets no hash). ISO 3166-1 alpha-2, e.g. DE.
  PHONE_DEFAULT_COUNTRY: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v.toUpperCase()))
    .refine((v) => v === undefined || isSupportedCountry(v), 'a two-letter country code (ISO 3166-1 alpha-2) with a telephone numbering plan, e.g. DE')
    .transform((v) => v as CountryCode | undefined)
    .optional(),
  EXPORT_FORMATS: z
    .string()
    .default(DEFAULT_EXPORT_FORMATS.join(','))
    .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean))
    .pipe(z.array(z.enum(EXPORT_FORMATS)).min(1)),
  MAIL_CATCHER_SMTP_PORT: port(1025),
  MAIL_CATCHER_WEB_PORT: port(1080),

  DSRFLOW_OWNER_TOKEN: z
    .string()
    .min(24, 'must be at least 24 characters: it is the owner credential')
    .optional(),
  // Key of the subjects' pseudonymous ids (docs/subjects.md). npm start makes a local one under DATA_DIR when unset.
  SUBJECT_ID_SECRET: z.string().min(32, 'must be at least 32 characters: it keys the subjects’ pseudonymous ids').optional(),
  // Secrets rotated out, comma-separated: identifiers hashed under them are still found (and re-keyed on use).
  SUBJECT_ID_PREVIOUS_SECRETS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(32, 'each previous secret is at least 32 characters'))),
  // Keys that encrypt Temporal payloads and files at rest (src/platform/data-keys.ts): 'id:base64key' entries, newest
  // first, or a file of them one per line. npm start makes a local one under DATA_DIR when both are unset.
  DATA_KEYS: z.string().min(1).optional(),
  DATA_KEYS_FILE: z.string().min(1).optional(),
  DEFAULT_ORGANIZATION: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes').default('default'),
  DEMO_SEED_USERS: z.coerce.number().int().min(0).max(10_000_000).default(500),
  VERIFICATION_WINDOW_DAYS: z.coerce.number().int().min(1).max(90).default(14),

  // Connected systems allowed to open requests by signed webhook: 'helpdesk:<secret>,crm:<secret>'.
  WEBHOOK_SOURCES: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((pair) => pair.trim()).filter(Boolean))
    .pipe(
      z.array(
        z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,39}:\S{24,}$/, 'each entry is <source>:<secret>, source in lowercase letters, digits and dashes, secret at least 24 characters'),
      ),
    )
    .transform((pairs) => Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)])) as Record<string, string>),
  // Admission on the unauthenticated routes (webhooks, verification and download links), per client address.
  PUBLIC_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(60),
  PUBLIC_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  // Monitoring (docs/operations.md): a bearer token for /metrics; where the Temporal SDK serves its own worker
  // metrics (host:port, unset: not served); the port of a separate worker's /metrics (`npm run worker`).
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  TEMPORAL_METRICS_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port').optional(),
  WORKER_METRICS_PORT: port(9465),
  TRUST_PROXY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses the environment; throws ConfigError listing every bad variable (values are never echoed: they may be secrets). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  const problems = result.success ? temporalTlsProblems(result.data) : result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  if (result.success && problems.length === 0) return result.data;
  throw new ConfigError(problems);
}

export const publicUrl = (config: Config): string => config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
/** The codec endpoint the Web UI is given: the one behind the staff console's session (docs/encryption.md). */
export const codecEndpoint = (config: Config): string => `${publicUrl(config)}/console/codec`;
/** Origins the codec server answers from the browser: CODEC_CORS_ORIGINS, else the Temporal Web UI's own. */
export const codecOrigins = (config: Config, uiUrl: string | undefined): string[] =>
  config.CODEC_CORS_ORIGINS.length > 0 ? config.CODEC_CORS_ORIGINS : uiUrl ? [new URL(uiUrl).origin] : [];
export const temporalUiUrl = (config: Config): string | undefined =>
  config.TEMPORAL_UI_URL ?? (config.TEMPORAL_ADDRESS ? undefined : `http://localhost:${config.TEMPORAL_UI_PORT}`);
