import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { open, seal, SealError, type KeyRing } from './data-keys.ts';

/**
 * The payload codec of every Temporal client and worker (docs/encryption.md): each payload (inputs, results,
 * signals, queries, updates, memos, heartbeats, and failure messages through failureConverterPath) is sealed whole
 * (metadata and data) with AES-256-GCM under the ring's current key. What Temporal stores: encoding
 * `binary/encrypted`, the key id, and ciphertext. Search attributes are not payloads the codec sees: they stay plain.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
/** Bound into every seal as associated data: a sealed export key cannot be passed off as a payload, or back. */
const PURPOSE = 'temporal-payload';
/**
 * Payloads over 1 KiB are deflated before sealing, and kept deflated only when that is smaller. dsrflow's payloads
 * are mostly ids of a few hundred bytes, where deflate saves nothing; the larger ones (plans, failure stacks) shrink.
 */
export const COMPRESS_ABOVE_BYTES = 1024;
const RAW = 0;
const DEFLATED = 1;

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
// Synchronous: payloads are at most a few MiB, and a round trip through libuv's thread pool costs more than it saves.
const deflate = deflateRawSync;
const inflate = inflateRawSync;
const utf8 = new TextEncoder();
const text = new TextDecoder();

export const isEncrypted = (payload: Payload): boolean => payload.metadata?.encoding !== undefined && text.decode(payload.metadata.encoding) === ENCRYPTED_ENCODING;

/** The key id an encrypted payload names in its metadata (undefined for any other payload). */
export const payloadKeyId = (payload: Payload): string | undefined =>
  isEncrypted(payload) && payload.metadata?.[KEY_ID_METADATA] ? text.decode(payload.metadata[KEY_ID_METADATA]) : undefined;

export async function encryptPayload(ring: KeyRing, payload: Payload): Promise<Payload> {
  const whole = PayloadMessage.encode(payload).finish();
  let body: Uint8Array = whole;
  let form = RAW;
  if (whole.length > COMPRESS_ABOVE_BYTES) {
    const deflated = deflate(whole);
    if (deflated.length < whole.length) [body, form] = [deflated, DEFLATED];
  }
  // The compression flag is sealed with the payload, so the stored metadata says no more than "encrypted, key k".
  const sealed = seal(ring, Buffer.concat([Buffer.from([form]), body]), PURPOSE);
  return { metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(ring.current.id) }, data: sealed };
}

/** Opens an encrypted payload with the key it names; any other payload (plain ones from before encryption) passes. */
export async function decryptPayload(ring: KeyRing, payload: Payload): Promise<Payload> {
  if (!isEncrypted(payload)) return payload;
  if (!payload.data) throw new SealError('an encrypted payload without data');
  const opened = open(ring, payload.data, PURPOSE);
  const body = opened.subarray(1);
  if (opened[0] === DEFLATED) return PayloadMessage.decode(inflate(body));
  if (opened[0] === RAW) return PayloadMessage.decode(body);
  throw new SealError(`an encrypted payload of unknown form ${opened[0]}`);
}

export function encryptionCodec(ring: KeyRing): PayloadCodec {
  return {
    encode: (payloads) => Promise.all(payloads.map((p) => encryptPayload(ring, p))),
    decode: (payloads) => Promise.all(payloads.map((p) => decryptPayload(ring, p))),
  };
}

/**
 * Failure messages and stack traces moved into an encoded attribute (so the codec seals them); bundled into the
 * workflow code by path, and loaded by the worker for activity failures.
 */
export const failureConverterPath = new URL('./failure-converter.ts', import.meta.url).pathname;

/** The one data converter of every Client, Worker, ScheduleClient and test environment that talks to Temporal. */
export const temporalDataConverter = (ring: KeyRing): DataConverter => ({ payloadCodecs: [encryptionCodec(ring)], failureConverterPath });
