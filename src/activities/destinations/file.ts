import { readFile } from 'node:fs/promises';
import { DestinationsError, parseDestinations, type Destination } from '../../domain/destinations.ts';

/** Reads and checks the destinations file; secrets named by `secretEnv` come from `env`. Throws DestinationsError. */
export async function loadDestinationsFile(path: string, env: Record<string, string | undefined> = process.env): Promise<Destination[]> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new DestinationsError([`${path}: cannot be read as JSON (${(error as Error).message})`]);
  }
  return parseDestinations(document, env);
}
