import { useI18n } from "../i18n/i18n";

export interface TrendPoint {
  /** ISO date or date-time */
  date: string;
  value: number;
}

const WIDTH = 320;
const HEIGHT = 150;
const PAD = { left: 44, right: 12, top: 12, bottom: 26 };
/** Keeps the first and last points off the axes. */
const INSET = 10;

function time(iso: string): number {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T12:00:00` : iso).getTime();
}

/** One analyte over time as a small SVG line chart (hand-written: a chart library would outweigh the app). */
export function TrendChart({ title, unit, points }: { title: string; unit: string; points: TrendPoint[] }) {
  const { t, formatDate, formatNumber } = useI18n();
  const sorted = [...points].sort((a, b) => time(a.date) - time(b.date));
  const headingId = `trend-${title.replace(/\W+/g, "-").toLowerCase()}`;

  if (sorted.length === 0) {
    return (
      <figure className="trend" aria-labelledby={headingId}>
        <figcaption id={headingId}>
          <strong>{title}</strong> <span className="muted">{unit}</span>
        </figcaption>
        <p className="muted small">{t("history.trendEmpty")}</p>
      </figure>
    );
  }

  const times = sorted.map((p) => time(p.date));
  const values = sorted.map((p) => p.value);
  const tMin = Math.min(...times);
  const tMax = Math.max(...times);
  const dataMin = Math.min(...values);
  const dataMax = Math.max(...values);
  const margin = (dataMax - dataMin) * 0.15 || Math.abs(dataMax) * 0.1 || 1;
  const vMin = dataMin - margin;
  const vMax = dataMax + margin;
  const left = PAD.left + INSET;
  const right = WIDTH - PAD.right - INSET;
  const x = (value: number) => (tMax === tMin ? (left + right) / 2 : left + ((value - tMin) / (tMax - tMin)) * (right - left));
  const y = (value: number) => PAD.top + (1 - (value - vMin) / (vMax - vMin)) * (HEIGHT - PAD.top - PAD.bottom);
  const path = sorted.map((p, i) => `${i === 0 ? "M" : "L"}${x(times[i]!).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const summary = sorted.map((p) => `${formatDate(p.date)}: ${formatNumber(p.value, 1)} ${unit}`).join("; ");

  return (
    <figure className="trend" aria-labelledby={headingId} data-points={sorted.length}>
      <figcaption id={headingId}>
        <strong>{title}</strong> <span className="muted">{unit}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}: ${summary}`} className="trend-svg">
        <line x1={PAD.left} y1={HEIGHT - PAD.bottom} x2={WIDTH - PAD.right} y2={HEIGHT - PAD.bottom} className="axis" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={HEIGHT - PAD.bottom} className="axis" />
        {[...new Set([dataMin, dataMax])].map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} y1={y(tick)} x2={WIDTH - PAD.right} y2={y(tick)} className="grid" />
            <text x={PAD.left - 5} y={y(tick) + 3} textAnchor="end" className="tick">
              {formatNumber(tick, 1)}
            </text>
          </g>
        ))}
        <text
          x={sorted.length > 1 ? PAD.left : x(times[0]!)}
          y={HEIGHT - 8}
          textAnchor={sorted.length > 1 ? "start" : "middle"}
          className="tick"
        >
          {formatDate(first.date)}
        </text>
        {sorted.length > 1 && (
          <text x={WIDTH - PAD.right} y={HEIGHT - 8} textAnchor="end" className="tick">
            {formatDate(last.date)}
          </text>
        )}
        <path d={path} className="trend-line" fill="none" />
        {sorted.map((p, i) => (
          <circle key={`${p.date}-${i}`} cx={x(times[i]!)} cy={y(p.value)} r={4} className="trend-point">
            <title>{`${formatDate(p.date)}: ${formatNumber(p.value, 1)} ${unit}`}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
