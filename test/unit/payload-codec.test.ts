import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { newKeyEntry, parseKeyRing, seal, SealError } from '../../src/platform/data-keys.ts';
import { failureConverter } from '../../src/platform/failure-converter.ts';
import { COMPRESS_ABOVE_BYTES, decryptPayload, encryptionCodec, encryptPayload, ENCRYPTED_ENCODING, KEY_ID_METADATA, payloadKeyId } from '../../src/platform/payload-codec.ts';

const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const k1 = newKeyEntry('k1');
const k2 = newKeyEntry('k2');

describe('the Temporal payload codec', () => {
  it('seals metadata and data together; the stored payload says only "encrypted, under key k1"', async () => {
    const ring = parseKeyRing(k1);
    const plain = defaultPayloadConverter.toPayload({ requestId: 'req-42', note: 'Jane Roe' });
    const [sealed] = await encryptionCodec(ring).encode([plain]);
    assert.deepEqual(Object.keys(sealed!.metadata!).sort(), ['encoding', KEY_ID_METADATA]);
    assert.equal(text(sealed!.metadata!.encoding), ENCRYPTED_ENCODING);
    assert.equal(payloadKeyId(sealed!), 'k1');
    for (const visible of ['req-42', 'Jane', 'json/plain']) assert.ok(!text(sealed!.data).includes(visible), `${visible} is not in the ciphertext`);
    const [opened] = await encryptionCodec(ring).decode([sealed!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), { requestId: 'req-42', note: 'Jane Roe' });
  });

  it(`deflates payloads over ${COMPRESS_ABOVE_BYTES} bytes before sealing when that is smaller, and only then`, async () => {
    const ring = parseKeyRing(k1);
    const large = defaultPayloadConverter.toPayload({ rows: Array.from({ length: 200 }, (_, i) => ({ model: 'orders', id: i })) });
    const sealedLarge = await encryptPayload(ring, large);
    assert.ok(sealedLarge.data!.length < large.data!.length / 3, `${large.data!.length} bytes sealed as ${sealedLarge.data!.length}`);
    assert.deepEqual(defaultPayloadConverter.fromPayload(await decryptPayload(ring, sealedLarge)), defaultPayloadConverter.fromPayload(large));
    // Below the threshold: sealed as is (the envelope adds 2 + id + 12 + 16 + 1 bytes to the serialized payload).
    const small = defaultPayloadConverter.toPayload('x'.repeat(900));
    const sealedSmall = await encryptPayload(ring, small);
    assert.ok(sealedSmall.data!.length > small.data!.length, 'not compressed');
    assert.equal(defaultPayloadConverter.fromPayload(await decryptPayload(ring, sealedSmall)), 'x'.repeat(900));
  });

  it('after a rotation seals under the new key and still opens what the old one sealed; a removed key is named', async () => {
    const before = await encryptPayload(parseKeyRing(k1), defaultPayloadConverter.toPayload('started'));
    const rotated = parseKeyRing(`${k2},${k1}`);
    assert.equal(payloadKeyId(await encryptPayload(rotated, defaultPayloadConverter.toPayload('finished'))), 'k2');
    assert.equal(defaultPayloadConverter.fromPayload(await decryptPayload(rotated, before)), 'started');
    await assert.rejects(decryptPayload(parseKeyRing(k2), before), /sealed under key 'k1', which is not in the key ring/);
  });

  it('passes plain payloads through on decode (histories from before encryption); refuses a changed or foreign blob', async () => {
    const ring = parseKeyRing(k1);
    const plain = defaultPayloadConverter.toPayload({ requestId: 'old' });
    assert.equal(await decryptPayload(ring, plain), plain);
    const sealed = await encryptPayload(ring, plain);
    const changed: Payload = { ...sealed, data: Buffer.from(sealed.data!).map((b, i, a) => (i === a.length - 1 ? b ^ 1 : b)) };
    await assert.rejects(decryptPayload(ring, changed), SealError);
    // Sealed with the same key for another purpose (an export's data key): not a payload.
    const foreign: Payload = { ...sealed, data: seal(ring, Buffer.from([0, 1, 2]), 'export-data-key') };
    await assert.rejects(decryptPayload(ring, foreign), /does not authenticate/);
  });

  it('puts failure messages and stack traces into an encoded attribute, so the codec seals them too', () => {
    const failure = failureConverter.errorToFailure(new Error('no row for jane@example.com'), defaultPayloadConverter);
    assert.equal(failure.message, 'Encoded failure');
    assert.equal(failure.stackTrace, '');
    assert.match(text(failure.encodedAttributes?.data), /jane@example\.com/, 'in the payload the codec encrypts');
  });
});
