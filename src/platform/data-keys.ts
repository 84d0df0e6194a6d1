import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { localSecretFile } from './local-secret.ts';

/**
 * The keys that encrypt data at rest and in Temporal (AES-256-GCM): Temporal payloads, the data keys of export
 * files and uploaded documents. Each key has an id; everything sealed says which key sealed it, so keys rotate:
 * new data is sealed under the current (first) key, older data still opens with the key it names.
 * Configured as `id:base64key` entries, newest first (DATA_KEYS, or one per line in DATA_KEYS_FILE); `npm start`
 * without either makes a local key once under DATA_DIR. No key is ever in the repository.
 */
export interface DataKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface KeyRing {
  readonly current: DataKey;
  find(id: string): DataKey | undefined;
  readonly ids: readonly string[];
}

export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}

/** Sealed data that cannot be opened: an unknown key id, a wrong key, a changed byte or another purpose. */
export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,40}$/;
export const DATA_KEYS_FILE_NAME = 'data-keys';

/** Parses `id:base64key` entries (comma- or newline-separated, newest first); each key is 32 bytes. */
export function parseKeyRing(spec: string): KeyRing {
  const entries = spec
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e !== '' && !e.startsWith('#'));
  if (entries.length === 0) throw new KeyRingError('no data key given: expected id:base64key entries, newest first');
  const keys = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID.test(id)) throw new KeyRingError(`data key ${index + 1}: expected id:base64key with an id of letters, digits, . _ or - (at most 40)`);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) throw new KeyRingError(`data key '${id}': the key must be 32 bytes in base64 (got ${key.length})`);
    return { id, key };
  });
  const byId = new Map<string, DataKey>();
  for (const k of keys) {
    if (byId.has(k.id)) throw new KeyRingError(`data key '${k.id}' is given twice`);
    byId.set(k.id, k);
  }
  return { current: keys[0]!, find: (id) => byId.get(id), ids: keys.map((k) => k.id) };
}

export const newKeyEntry = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;

/** DATA_KEYS, else DATA_KEYS_FILE, else the local key made once under DATA_DIR (for `npm start`). */
export async function loadKeyRing(source: { DATA_KEYS?: string | undefined; DATA_KEYS_FILE?: string | undefined; DATA_DIR: string }): Promise<KeyRing> {
  if (source.DATA_KEYS) return parseKeyRing(source.DATA_KEYS);
  if (source.DATA_KEYS_FILE) return parseKeyRing(await readFile(source.DATA_KEYS_FILE, 'utf8'));
  const kept = await localSecretFile(source.DATA_DIR, DATA_KEYS_FILE_NAME, () => newKeyEntry('local-1'), (text) => {
    try {
      parseKeyRing(text);
      return null;
    } catch (error) {
      return `holds no usable data key (${(error as Error).message}): restore it, or set DATA_KEYS`;
    }
  });
  return parseKeyRing(kept);
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM under the current key. The result names its key: [version][id length][id][iv][tag][ciphertext].
 * `purpose` is bound as associated data, so a blob sealed for one use (say an export's data key) cannot be
 * passed off as another (a Temporal payload).
 */
export function seal(ring: KeyRing, plaintext: Uint8Array, purpose: string): Buffer {
  const { id, key } = ring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const idBytes = Buffer.from(id, 'utf8');
  return Buffer.concat([Buffer.from([VERSION, idBytes.length]), idBytes, iv, cipher.getAuthTag(), body]);
}

/** The key id a sealed blob names (without opening it). */
export function sealedKeyId(sealed: Uint8Array): string {
  const blob = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (blob.length < 2 || blob[0] !== VERSION) throw new SealError('not a sealed blob of a known version');
  const idLength = blob[1]!;
  if (blob.length < 2 + idLength + IV_BYTES + TAG_BYTES) throw new SealError('sealed blob is truncated');
  return blob.subarray(2, 2 + idLength).toString('utf8');
}

export function open(ring: KeyRing, sealed: Uint8Array, purpose: string): Buffer {
  const blob = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const id = sealedKeyId(blob);
  const dataKey = ring.find(id);
  if (!dataKey) throw new SealError(`sealed under key '${id}', which is not in the key ring`);
  let at = 2 + Buffer.byteLength(id, 'utf8');
  const iv = blob.subarray(at, (at += IV_BYTES));
  const tag = blob.subarray(at, (at += TAG_BYTES));
  const decipher = createDecipheriv('aes-256-gcm', dataKey.key, iv);
  decipher.setAAD(Buffer.from(purpose, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(blob.subarray(at)), decipher.final()]);
  } catch {
    throw new SealError(`sealed data under key '${id}' does not authenticate (changed, or sealed for another purpose)`);
  }
}
