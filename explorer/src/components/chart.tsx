import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: number[];
  color: string;
}

const PALETTE = ['#1f5fa8', '#b8430b', '#2f7d32', '#7a3fa8', '#a8841f', '#1f8fa8', '#a81f5f', '#555'];
export const color = (i: number) => PALETTE[i % PALETTE.length];

/**
 * A bar (one series) or line (several) chart of categorical buckets, drawn by uPlot on a canvas. The same numbers
 * are in a data table under it (for screen readers, and what the page shows as text) and in `data-chart` as JSON:
 * exactly the arrays handed to uPlot.
 */
export function Chart(props: { id: string; title: string; labels: string[]; series: ChartSeries[]; height?: number; unit?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const { labels, series } = props;
  const bars = series.length === 1;
  useEffect(() => {
    const el = box.current;
    if (!el || labels.length === 0) return;
    const xs = labels.map((_, i) => i);
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: props.height ?? 240,
      legend: { show: series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // Buckets are categories at 0..n-1: half a bucket of room on each side, whatever uPlot would auto-range.
        x: { time: false, auto: false, range: () => [-0.5, labels.length - 0.5] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        {
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) && labels[v] !== undefined ? shortLabel(labels[v]) : '')),
          space: 70,
          stroke: '#333',
          grid: { show: false },
        },
        { stroke: '#333', size: 60, grid: { stroke: '#e4e4e4' } },
      ],
      series: [
        { label: 'bucket', value: (_u, v) => (v === null || labels[v] === undefined ? '' : labels[v]) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: bars ? `${s.color}cc` : undefined,
          width: bars ? 0 : 2,
          points: { show: labels.length < 60 },
          paths: bars ? uPlot.paths.bars?.({ size: [0.7, 60] }) : undefined,
        })),
      ],
    };
    const u = new uPlot(opts, [xs, ...series.map((s) => s.values)], el);
    const onResize = () => u.setSize({ width: Math.max(320, el.clientWidth), height: props.height ?? 240 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      u.destroy();
    };
  }, [JSON.stringify(labels), JSON.stringify(series)]);

  const data = JSON.stringify({ labels, series: Object.fromEntries(series.map((s) => [s.label, s.values])) });
  return (
    <figure class="chart" data-testid={`chart-${props.id}`} data-chart={data}>
      <figcaption>{props.title}</figcaption>
      {labels.length === 0 ? (
        <p class="muted">No data in this range.</p>
      ) : (
        <div ref={box} class="plot" role="img" aria-label={`${props.title}: chart, numbers in the table below`} />
      )}
      {labels.length > 0 && (
        <details>
          <summary>Numbers</summary>
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Bucket</th>
                  {series.map((s) => (
                    <th scope="col" key={s.label}>
                      {s.label}
                      {props.unit ? ` (${props.unit})` : ''}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {labels.map((l, i) => (
                  <tr key={l}>
                    <th scope="row" class="mono">
                      {l}
                    </th>
                    {series.map((s) => (
                      <td class="num" key={s.label}>
                        {s.values[i]}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </figure>
  );
}

/** Hour keys (2024-12-19T10:00:00+01:00) shortened for an axis. */
function shortLabel(l: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(l);
  return m ? `${m[1].slice(5)} ${m[2]}` : l;
}

/** Horizontal bars in HTML, for a handful of categories (organizations, users, step kinds). */
export function BarList(props: { id: string; title: string; entries: [string, number][]; format?: (n: number) => string }) {
  const max = Math.max(1, ...props.entries.map(([, v]) => v));
  const fmt = props.format ?? ((n: number) => n.toLocaleString('en-US'));
  return (
    <figure class="barlist" data-testid={`bars-${props.id}`} data-chart={JSON.stringify(Object.fromEntries(props.entries))}>
      <figcaption>{props.title}</figcaption>
      {props.entries.length === 0 ? (
        <p class="muted">No data in this range.</p>
      ) : (
        <table class="bars">
          <tbody>
            {props.entries.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>
                  <span class="bar" style={{ width: `${(100 * v) / max}%` }} />
                  <span class="bar-value">{fmt(v)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
