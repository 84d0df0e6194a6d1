import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DATA_KEYS_FILE_NAME, KeyRingError, loadKeyRing, newKeyEntry, open, parseKeyRing, seal, SealError, sealedKeyId } from '../../src/platform/data-keys.ts';

describe('data keys', () => {
  const k1 = newKeyEntry('k1');
  const k2 = newKeyEntry('k2');

  it('seals under the newest key and opens data sealed under an older one after rotation', () => {
    const before = parseKeyRing(k1);
    const sealed = seal(before, Buffer.from('order 1234'), 'test');
    assert.equal(sealedKeyId(sealed), 'k1');
    assert.ok(!sealed.includes(Buffer.from('order 1234')), 'the plaintext is not in the sealed blob');
    const after = parseKeyRing(`${k2},${k1}`);
    assert.equal(seal(after, Buffer.from('x'), 'test').subarray(2, 4).toString(), 'k2');
    assert.equal(open(after, sealed, 'test').toString(), 'order 1234');
  });

  it('refuses a blob sealed for another purpose, a changed byte, or a key that was removed', () => {
    const ring = parseKeyRing(k1);
    const sealed = seal(ring, Buffer.from('secret'), 'export-data-key');
    assert.throws(() => open(ring, sealed, 'temporal-payload'), SealError);
    const changed = Buffer.from(sealed);
    changed[changed.length - 1]! ^= 1;
    assert.throws(() => open(ring, changed, 'export-data-key'), SealError);
    assert.throws(() => open(parseKeyRing(k2), sealed, 'export-data-key'), /key 'k1', which is not in the key ring/);
  });

  it('names what is wrong with a configured key, never the key itself', () => {
    assert.throws(() => parseKeyRing('k1:c2hvcnQ='), (e: Error) => e instanceof KeyRingError && /32 bytes/.test(e.message) && !e.message.includes('c2hvcnQ'));
    assert.throws(() => parseKeyRing(`${k1},${k1}`), /given twice/);
    assert.throws(() => parseKeyRing(' , '), /no data key/);
    assert.throws(() => parseKeyRing(`bad id:${k1.slice(3)}`), /id of letters/);
  });

  it('makes a local key once under DATA_DIR, private to its owner, and keeps it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dsrflow-keys-'));
    try {
      const first = await loadKeyRing({ DATA_DIR: dataDir });
      const again = await loadKeyRing({ DATA_DIR: dataDir });
      assert.equal(first.current.id, 'local-1');
      assert.deepEqual(again.current.key, first.current.key);
      assert.equal((await stat(join(dataDir, DATA_KEYS_FILE_NAME))).mode & 0o777, 0o600);
      assert.match(await readFile(join(dataDir, DATA_KEYS_FILE_NAME), 'utf8'), /^local-1:/);
      assert.equal((await loadKeyRing({ DATA_DIR: dataDir, DATA_KEYS: k2 })).current.id, 'k2', 'DATA_KEYS wins over the local key');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
