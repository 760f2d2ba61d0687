import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { type Answer, ApiError, client, must } from './api.ts';
import { useSession } from './session.tsx';
import { addDays, isoDate, localParts, parseIsoDate, zonedInstant } from './time.ts';
import './reports.css';

/**
 * Reports: how the spaces were used, from GET /reports/utilization grouped by hour of week. Two
 * charts drawn as SVG (a heat map of the hours of the week, bars of booked against used hours per
 * space), each with the same figures as a table for screen readers and anyone who prefers numbers.
 */

/** The report as the API answers it. */
type Report = Answer<'/api/v1/reports/utilization', 'get'>;

const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const hoursOfDay = Array.from({ length: 24 }, (_, h) => h);

export function Reports() {
  const { site } = useSession();
  const zone = site.timeZone;
  const today = localParts(new Date(), zone);
  const [from, setFrom] = useState(() => isoDate(addDays(today, -30)));
  const [to, setTo] = useState(() => isoDate(today));
  const [csvError, setCsvError] = useState<string | null>(null);

  const range = () => {
    const f = parseIsoDate(from);
    const t = parseIsoDate(to);
    if (!f || !t) return null;
    return {
      from: zonedInstant(f, 0, 0, zone).toISOString(),
      to: zonedInstant(addDays(t, 1), 0, 0, zone).toISOString(),
    };
  };
  const query = () => {
    const r = range();
    return r ? `from=${encodeURIComponent(r.from)}&to=${encodeURIComponent(r.to)}&groupBy=hourOfWeek` : null;
  };

  const r = range();
  const reportQuery = useQuery({
    queryKey: ['report', 'utilization', r?.from, r?.to],
    queryFn: () =>
      must(
        client.GET('/api/v1/reports/utilization', {
          params: { query: { from: r!.from, to: r!.to, groupBy: 'hourOfWeek' } },
        }),
      ),
    enabled: r !== null,
  });
  const report = reportQuery.data ?? null;
  const error =
    csvError ??
    (reportQuery.error
      ? reportQuery.error instanceof ApiError
        ? reportQuery.error.message
        : 'The report could not be loaded'
      : null);

  const downloadCsv = async () => {
    const q = query();
    if (!q) return;
    const res = await fetch(`/api/v1/reports/utilization?${q.replace('groupBy=hourOfWeek', 'groupBy=day')}`, {
      headers: { accept: 'text/csv' },
    });
    if (!res.ok) return setCsvError('The CSV could not be made');
    setCsvError(null);
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `utilization-${from}-${to}.csv`;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <main className="page reports" id="main">
      <h1>Reports</h1>
      <form className="reports-range" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          To <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="button" onClick={() => void downloadCsv()}>
          Download CSV
        </button>
      </form>
      {error && <p role="alert">{error}</p>}
      {!report && !error && <p role="status">Loading…</p>}
      {report && <HeatMap report={report} />}
      {report && <SpaceBars report={report} />}
    </main>
  );
}

function HeatMap({ report }: { report: Report }) {
  // Booked hours per hour of week, over every space.
  const hours = new Array<number>(168).fill(0);
  for (const s of report.spaces)
    for (let i = 0; i < s.groups.length && i < 168; i++)
      hours[i] = (hours[i] ?? 0) + s.groups[i]!.bookedHours;
  const max = Math.max(0, ...hours);
  const cell = 22;
  const left = 44;
  const top = 22;
  const shade = (v: number) => {
    if (max === 0 || v === 0) return '#eef2f6';
    // From a light to a dark blue, by share of the busiest hour.
    const t = v / max;
    const l = Math.round(90 - t * 62);
    return `hsl(212 70% ${l}%)`;
  };
  return (
    <section aria-labelledby="heat-title" className="report-chart">
      <h2 id="heat-title">Booked hours by hour of the week</h2>
      <svg
        role="img"
        aria-labelledby="heat-title heat-desc"
        viewBox={`0 0 ${left + 24 * cell} ${top + 7 * cell}`}
        width="100%"
        style={{ maxWidth: `${left + 24 * cell}px` }}
      >
        <title>Booked hours by hour of the week</title>
        <desc id="heat-desc">
          Darker cells are busier hours; the busiest hour has {max} booked hours. The table below gives every
          figure.
        </desc>
        {[0, 6, 12, 18].map((h) => (
          <text key={h} x={left + h * cell} y={14} fontSize="11" fill="#1b1b1b">
            {String(h).padStart(2, '0')}:00
          </text>
        ))}
        {days.map((d, day) => (
          <g key={d}>
            <text x={0} y={top + day * cell + 15} fontSize="12" fill="#1b1b1b">
              {d}
            </text>
            {hoursOfDay.map((h) => {
              const v = hours[day * 24 + h] ?? 0;
              return (
                <rect
                  key={h}
                  x={left + h * cell}
                  y={top + day * cell}
                  width={cell - 2}
                  height={cell - 2}
                  fill={shade(v)}
                >
                  <title>{`${d} ${String(h).padStart(2, '0')}:00: ${v} h booked`}</title>
                </rect>
              );
            })}
          </g>
        ))}
      </svg>
      <details>
        <summary>Show as a table</summary>
        {/* A wide table scrolls in its own box on a phone, not the page; the box takes focus so that
            it can be scrolled by keyboard (WCAG 2.1.1). */}
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
        <section className="table-wrap" aria-label="Booked hours by weekday and hour, table" tabIndex={0}>
          <table className="report-table">
            <caption>Booked hours by weekday and hour</caption>
            <thead>
              <tr>
                <th scope="col">Hour</th>
                {days.map((d) => (
                  <th key={d} scope="col">
                    {d}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {hoursOfDay.map((h) => (
                <tr key={h}>
                  <th scope="row">{String(h).padStart(2, '0')}:00</th>
                  {days.map((d, day) => (
                    <td key={d}>{hours[day * 24 + h]}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </details>
    </section>
  );
}

function SpaceBars({ report }: { report: Report }) {
  const max = Math.max(1, ...report.spaces.map((s) => s.totals.bookedHours));
  const row = 44;
  const left = 160;
  const width = 420;
  return (
    <section aria-labelledby="bars-title" className="report-chart">
      <h2 id="bars-title">Booked and used hours per space</h2>
      <svg
        role="img"
        aria-labelledby="bars-title bars-desc"
        viewBox={`0 0 ${left + width + 90} ${row * report.spaces.length + 30}`}
        width="100%"
        style={{ maxWidth: `${left + width + 90}px` }}
      >
        <title>Booked and used hours per space</title>
        <desc id="bars-desc">
          For each space a dark bar of booked hours and a light bar of used hours; the table below gives every
          figure.
        </desc>
        <rect x={left} y={4} width={12} height={12} fill="#1f4e8c" />
        <text x={left + 16} y={15} fontSize="12" fill="#1b1b1b">
          booked
        </text>
        <rect x={left + 80} y={4} width={12} height={12} fill="#7fb3e6" />
        <text x={left + 96} y={15} fontSize="12" fill="#1b1b1b">
          used
        </text>
        {report.spaces.map((s, i) => {
          const y = 26 + i * row;
          const b = (s.totals.bookedHours / max) * width;
          const u = (s.totals.usedHours / max) * width;
          return (
            <g key={s.spaceId}>
              <text x={0} y={y + 20} fontSize="13" fill="#1b1b1b">
                {s.name.length > 22 ? `${s.name.slice(0, 21)}…` : s.name}
              </text>
              <rect x={left} y={y + 4} width={b} height={16} fill="#1f4e8c" />
              <rect x={left} y={y + 22} width={u} height={12} fill="#7fb3e6" />
              <text x={left + Math.max(b, u) + 6} y={y + 20} fontSize="12" fill="#1b1b1b">
                {s.totals.bookedHours} / {s.totals.usedHours} h
              </text>
            </g>
          );
        })}
      </svg>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
      <section className="table-wrap" aria-label="Per space, table" tabIndex={0}>
        <table className="report-table">
          <caption>Per space</caption>
          <thead>
            <tr>
              <th scope="col">Space</th>
              <th scope="col">Open h</th>
              <th scope="col">Booked h</th>
              <th scope="col">Used h</th>
              <th scope="col">No-shows</th>
              <th scope="col">Late cancellations</th>
              <th scope="col">Peak hours</th>
            </tr>
          </thead>
          <tbody>
            {report.spaces.map((s) => (
              <tr key={s.spaceId}>
                <th scope="row">{s.name}</th>
                <td>{s.totals.openHours}</td>
                <td>{s.totals.bookedHours}</td>
                <td>{s.totals.usedHours}</td>
                <td>{s.totals.noShows}</td>
                <td>{s.totals.lateCancellations}</td>
                <td>{s.peakHours.map((p) => p.label).join(', ') || '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </section>
  );
}
