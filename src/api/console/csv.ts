import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import { isTerminal } from '../../domain/request.ts';
import type { AppDeps } from '../deps.ts';
import { effectiveDue, flagsOf, listPage, parseListQuery, subjectOf } from './list.ts';
import type { ConsoleEnv } from './session.ts';

// The filtered list as CSV for record keeping (Art. 30 style registers): ids and codes, never an email or a name.

const PAGE = 500;
const MAX_ROWS = 100_000;
const HEADER = ['request_id', 'organization', 'subject_id', 'type', 'regulation', 'channel', 'status', 'identity', 'received_at', 'due_at', 'overdue', 'flags', 'completed_at'];

/** RFC 4180 quoting, and a leading quote for cells a spreadsheet would run as a formula. */
const cell = (v: string | null) => {
  const text = v === null ? '' : /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export async function csvExport(c: Context<ConsoleEnv>, deps: AppDeps) {
  const actor = c.get('actor');
  const q = parseListQuery(c);
  // The filters are checked (and the first page read) before the first byte: a refusal is a whole answer.
  let batch = await listPage(deps, actor, { ...q, cursor: undefined }, PAGE);
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', `attachment; filename="requests-${batch.now.toISOString().slice(0, 10)}.csv"`);
  return stream(c, async (out) => {
    await out.write(`${HEADER.join(',')}\r\n`);
    let written = 0;
    for (;;) {
      const lines = batch.page.map((r) =>
        [r.id, r.organization_id, subjectOf(r), r.type, r.regulation, r.channel, r.status, batch.identity(r), r.received_at, effectiveDue(r), String(r.is_overdue && !isTerminal(r.status)), flagsOf(r).join('; '), r.completed_at]
          .map(cell)
          .join(','),
      );
      if (lines.length) await out.write(`${lines.join('\r\n')}\r\n`);
      written += lines.length;
      if (!batch.nextCursor || written >= MAX_ROWS) break;
      batch = await listPage(deps, actor, { ...q, cursor: batch.nextCursor }, PAGE);
    }
  });
}
