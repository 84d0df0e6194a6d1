import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A file being written: write to `stream`, then `commit()` makes it readable under its key (with its hash and size). */
export interface PendingFile {
  key: string;
  stream: Writable;
  commit(): Promise<{ key: string; sha256: string; bytes: number }>;
  abort(): Promise<void>;
}

/** Where export files live. Keys are random (256 bits): knowing one export's key tells nothing about another's. */
export interface ExportStorage {
  create(extension: string): PendingFile;
  /** The file's bytes, from byte `start` (default 0) to `end` inclusive (default: the end). */
  read(key: string, range?: { start?: number; end?: number }): Readable;
  size(key: string): Promise<number | null>;
  /** Idempotent: deleting a key that is gone is not an error. */
  delete(key: string): Promise<void>;
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{43}\.[a-z0-9]{1,8}$/;

export class StorageKeyError extends Error {
  constructor() {
    super('invalid storage key');
    this.name = 'StorageKeyError';
  }
}

/** The local-folder implementation (the default): files under `<dataDir>/exports`, named by random ids. */
export function localFolderStorage(dataDir: string): ExportStorage {
  const root = resolve(dataDir, 'exports');
  // A key comes from our own database, but it still never walks outside the folder.
  const pathOf = (key: string) => {
    if (!KEY_PATTERN.test(key)) throw new StorageKeyError();
    return join(root, key);
  };
  return {
    create(extension) {
      const key = `${randomBytes(32).toString('base64url')}.${extension}`;
      const path = pathOf(key);
      const partial = `${path}.partial`;
      const hash = createHash('sha256');
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      const written = mkdir(root, { recursive: true, mode: 0o700 }).then(() => pipeline(counter, createWriteStream(partial, { mode: 0o600 })));
      written.catch(() => {});
      return {
        key,
        stream: counter,
        async commit() {
          await written;
          await rename(partial, path);
          return { key, sha256: hash.digest('hex'), bytes };
        },
        async abort() {
          counter.destroy();
          await written.catch(() => {});
          await rm(partial, { force: true });
        },
      };
    },
    read: (key, range) => createReadStream(pathOf(key), range ?? {}),
    async size(key) {
      try {
        return (await stat(pathOf(key))).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(key) {
      // A key still being written (an attempt that died) exists only as its .partial file.
      await rm(pathOf(key), { force: true });
      await rm(`${pathOf(key)}.partial`, { force: true });
    },
  };
}
