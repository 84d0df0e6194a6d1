import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { open as openSealed, seal, sealedKeyId, SealError, type KeyRing } from './data-keys.ts';
import { chunkBytesOf, chunkOffset, decryptingStream, encryptingStream, FileIntegrityError, HEADER_BYTES, plaintextBytes } from './file-cipher.ts';
import type { ExportStorage } from './storage.ts';

export { FileIntegrityError } from './file-cipher.ts';

/**
 * Files encrypted at rest (envelope encryption): each file gets a data key of its own (32 random bytes), its bytes
 * go through the stream cipher of file-cipher.ts on their way to storage, and the data key leaves only wrapped
 * (sealed under the key ring's current key, purpose 'file-data-key'). The caller keeps the wrapped key in PostgreSQL
 * beside the file's record, never next to the file: destroying that one value makes the file unreadable for good
 * (crypto-shredding), wherever copies of the file went (backups, snapshots).
 *
 * Hash and size are the plaintext's: what a reader gets back, byte for byte.
 */
export interface SealedFile {
  key: string;
  /** SHA-256 (hex) and size of the plaintext. */
  sha256: string;
  bytes: number;
  /** The file's data key sealed under the key ring: store it with the file's record. */
  wrappedKey: Buffer;
  /** The ring key that sealed it (for rotation: which files still need an old key). */
  keyId: string;
}

export interface PendingSealedFile {
  key: string;
  /** Write the plaintext here, then commit (or abort). */
  stream: Writable;
  commit(): Promise<SealedFile>;
  abort(): Promise<void>;
}

export interface SealedFileStore {
  create(extension: string): PendingSealedFile;
  /**
   * The plaintext as a stream. `wrappedKey` null reads a file written before files were encrypted, as it is.
   * Throws FileKeyError before any byte when the key cannot be unwrapped; the stream fails with FileIntegrityError on
   * a changed byte (what came before it is not the whole file).
   */
  read(key: string, wrappedKey: Uint8Array | null): Readable;
  /**
   * Plaintext bytes `start` to `end` (inclusive, within the file): only the chunks holding them are read, each
   * authenticated before any of its bytes is passed on (an HTTP Range request, a resumed download).
   */
  readRange(key: string, wrappedKey: Uint8Array | null, start: number, end: number): Promise<Readable>;
  /** The plaintext size (what read() gives), null when the file is gone. */
  size(key: string, wrappedKey: Uint8Array | null): Promise<number | null>;
  /** Deletes the file; idempotent. Shred by destroying its wrapped key first (the caller's record), then this. */
  delete(key: string): Promise<void>;
}

export const FILE_KEY_PURPOSE = 'file-data-key';

/** A wrapped key that cannot be opened: its ring key is not configured (removed too early), or it was changed. */
export class FileKeyError extends Error {
  readonly keyId: string | null;
  constructor(message: string, keyId: string | null) {
    super(message);
    this.name = 'FileKeyError';
    this.keyId = keyId;
  }
}

export function unwrapFileKey(ring: KeyRing, wrappedKey: Uint8Array): Buffer {
  let keyId: string | null = null;
  try {
    keyId = sealedKeyId(wrappedKey);
    const dataKey = openSealed(ring, wrappedKey, FILE_KEY_PURPOSE);
    if (dataKey.length !== 32) throw new SealError('a file data key is 32 bytes');
    return dataKey;
  } catch (error) {
    if (error instanceof SealError) throw new FileKeyError(error.message, keyId);
    throw error;
  }
}

/** The encrypted store over a place for bytes (the local folder, or any ExportStorage). */
export function sealedFileStore(files: ExportStorage, ring: KeyRing): SealedFileStore {
  return {
    create(extension) {
      const dataKey = randomBytes(32);
      const wrappedKey = seal(ring, dataKey, FILE_KEY_PURPOSE);
      const target = files.create(extension);
      const hash = createHash('sha256');
      let bytes = 0;
      const plaintext = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      const written = pipeline(plaintext, encryptingStream(dataKey), target.stream);
      written.catch(() => {});
      return {
        key: target.key,
        stream: plaintext,
        async commit() {
          await written;
          await target.commit();
          dataKey.fill(0);
          return { key: target.key, sha256: hash.digest('hex'), bytes, wrappedKey, keyId: ring.current.id };
        },
        async abort() {
          plaintext.destroy();
          await written.catch(() => {});
          dataKey.fill(0);
          await target.abort();
        },
      };
    },
    read(key, wrappedKey) {
      if (wrappedKey === null) return files.read(key);
      const dataKey = unwrapFileKey(ring, wrappedKey);
      const out = new PassThrough();
      pipeline(files.read(key), decryptingStream(dataKey), out).catch((error: unknown) => out.destroy(error as Error));
      return out;
    },
    async readRange(key, wrappedKey, start, end) {
      if (wrappedKey === null) return files.read(key, { start, end });
      const dataKey = unwrapFileKey(ring, wrappedKey);
      const header = await allOf(files.read(key, { start: 0, end: HEADER_BYTES - 1 }));
      const chunkBytes = chunkBytesOf(header);
      const first = Math.floor(start / chunkBytes);
      const source = files.read(key, { start: chunkOffset(first, chunkBytes) });
      const decrypted = decryptingStream(dataKey, { chunk: first });
      // The header is the chunks' associated data: it goes first, then the file from the first chunk needed.
      pipeline(Readable.from((async function* () { yield header; yield* source; })()), decrypted).catch(() => {});
      return Readable.from(slice(decrypted, start - first * chunkBytes, end - start + 1), { objectMode: false });
    },
    async size(key, wrappedKey) {
      const stored = await files.size(key);
      if (stored === null || wrappedKey === null) return stored;
      const plain = plaintextBytes(stored);
      if (plain === null) throw new FileIntegrityError('the file has a size no encrypted file can have (cut short?)');
      return plain;
    },
    delete: (key) => files.delete(key),
  };
}

async function allOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** `length` bytes after the first `skip` of a stream; stops reading (and closes it) once they are out. */
async function* slice(plain: Readable, skip: number, length: number): AsyncGenerator<Buffer> {
  let left = length;
  for await (const piece of plain as AsyncIterable<Buffer>) {
    let part = piece;
    if (skip > 0) {
      if (part.length <= skip) {
        skip -= part.length;
        continue;
      }
      part = part.subarray(skip);
      skip = 0;
    }
    if (part.length >= left) {
      yield part.subarray(0, left);
      return;
    }
    left -= part.length;
    yield part;
  }
  if (left > 0) throw new FileIntegrityError('the file ends before the range asked for');
}
