import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { ApiError, get } from './api';

/** Shared pieces of every screen: loading, refusals, cursor-paged tables, status badges. */

export function Refusal({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : undefined;
  return html`<div class="refusal" role="alert">
    <strong>${e ? `${e.title} (${e.status})` : 'Something went wrong'}</strong>
    <p>${e ? e.detail : String(error)}</p>
  </div>`;
}

export function Notice({ children }: { children: ComponentChildren }) {
  return html`<div class="notice" role="status">${children}</div>`;
}

/** Loads one resource; `reload` fetches it again (after a decision, for instance). */
export function useResource<T>(path: string | undefined) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const load = useCallback(async () => {
    if (!path) return;
    setState((s) => ({ ...s, loading: true }));
    try {
      setState({ data: await get<T>(path), loading: false });
    } catch (error) {
      setState({ error, loading: false });
    }
  }, [path]);
  useEffect(() => {
    void load();
  }, [load]);
  return { ...state, reload: load };
}

export function Loading({ what }: { what: string }) {
  return html`<p class="loading" aria-busy="true">Loading ${what}…</p>`;
}

export function Badge({ value }: { value: string }) {
  return html`<span class=${`badge badge-${value.replace(/[^a-z-]/g, '')}`}>${value}</span>`;
}

export interface Column<T> {
  label: string;
  cell(row: T): ComponentChildren;
  numeric?: boolean;
}

/**
 * A table over one of the API's cursor-paged lists: the first page, then "More" follows
 * nextCursor; only what was fetched is rendered, so a tenant with 10,000 rows costs one page.
 */
export function CursorTable<T>({ path, columns, caption, empty, rowKey }: { path: string; columns: Column<T>[]; caption: string; empty: string; rowKey(row: T): string }) {
  const [rows, setRows] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const fetchPage = useCallback(async (after: string | null | undefined, reset: boolean) => {
    setLoading(true);
    try {
      const sep = path.includes('?') ? '&' : '?';
      const page = await get<{ items: T[]; nextCursor: string | null }>(after ? `${path}${sep}cursor=${encodeURIComponent(after)}` : path);
      setRows((r) => (reset ? page.items : [...r, ...page.items]));
      setCursor(page.nextCursor);
      setError(undefined);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [path]);
  useEffect(() => {
    void fetchPage(undefined, true);
  }, [fetchPage]);
  return html`<div class="table-wrap">
    <${Refusal} error=${error} />
    <table>
      <caption>${caption}</caption>
      <thead><tr>${columns.map((c) => html`<th scope="col" class=${c.numeric ? 'num' : ''}>${c.label}</th>`)}</tr></thead>
      <tbody>
        ${rows.map((row) => html`<tr key=${rowKey(row)}>${columns.map((c) => html`<td class=${c.numeric ? 'num' : ''}>${c.cell(row)}</td>`)}</tr>`)}
      </tbody>
    </table>
    ${!loading && rows.length === 0 && !error ? html`<p class="empty">${empty}</p>` : null}
    ${loading ? html`<${Loading} what="rows" />` : null}
    ${cursor ? html`<button type="button" class="secondary" onClick=${() => fetchPage(cursor, false)}>More</button>` : null}
  </div>`;
}

/** A button that runs an action once at a time and shows the API's refusal if there is one. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return html`<section><h2>${title}</h2>${children}</section>`;
}

export function Definitions({ items }: { items: [string, ComponentChildren][] }) {
  return html`<dl class="facts">${items.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}
