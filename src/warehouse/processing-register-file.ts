import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseProcessingRegister, ProcessingRegisterError, type ProcessingRegister } from '../domain/processing-register.ts';

/** The processing register of the demo warehouse, shipped in config/ beside the data model it describes. */
export const DEMO_PROCESSING_REGISTER_PATH = fileURLToPath(new URL('../../config/processing-register.json', import.meta.url));

export async function loadProcessingRegisterFile(path: string = DEMO_PROCESSING_REGISTER_PATH): Promise<ProcessingRegister> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ProcessingRegisterError([`${path}: cannot be read as JSON (${(error as Error).message})`]);
  }
  return parseProcessingRegister(document);
}
