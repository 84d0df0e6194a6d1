// Text and attribute values for the XML the exports write by hand (XML, DOCX). Every "&" is escaped, including one
// that already looks like an entity ("AT&amp;T" stays AT&amp;T for the reader). Characters XML 1.0 cannot carry at
// all (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF; a lone surrogate) become U+FFFD. A CR in text is
// written &#xD;, since a parser would turn a literal one into LF; tab, LF and CR in an attribute are written as
// references, since a parser would turn them into spaces.

const NEEDS_WORK = /[&<>"\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const TEXT_SPECIAL = /[&<>\r]/g;
const ATTRIBUTE_SPECIAL = /[&<>"\t\n\r]/g;
const REFERENCES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };
const reference = (c: string) => REFERENCES[c]!;

/** A value as element content. */
export function xmlText(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  return value.replace(NOT_XML, '\uFFFD').replace(TEXT_SPECIAL, reference);
}

/** A value inside a double-quoted attribute. */
export function xmlAttribute(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  return value.replace(NOT_XML, '\uFFFD').replace(ATTRIBUTE_SPECIAL, reference);
}
