import type { temporal } from '@temporalio/proto';

/** Every string in a workflow history, with payload bytes decoded: what an operator could read in the UI. */
export function historyText(history: temporal.api.history.v1.IHistory): string {
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
export function historySpanMs(history: temporal.api.history.v1.IHistory): number {
  const times = (history.events ?? []).map((e) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6));
  return Math.max(...times) - Math.min(...times);
}

/** Activities the workflow scheduled, with the server time and the decoded first argument. */
export function scheduledActivities(history: temporal.api.history.v1.IHistory): Array<{ type: string; at: number; input: Record<string, unknown> }> {
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
