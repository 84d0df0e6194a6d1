import type { ExportFormat } from './data-model.ts';

/** How each export format is stored and served: the writer names the file, the download page sets the header. */
export const CONTENT_TYPES: Record<ExportFormat, { contentType: string; extension: string }> = {
  csv: { contentType: 'application/zip', extension: 'zip' },
  json: { contentType: 'application/json; charset=utf-8', extension: 'json' },
  xml: { contentType: 'application/xml; charset=utf-8', extension: 'xml' },
  docx: { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extension: 'docx' },
  pdf: { contentType: 'application/pdf', extension: 'pdf' },
};
