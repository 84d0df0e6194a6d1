import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * The stream cipher of files at rest: chunked AES-256-GCM (the STREAM construction, as age and Tink's streaming AEAD).
 *
 *   header  = "DSRF" | version (1) | chunk size (4, big-endian)                 9 bytes
 *   chunk i = AES-256-GCM(dataKey, nonce_i, plaintext_i, aad = header) | tag    chunk size + 16 bytes (the last: 0..size + 16)
 *   nonce_i = i as 11 bytes big-endian | 0x01 on the last chunk, else 0x00
 *
 * Each file has a data key of its own that is never reused, so a counter nonce is safe. The counter in the nonce
 * binds the order of chunks, the final flag binds the end (a file cut at a chunk boundary does not authenticate),
 * the header as associated data binds the chunk size. Every chunk sits at a computable offset, so a reader can start
 * at any chunk; memory holds one chunk (64 KiB) whatever the file's size. node:crypto's GCM is AES-NI accelerated.
 */
export const FILE_MAGIC = Buffer.from('DSRF', 'ascii');
export const FILE_VERSION = 1;
export const HEADER_BYTES = 9;
export const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
// A header is read before anything authenticates it: a changed chunk size must not make the reader buffer gigabytes.
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/** A file that does not decrypt: a changed, cut or extended byte, another key, or not a file of ours. */
export class FileIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileIntegrityError';
  }
}

function header(chunkBytes: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  FILE_MAGIC.copy(h, 0);
  h[4] = FILE_VERSION;
  h.writeUInt32BE(chunkBytes, 5);
  return h;
}

function nonce(index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  // 2^53 chunks of 64 KiB is far beyond any file: the high bytes stay zero.
  n.writeUIntBE(Math.floor(index / 2 ** 32), 3, 4);
  n.writeUInt32BE(index % 2 ** 32, 7);
  n[11] = last ? 1 : 0;
  return n;
}

function checkKey(dataKey: Uint8Array) {
  if (dataKey.length !== 32) throw new RangeError('a file data key is 32 bytes');
}

/** Bytes held as the pieces they arrived in, taken from the front in exact lengths without copying. */
class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;
  push(piece: Buffer) {
    if (piece.length === 0) return;
    this.parts.push(piece);
    this.length += piece.length;
  }
  take(n: number): Buffer[] {
    const out: Buffer[] = [];
    this.length -= n;
    while (n > 0) {
      const head = this.parts[0]!;
      if (head.length <= n) {
        out.push(head);
        this.parts.shift();
        n -= head.length;
      } else {
        out.push(head.subarray(0, n));
        this.parts[0] = head.subarray(n);
        n = 0;
      }
    }
    return out;
  }
}

/** Encrypts a byte stream under `dataKey` (32 bytes, used for this file only). */
export function encryptingStream(dataKey: Uint8Array, chunkBytes = DEFAULT_CHUNK_BYTES): Transform {
  checkKey(dataKey);
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new RangeError('chunk size out of range');
  const aad = header(chunkBytes);
  const held = new ByteQueue();
  let index = 0;
  return new Transform({
    construct(done) {
      this.push(aad);
      done();
    },
    transform(piece: Buffer, _enc, done: TransformCallback) {
      held.push(piece);
      // Keep at least one byte back: only the end of the stream knows which chunk is the last.
      while (held.length > chunkBytes) sealChunk(this, held.take(chunkBytes), false);
      done();
    },
    flush(done: TransformCallback) {
      sealChunk(this, held.take(held.length), true);
      done();
    },
  });

  function sealChunk(out: Transform, plain: Buffer[], last: boolean) {
    const cipher = createCipheriv('aes-256-gcm', dataKey, nonce(index++, last));
    cipher.setAAD(aad);
    for (const piece of plain) out.push(cipher.update(piece));
    cipher.final();
    out.push(cipher.getAuthTag());
  }
}

/**
 * Decrypts what encryptingStream wrote. A chunk is passed on only once it authenticates; a changed byte, a reordered,
 * missing or added chunk, or a missing end makes the stream fail with FileIntegrityError (what came before it was
 * authentic but is incomplete: a reader must treat the failed stream as no file).
 */
export function decryptingStream(dataKey: Uint8Array, from: { chunk: number } = { chunk: 0 }): Transform {
  checkKey(dataKey);
  const held = new ByteQueue();
  let aad: Buffer | null = null;
  let segment = 0;
  // Reading from a later chunk (a byte range): the header, then the file from that chunk's offset (chunkOffset).
  let index = from.chunk;
  const openChunk = (out: Transform, sealed: Buffer[], bytes: number, last: boolean) => {
    if (bytes < TAG_BYTES) throw new FileIntegrityError('the file is cut short');
    const parts = new ByteQueue();
    for (const p of sealed) parts.push(p);
    const body = parts.take(bytes - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', dataKey, nonce(index, last));
    decipher.setAAD(aad!);
    decipher.setAuthTag(Buffer.concat(parts.take(TAG_BYTES)));
    const plain = body.map((p) => decipher.update(p));
    try {
      decipher.final();
    } catch {
      throw new FileIntegrityError(`chunk ${index} of the file does not authenticate (changed, cut short, reordered or another key)`);
    }
    index++;
    for (const p of plain) out.push(p);
  };
  return new Transform({
    transform(piece: Buffer, _enc, done: TransformCallback) {
      try {
        held.push(piece);
        if (!aad) {
          if (held.length < HEADER_BYTES) return done();
          const h = Buffer.concat(held.take(HEADER_BYTES));
          if (!h.subarray(0, 4).equals(FILE_MAGIC) || h[4] !== FILE_VERSION) throw new FileIntegrityError('not an encrypted file of a known version');
          const chunkBytes = h.readUInt32BE(5);
          if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new FileIntegrityError('the file header is damaged');
          aad = h;
          segment = chunkBytes + TAG_BYTES;
        }
        // A full segment is the last one only if nothing follows it: keep one back until more arrives or the end.
        while (held.length > segment) openChunk(this, held.take(segment), segment, false);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (!aad) throw new FileIntegrityError('not an encrypted file of a known version');
        const bytes = held.length;
        openChunk(this, held.take(bytes), bytes, true);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

/** Where chunk `index` starts in an encrypted file (its chunk size is in the header's last 4 bytes). */
export const chunkOffset = (index: number, chunkBytes: number) => HEADER_BYTES + index * (chunkBytes + TAG_BYTES);

/** The chunk size an encrypted file's header names, or FileIntegrityError when it is not such a header. */
export function chunkBytesOf(header: Buffer): number {
  if (header.length < HEADER_BYTES || !header.subarray(0, 4).equals(FILE_MAGIC) || header[4] !== FILE_VERSION) throw new FileIntegrityError('not an encrypted file of a known version');
  const chunkBytes = header.readUInt32BE(5);
  if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new FileIntegrityError('the file header is damaged');
  return chunkBytes;
}

/** The plaintext size of an encrypted file of `fileBytes` bytes (null: not a size this format can have). */
export function plaintextBytes(fileBytes: number, chunkBytes = DEFAULT_CHUNK_BYTES): number | null {
  const body = fileBytes - HEADER_BYTES;
  if (body < TAG_BYTES) return null;
  const segment = chunkBytes + TAG_BYTES;
  const full = Math.floor(body / segment);
  const rest = body % segment;
  if (rest === 0) return full * chunkBytes;
  if (rest < TAG_BYTES) return null;
  return full * chunkBytes + rest - TAG_BYTES;
}
