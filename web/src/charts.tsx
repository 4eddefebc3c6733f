import { useEffect, useId, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { money } from './components';

export interface BarSeries {
  label: string;
  /** Exact decimal strings, as the API gives them. */
  values: string[];
  color: string;
}

const bars = uPlot.paths.bars!;

/**
 * A bar chart (uPlot: canvas, ~20 kB gzipped; docs/adr/0024) over named categories, one or two
 * series side by side, with the same figures in a table beneath: the canvas is a picture for the
 * eye, the table is what a screen reader, a copy-paste and a test read.
 */
export function BarChart({
  title,
  categoryLabel,
  categories,
  series,
  height = 220,
  tick = (c) => c,
}: {
  title: string;
  /** What the categories are ("Month", "Days past due"): the figures table's first column. */
  categoryLabel: string;
  /** A category as the axis shows it, when the whole name would not fit ("Dec 2026" -> "Dec"). */
  tick?: (category: string) => string;
  categories: string[];
  series: BarSeries[];
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const captionId = useId();
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const aligns: Array<-1 | 0 | 1> = series.length === 2 ? [-1, 1] : [0];
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth, 240),
        height,
        legend: { show: true, live: false },
        cursor: { show: false },
        scales: {
          x: { time: false, range: [-0.5, categories.length - 0.5] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          {
            values: (_u, splits) => splits.map((i) => tick(categories[i] ?? '')),
            splits: () => categories.map((_, i) => i),
          },
          { values: (_u, splits) => splits.map(compact), size: 60 },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            fill: s.color,
            stroke: s.color,
            width: 0,
            paths: bars({ size: [series.length === 2 ? 0.35 : 0.6, 60], align: aligns[i] ?? 0 }),
            points: { show: false },
          })),
        ],
        hooks: { draw: [() => el.setAttribute('data-drawn', 'true')] },
      },
      // Pixels, not money: the chart's heights may be floats; every figure shown is the exact string.
      [categories.map((_, i) => i), ...series.map((s) => s.values.map(Number))],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 240), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [categories, series, height, tick]);
  return (
    <figure className="chart" aria-labelledby={captionId}>
      <figcaption id={captionId}>{title}</figcaption>
      <div ref={box} className="chart-canvas" aria-hidden="true" />
      <table aria-label={`${title}: figures`} className="figures">
        <thead>
          <tr>
            <th scope="col">{categoryLabel}</th>
            {series.map((s) => (
              <th key={s.label} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {categories.map((c, i) => (
            <tr key={c}>
              <th scope="row">{c}</th>
              {series.map((s) => (
                <td key={s.label}>{money(s.values[i] ?? '0')}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** An axis label: ₹12.5k, ₹3.2L (lakh), ₹1.1Cr. */
function compact(n: number): string {
  if (n >= 1e7) return `₹${(n / 1e7).toFixed(1)}Cr`;
  if (n >= 1e5) return `₹${(n / 1e5).toFixed(1)}L`;
  if (n >= 1e3) return `₹${(n / 1e3).toFixed(1)}k`;
  return `₹${n}`;
}
