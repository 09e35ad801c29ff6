/**
 * CSV rows (RFC 4180): fields separated by commas, double-quoted fields may hold commas, quotes
 * ("") and newlines. Only complete rows (ending in a newline outside quotes) are returned, each
 * with its raw text so the caller can advance its byte position exactly.
 */
export interface CsvRow {
  fields: string[];
  raw: string;
}

export function splitCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let rowStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n') {
      fields.push(field.endsWith('\r') ? field.slice(0, -1) : field);
      rows.push({ fields, raw: text.slice(rowStart, i + 1) });
      fields = [];
      field = '';
      rowStart = i + 1;
    } else field += c;
  }
  return rows;
}

/** Kept for a stateful call site: each push parses the text it is given on its own. */
export class CsvSplitter {
  push(text: string): CsvRow[] {
    return splitCsv(text);
  }
}
