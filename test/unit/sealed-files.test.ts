import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { newKeyEntry, parseKeyRing } from '../../src/platform/data-keys.ts';
import { decryptingStream, encryptingStream, FileIntegrityError, HEADER_BYTES, plaintextBytes, TAG_BYTES } from '../../src/platform/file-cipher.ts';
import { FileKeyError, sealedFileStore } from '../../src/platform/sealed-files.ts';
import { localFolderStorage } from '../../src/platform/storage.ts';

const CHUNK = 1024;

async function encrypt(key: Buffer, plain: Buffer, chunk = CHUNK): Promise<Buffer> {
  // Written in odd pieces, as a writer would: chunking must not depend on how the bytes arrive.
  const pieces = [];
  for (let at = 0; at < plain.length; at += 337) pieces.push(plain.subarray(at, at + 337));
  return buffer(Readable.from(pieces).pipe(encryptingStream(key, chunk)));
}
const decrypt = (key: Buffer, sealed: Buffer) => buffer(Readable.from([sealed.subarray(0, 100), sealed.subarray(100)].filter((b) => b.length > 0)).pipe(decryptingStream(key)));

describe('the file stream cipher (chunked AES-256-GCM)', () => {
  const key = randomBytes(32);

  it('gives back every size byte for byte, and its size is known from the file size alone', async () => {
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * CHUNK + 17]) {
      const plain = randomBytes(size);
      const sealed = await encrypt(key, plain);
      assert.deepEqual(await decrypt(key, sealed), plain, `size ${size}`);
      assert.equal(plaintextBytes(sealed.length, CHUNK), size, `size of ${size}`);
    }
  });

  it('keeps no plaintext in the file', async () => {
    const plain = Buffer.from('alice@example.com,Alice Liddell\n'.repeat(200));
    const sealed = await encrypt(key, plain);
    assert.ok(!sealed.includes(Buffer.from('alice@example.com')));
  });

  it('refuses a changed byte, a cut at a chunk boundary, a dropped, swapped or added chunk, and another key', async () => {
    const plain = randomBytes(4 * CHUNK + 10);
    const sealed = await encrypt(key, plain);
    const segment = CHUNK + TAG_BYTES;
    const chunkAt = (i: number) => sealed.subarray(HEADER_BYTES + i * segment, HEADER_BYTES + (i + 1) * segment);
    const changed = Buffer.from(sealed);
    changed[HEADER_BYTES + 2 * segment + 5]! ^= 0x01;
    const damaged: Record<string, Buffer> = {
      'a changed byte': changed,
      'cut after chunk 2': sealed.subarray(0, HEADER_BYTES + 2 * segment),
      'chunk 1 dropped': Buffer.concat([sealed.subarray(0, HEADER_BYTES), chunkAt(0), sealed.subarray(HEADER_BYTES + 2 * segment)]),
      'chunks 0 and 1 swapped': Buffer.concat([sealed.subarray(0, HEADER_BYTES), chunkAt(1), chunkAt(0), sealed.subarray(HEADER_BYTES + 2 * segment)]),
      'a chunk added after the end': Buffer.concat([sealed, chunkAt(0)]),
      'the chunk size in the header changed': Buffer.concat([Buffer.from(sealed.subarray(0, 5)), Buffer.from([0, 0, 8, 0]), sealed.subarray(HEADER_BYTES)]),
      'not our file': Buffer.from('PK\u0003\u0004 a plain zip'),
    };
    for (const [what, bytes] of Object.entries(damaged)) await assert.rejects(decrypt(key, bytes), FileIntegrityError, what);
    await assert.rejects(decrypt(randomBytes(32), sealed), FileIntegrityError, 'another key');
  });

  it('passes on only authenticated chunks: a changed last chunk fails after the earlier ones', async () => {
    const plain = randomBytes(3 * CHUNK);
    const sealed = await encrypt(key, plain);
    sealed[sealed.length - 1]! ^= 0x80;
    const received: Buffer[] = [];
    const reading = pipeline(Readable.from([sealed]), decryptingStream(key), async function* (source) {
      for await (const b of source) received.push(b as Buffer);
    });
    await assert.rejects(reading, FileIntegrityError);
    assert.ok(Buffer.concat(received).length < plain.length, 'the stream fails before the whole file is passed on');
  });
});

describe('the encrypted file store (envelope encryption)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dsrflow-sealed-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const k1 = newKeyEntry('k1');
  const k2 = newKeyEntry('k2');
  const files = localFolderStorage(dir);

  async function write(ring = parseKeyRing(k1), plain = Buffer.from('customer_id,email\n42,alice@example.com\n'.repeat(5000))) {
    const pending = sealedFileStore(files, ring).create('csv');
    await pipeline(Readable.from([plain]), pending.stream);
    return { plain, file: await pending.commit() };
  }

  it('records the plaintext hash and size, keeps only ciphertext on disk, and reads back byte for byte', async () => {
    const { plain, file } = await write();
    assert.equal(file.sha256, createHash('sha256').update(plain).digest('hex'));
    assert.equal(file.bytes, plain.length);
    assert.equal(file.keyId, 'k1');
    const onDisk = await readFile(join(dir, 'exports', file.key));
    assert.ok(!onDisk.includes(Buffer.from('alice@example.com')), 'no plaintext on disk');
    assert.ok(!onDisk.includes(file.wrappedKey.subarray(-32)), 'the wrapped key is not in the file');
    const store = sealedFileStore(files, parseKeyRing(k1));
    assert.deepEqual(await buffer(store.read(file.key, file.wrappedKey)), plain);
    assert.equal(await store.size(file.key, file.wrappedKey), plain.length);
  });

  it('reads a file sealed under key 1 after key 2 is made current; refuses when key 1 is removed', async () => {
    const { plain, file } = await write(parseKeyRing(k1));
    const rotated = sealedFileStore(files, parseKeyRing(`${k2},${k1}`));
    assert.deepEqual(await buffer(rotated.read(file.key, file.wrappedKey)), plain);
    assert.equal((await write(parseKeyRing(`${k2},${k1}`))).file.keyId, 'k2', 'new files are sealed under the newest key');
    assert.throws(() => sealedFileStore(files, parseKeyRing(k2)).read(file.key, file.wrappedKey), (e: Error) => e instanceof FileKeyError && e.keyId === 'k1');
  });

  it('reads a file written before encryption (no wrapped key) as it is', async () => {
    const pending = files.create('json');
    await pipeline(Readable.from([Buffer.from('{"plain":true}')]), pending.stream);
    const { key } = await pending.commit();
    const store = sealedFileStore(files, parseKeyRing(k1));
    assert.equal((await buffer(store.read(key, null))).toString(), '{"plain":true}');
    assert.equal(await store.size(key, null), 14);
  });

  it('an aborted file leaves nothing behind', async () => {
    const before = await readdir(join(dir, 'exports'));
    const pending = sealedFileStore(files, parseKeyRing(k1)).create('csv');
    pending.stream.write(Buffer.alloc(200_000, 1));
    await pending.abort();
    assert.deepEqual(await readdir(join(dir, 'exports')), before);
  });

  it('a changed byte on disk fails the read stream', async () => {
    const { file } = await write();
    const path = join(dir, 'exports', file.key);
    const bytes = await readFile(path);
    bytes[bytes.length - 40]! ^= 1;
    await writeFile(path, bytes);
    await assert.rejects(buffer(sealedFileStore(files, parseKeyRing(k1)).read(file.key, file.wrappedKey)), FileIntegrityError);
  });
});
