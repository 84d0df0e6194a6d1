import type { Readable } from 'node:stream';

// Rows out of PostgreSQL's binary COPY format (COPY ... TO STDOUT (FORMAT binary)) when every column is text: a
// header, then per row a field count (int16) and per field a length (int32, -1 for NULL) and that many bytes of
// UTF-8, then -1 as the trailer. https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
//
// Why not pg's own row reading: it builds a message object, a fields array and a result row per row and holds a
// whole batch (FETCH n) in a result until the batch is complete. At a million rows that allocation, kept alive across
// young-generation collections, let V8's heap grow to ~330 MB RSS (bench/README.md). Here each row is one array of
// strings, handed over as soon as its bytes are in, and nothing else is kept but the unparsed tail of a chunk.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Calls onRow for each row of a binary COPY stream of text columns, in order; awaits it when it returns a promise
 * (no further chunk is read meanwhile, so the COPY waits too). Resolves with the number of rows.
 */
export async function forEachCopyRow(copy: Readable, onRow: (values: Array<string | null>) => void | Promise<void>): Promise<number> {
  let rows = 0;
  let headerRead = false;
  let trailerRead = false;
  // Bytes not parsed yet (the start of a row cut by a chunk's end), and how many are needed before parsing goes on:
  // a row larger than a chunk is joined once, not once per chunk.
  let parts: Buffer[] = [];
  let partsBytes = 0;
  let need = 0;
  for await (const chunk of copy as AsyncIterable<Buffer>) {
    parts.push(chunk);
    partsBytes += chunk.length;
    if (partsBytes < need) continue;
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsBytes);
    let at = 0;
    need = 0;
    if (!headerRead) {
      need = buf.length < 19 ? 19 : 19 + buf.readUInt32BE(15);
      if (buf.length < need) {
        parts = [buf];
        continue;
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('COPY output is not in binary format');
      at = need;
      need = 0;
      headerRead = true;
    }
    while (!trailerRead) {
      if (buf.length - at < 2) {
        need = 2;
        break;
      }
      const fields = buf.readInt16BE(at);
      if (fields === -1) {
        trailerRead = true;
        at += 2;
        break;
      }
      // A row is handed over only when all of it is in; otherwise it waits for the bytes it still needs.
      const values: Array<string | null> = new Array(fields);
      let p = at + 2;
      for (let i = 0; i < fields; i++) {
        if (buf.length - p < 4) {
          need = p + 4 - at;
          break;
        }
        const length = buf.readInt32BE(p);
        p += 4;
        if (length < 0) {
          values[i] = null;
          continue;
        }
        if (buf.length - p < length) {
          need = p + length - at;
          break;
        }
        values[i] = buf.toString('utf8', p, p + length);
        p += length;
      }
      if (need > 0) break;
      at = p;
      rows++;
      const pending = onRow(values);
      if (pending) await pending;
    }
    parts = at < buf.length ? [buf.subarray(at)] : [];
    partsBytes = buf.length - at;
  }
  if (!trailerRead || partsBytes > 0) throw new Error('COPY output ended in the middle of a row');
  return rows;
}
