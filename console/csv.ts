/**
 * A small RFC 4180 CSV reader for the stock upload: quoted fields (with "" for a quote and line
 * breaks inside quotes), comma separators, CRLF or LF. No package does this in the browser
 * bundle today (papaparse is not installed), and the upload needs nothing more.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

export interface StockUpdate { sku: string; location: string; onHand: number; kind: 'snapshot' | 'delta'; sequence: number; observedAt: string }

/**
 * Rows under a header naming sku, location, onHand, kind (snapshot when absent), sequence and
 * observedAt (now when absent) into the API's update items. A row the browser cannot read is
 * named here; whether a sku is valid is the API's judgement, reported per item in the batch.
 */
export function stockUpdates(rows: string[][], now: string = new Date().toISOString()): StockUpdate[] {
  const [header, ...body] = rows;
  if (!header) throw new Error('the file is empty');
  const col = (name: string) => header.findIndex((h) => h.trim().toLowerCase() === name.toLowerCase());
  const at = { sku: col('sku'), location: col('location'), onHand: col('onHand'), kind: col('kind'), sequence: col('sequence'), observedAt: col('observedAt') };
  for (const required of ['sku', 'location', 'onHand', 'sequence'] as const) if (at[required] < 0) throw new Error(`the header has no "${required}" column`);
  return body.map((r, i) => {
    const int = (name: 'onHand' | 'sequence') => {
      const v = (r[at[name]] ?? '').trim();
      if (!/^-?\d+$/.test(v)) throw new Error(`row ${i + 2}: ${name} "${v}" is not a whole number`);
      return Number.parseInt(v, 10);
    };
    const kind = at.kind >= 0 && r[at.kind]?.trim() ? r[at.kind].trim() : 'snapshot';
    if (kind !== 'snapshot' && kind !== 'delta') throw new Error(`row ${i + 2}: kind "${kind}" is neither snapshot nor delta`);
    return { sku: (r[at.sku] ?? '').trim(), location: (r[at.location] ?? '').trim(), onHand: int('onHand'), kind, sequence: int('sequence'), observedAt: at.observedAt >= 0 && r[at.observedAt]?.trim() ? r[at.observedAt].trim() : now };
  });
}
