import type { Payload } from '@temporalio/common';
import proto, { type temporal } from '@temporalio/proto';
import type { KeyRing } from '../../src/platform/data-keys.ts';
import { decryptPayload, isEncrypted } from '../../src/platform/payload-codec.ts';
import { testKeyRing } from './stack.ts';

type History = temporal.api.history.v1.IHistory;

/** Every payload object in a history (metadata and data), wherever it sits: inputs, results, failures, memos, headers. */
export function historyPayloads(history: History): Array<{ path: string; payload: Payload }> {
  const found: Array<{ path: string; payload: Payload }> = [];
  const walk = (value: unknown, path: string) => {
    if (value === null || value === undefined || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`));
    const o = value as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && 'data' in o) return void found.push({ path, payload: o as Payload });
    for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
  };
  walk(history, 'history');
  return found;
}

/** The history as the codec server shows it: every encrypted payload opened with the ring (the run's test keys). */
export async function openedHistory(history: History, ring: KeyRing = testKeyRing): Promise<History> {
  // A copy through protobuf keeps int64 fields as Long (event times), which a plain clone would not.
  const { History: HistoryMessage } = proto.temporal.api.history.v1;
  const copy = HistoryMessage.decode(HistoryMessage.encode(history).finish());
  const open = async (parent: Record<string, unknown>): Promise<void> => {
    for (const [key, value] of Object.entries(parent)) {
      if (value === null || typeof value !== 'object' || value instanceof Uint8Array) continue;
      if (isEncrypted(value as Payload)) parent[key] = await decryptPayload(ring, value as Payload);
      else await open(value as Record<string, unknown>);
    }
  };
  await open(copy as unknown as Record<string, unknown>);
  return copy;
}

/** Every string in a workflow history, with payloads opened and their bytes decoded: what an operator could read in the UI. */
export async function historyText(history: History, ring: KeyRing = testKeyRing): Promise<string> {
  return plainText(await openedHistory(history, ring));
}

function plainText(history: History): string {
  const parts: string[] = [];
  const walk = (value: unknown) => {
    if (value === null || value === undefined) return;
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(history);
  return parts.join('\n');
}

/** Milliseconds between the first and the last event of a history (server time, so skipped time counts). */
export function historySpanMs(history: History): number {
  const times = (history.events ?? []).map((e) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6));
  return Math.max(...times) - Math.min(...times);
}

/** Activities the workflow scheduled, with the server time and the decoded first argument. */
export async function scheduledActivities(sealed: History): Promise<Array<{ type: string; at: number; input: Record<string, unknown> }>> {
  const history = await openedHistory(sealed);
  return (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => {
      const attrs = e.activityTaskScheduledEventAttributes!;
      const payload = attrs.input?.payloads?.[0]?.data;
      return {
        type: attrs.activityType?.name ?? '',
        at: Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6),
        input: payload ? JSON.parse(Buffer.from(payload).toString('utf8')) : {},
      };
    });
}

/**
 * A history as test/fixtures/histories keeps it: payloads opened (plaintext). The test keys are made per run, so a
 * history recorded encrypted could never be opened again; replay checks determinism, not encryption.
 */
export async function recordedHistoryBytes(history: History, ring: KeyRing = testKeyRing): Promise<Uint8Array> {
  return proto.temporal.api.history.v1.History.encode(await openedHistory(history, ring)).finish();
}
