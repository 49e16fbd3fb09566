import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip } from 'chart.js';
import { get } from '../api';
import { count } from '../format';
import { Loading, Refusal, Section, useResource } from '../components';
import type { Session } from '../session';

/**
 * Dashboards drawn with chart.js (canvas, tree-shaken to the bar chart). Each chart has a text
 * label and the same figures as a table, for screen readers and for people who prefer numbers.
 */
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

interface Series { label: string; data: number[] }

function BarChart({ labels, series, label, stacked }: { labels: string[]; series: Series[]; label: string; stacked?: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const styles = getComputedStyle(document.documentElement);
    const palette = [styles.getPropertyValue('--brand').trim() || '#1f4e79', styles.getPropertyValue('--accent').trim() || '#f2a900', '#5b6770', '#2e7d32', '#b71c1c', '#6a1b9a'];
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: palette[i % palette.length] })) },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { stacked }, y: { stacked, beginAtZero: true, ticks: { precision: 0 } } } },
    });
    return () => chart.destroy();
  }, [labels, series, stacked]);
  return html`<div class="chart"><canvas ref=${canvas} role="img" aria-label=${label}></canvas></div>
    <table class="chart-data"><caption>${label}</caption>
      <thead><tr><th scope="col">—</th>${series.map((s) => html`<th scope="col" class="num">${s.label}</th>`)}</tr></thead>
      <tbody>${labels.map((l, i) => html`<tr><th scope="row">${l}</th>${series.map((s) => html`<td class="num">${count(s.data[i])}</td>`)}</tr>`)}</tbody>
    </table>`;
}

interface DealLite { tierAtRegistration: string; status: string }
const PIPELINE_PAGES = 5;

/** Deals by the tier their partner had at registration, by status (the first 1,000 deals). */
export function PipelineDashboard(_props: { session: Session }) {
  const [deals, setDeals] = useState<DealLite[] | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    void (async () => {
      try {
        const all: DealLite[] = [];
        let cursor: string | null = null;
        for (let page = 0; page < PIPELINE_PAGES; page++) {
          const res: { items: DealLite[]; nextCursor: string | null } = await get(`/v1/deals?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          all.push(...res.items);
          cursor = res.nextCursor;
          if (!cursor) break;
        }
        setDeals(all);
      } catch (e) {
        setError(e);
      }
    })();
  }, []);
  if (error) return html`<${Section} title="Pipeline by tier"><${Refusal} error=${error} /></${Section}>`;
  if (!deals) return html`<${Loading} what="the pipeline" />`;
  const tiers = [...new Set(deals.map((d) => d.tierAtRegistration))].sort();
  const statuses = [...new Set(deals.map((d) => d.status))].sort();
  const series = statuses.map((s) => ({ label: s, data: tiers.map((t) => deals.filter((d) => d.tierAtRegistration === t && d.status === s).length) }));
  return html`<${Section} title="Pipeline by tier">
    ${deals.length === 0 ? html`<p class="empty">No deals yet.</p>` : html`<${BarChart} labels=${tiers} series=${series} label="Deals by partner tier and status" stacked=${true} />`}
  </${Section}>`;
}

interface Scorecard { supplierId: string; from: string; to: string; orders: number; acknowledgements: { due: number; onTime: number; rate: string | null }; shipments: { count: number; onTime: number; rate: string | null }; fillRate: string | null; exceptions: number }

const percent = (share: string | null) => (share === null ? '–' : (new Intl.NumberFormat(document.documentElement.lang || 'en', { style: 'percent', maximumFractionDigits: 1 }) as Intl.NumberFormat & { format(v: string): string }).format(share));

const DAY_MS = 86_400_000;
/** The scorecard window: orders placed in the last 90 days (to the end of today, UTC). */
function window90(): string {
  const to = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS);
  const from = new Date(to.getTime() - 90 * DAY_MS);
  return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
}

/** A supplier's on-time acknowledgement and shipment, and its fill rate. */
export function ScorecardDashboard({ session }: { session: Session }) {
  const [range] = useState(window90);
  const { data, error, loading } = useResource<Scorecard>(session.partyId ? `/v1/parties/${session.partyId}/scorecard?${range}` : undefined);
  if (error) return html`<${Section} title="Scorecard"><${Refusal} error=${error} /></${Section}>`;
  if (loading || !data) return html`<${Loading} what="the scorecard" />`;
  const c = data;
  return html`<${Section} title="Scorecard">
    <p class="hint">Orders placed in the last 90 days.</p>
    <p>On-time acknowledgement ${percent(c.acknowledgements.rate)}, on-time shipment ${percent(c.shipments.rate)}, fill rate ${percent(c.fillRate)}; ${count(c.orders)} orders, ${count(c.exceptions)} exceptions.</p>
    <${BarChart} labels=${['Acknowledgements', 'Shipments']} label="On time and late, by kind"
      series=${[{ label: 'on time', data: [c.acknowledgements.onTime, c.shipments.onTime] }, { label: 'late', data: [c.acknowledgements.due - c.acknowledgements.onTime, c.shipments.count - c.shipments.onTime] }]} stacked=${true} />
  </${Section}>`;
}
