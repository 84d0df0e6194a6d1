import { z } from 'zod';

// Downstream destinations (ad platforms, CRMs, internal purge jobs) told of each erasure and suppression by a
// signed webhook. The file names each endpoint, the events it takes and where its secret comes from; pure: parsed
// here, secrets resolved from the environment in activities/destinations.

export const DESTINATION_EVENTS = ['subject.erased', 'subject.rectified', 'suppression.created', 'suppression.lifted'] as const;
export type DestinationEvent = (typeof DESTINATION_EVENTS)[number];

const destinationName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lowercase letters, digits and dashes (it is in audit events and workflow ids)');

export const destinationSchema = z
  .strictObject({
    name: destinationName,
    url: z.url({ protocol: /^https?$/ }),
    events: z.array(z.enum(DESTINATION_EVENTS)).min(1),
    /** The name of the environment variable holding the signing secret (preferred: the file holds no secret). */
    secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
    /** The secret itself: for local setups and tests only. */
    secret: z.string().min(24, 'at least 24 characters').optional(),
    /** How long a failing delivery is retried (with backoff) before it is given up and staff are alerted. */
    giveUpAfterDays: z.number().int().min(1).max(90).default(14),
    /** The first retry's delay; each next one doubles, up to an hour. */
    retryInitialSeconds: z.number().int().min(1).max(3600).default(30),
  })
  .refine((d) => (d.secret === undefined) !== (d.secretEnv === undefined), { message: 'exactly one of secret and secretEnv', path: ['secret'] });

export const destinationsFileSchema = z
  .strictObject({ version: z.literal(1), destinations: z.array(destinationSchema).default([]) })
  .superRefine((f, ctx) => {
    const names = f.destinations.map((d) => d.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['destinations', i, 'name'], message: `destination "${n}" is named twice` });
    });
  });

/** A destination ready to deliver to: the secret resolved. */
export interface Destination {
  name: string;
  url: string;
  events: DestinationEvent[];
  secret: string;
  giveUpAfterDays: number;
  retryInitialSeconds: number;
}

export class DestinationsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid destinations:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DestinationsError';
    this.problems = problems;
  }
}

/** Parses the destinations document and resolves each secret from `env`; throws naming every problem (never a secret). */
export function parseDestinations(document: unknown, env: Record<string, string | undefined>): Destination[] {
  const result = destinationsFileSchema.safeParse(document);
  if (!result.success) throw new DestinationsError(result.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`));
  const problems: string[] = [];
  const destinations = result.data.destinations.map((d, i) => {
    const secret = d.secret ?? env[d.secretEnv!] ?? '';
    if (secret.length < 24) problems.push(`destinations.${i}.secretEnv: ${d.secretEnv} is not set to a secret of at least 24 characters`);
    return { name: d.name, url: d.url, events: [...new Set(d.events)], secret, giveUpAfterDays: d.giveUpAfterDays, retryInitialSeconds: d.retryInitialSeconds };
  });
  if (problems.length > 0) throw new DestinationsError(problems);
  return destinations;
}
