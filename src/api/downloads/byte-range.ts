// HTTP byte ranges for downloads (RFC 9110 section 14): one range of a file, so a large export that broke off can be
// resumed. Several ranges, another unit or a malformed header are ignored (the whole file, 200), as the RFC allows.

export type ByteRange = { start: number; end: number };

/** The one `bytes=` range of a file of `size` bytes; 'unsatisfiable' (416) when it starts past the end; else null. */
export function byteRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  const m = header === undefined ? null : /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // The last N bytes ("bytes=-500").
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return null; // not a valid range: the header is ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

/** The file's strong validator: the SHA-256 of its plaintext, recorded when it was written. */
export const etagOf = (sha256: string | null) => (sha256 ? `"${sha256}"` : null);

/** If-Range: the range applies only to the same file (a strong ETag match); a date or another tag means the whole. */
export const rangeStillApplies = (ifRange: string | undefined, etag: string | null) => ifRange === undefined || (etag !== null && ifRange.trim() === etag);
