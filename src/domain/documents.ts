// Documents a person uploads (docs/privacy-center.md "Documents"): an authorized agent's signed permission and
// identity documents. What may be uploaded is decided here from the bytes themselves, never from the file's name or
// the browser's declared type.

export const DOCUMENT_KINDS = ['agent_permission', 'identity'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const DOCUMENT_MEDIA_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
export type DocumentMediaType = (typeof DOCUMENT_MEDIA_TYPES)[number];

/** A scan or a phone photo of a signed page fits; more is refused before anything is stored. */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

const SIGNATURES: ReadonlyArray<{ type: DocumentMediaType; bytes: readonly number[] }> = [
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
];

/** The document's type from its first bytes (magic numbers), or null for anything else. */
export function sniffDocumentType(head: Uint8Array): DocumentMediaType | null {
  return SIGNATURES.find((s) => s.bytes.every((b, i) => head[i] === b))?.type ?? null;
}

export type DocumentProblem = 'missing' | 'empty' | 'tooLarge' | 'wrongType';

/** Why an upload is refused, or null when it may be stored (its sniffed type beside it). */
export function checkDocument(file: { size: number; head: Uint8Array } | null): { problem: DocumentProblem } | { type: DocumentMediaType } {
  if (!file) return { problem: 'missing' };
  if (file.size === 0) return { problem: 'empty' };
  if (file.size > MAX_DOCUMENT_BYTES) return { problem: 'tooLarge' };
  const type = sniffDocumentType(file.head);
  return type ? { type } : { problem: 'wrongType' };
}

/** File extension for the stored (encrypted) file: only ever one of ours. */
export const DOCUMENT_EXTENSIONS: Readonly<Record<DocumentMediaType, string>> = { 'application/pdf': 'pdf', 'image/png': 'png', 'image/jpeg': 'jpg' };
