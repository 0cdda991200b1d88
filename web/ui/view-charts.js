// Charts: deploys per day (failed changes marked), lead time per deploy over
// time (median and p90), time to restore per failure. Chart.js draws them
// (Debian's libjs-chart.js, loaded as /ui/chart.min.js); each chart has an
// aria-label and a data table as its text alternative.
import * as api from './api.js';
import { h, isoUtc, formatDay, formatDateTime, timeEl, duration, hours } from './format.js';

const COLORS = { ok: '#2f6fd6', failed: '#d64545', p90: '#9a6ad6', median: '#2f6fd6', restore: '#d6843a' };
const charts = [];  // destroyed before the next render

function localDayKey(date) {
  return date.toLocaleDateString('sv');  // yyyy-mm-dd in the viewer's zone
}

function nearestRank(sorted, p) {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

function chartBlock(title, description, config, table) {
  const canvas = h('canvas', { role: 'img', 'aria-label': description });
  const block = h('section', { class: 'card chart', 'aria-label': title },
    h('h2', {}, title),
    h('p', { class: 'muted' }, description),
    h('div', { class: 'chart-box' }, canvas),
    h('details', {}, h('summary', {}, 'Show the data as a table'), h('div', { class: 'table-wrap' }, table)));
  // Drawn once attached (Chart.js measures its container).
  block.draw = () => charts.push(new window.Chart(canvas, config));
  return block;
}

function table(headers, rows) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))));
}

const baseOptions = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
};

function timeAxis(range) {
  return {
    type: 'linear',
    min: range.since.getTime(),
    max: range.until.getTime(),
    ticks: { maxTicksLimit: 8, callback: (v) => formatDay(new Date(v)) },
    grid: { display: false },
  };
}

function deploysPerDay(deploys, range) {
  const days = [];
  const start = new Date(range.since);
  start.setHours(0, 0, 0, 0);
  for (let t = start; t < range.until; t = new Date(t.getFullYear(), t.getMonth(), t.getDate() + 1)) days.push(t);
  const ok = new Map(days.map((d) => [localDayKey(d), 0]));
  const failed = new Map(days.map((d) => [localDayKey(d), 0]));
  for (const d of deploys) {
    const key = localDayKey(new Date(d.deployed_at));
    const bucket = d.failure ? failed : ok;
    if (bucket.has(key)) bucket.set(key, bucket.get(key) + 1);
  }
  const total = deploys.length;
  const failures = deploys.filter((d) => d.failure).length;
  const labels = days.map(formatDay);
  return chartBlock('Deploys per day',
    `Bar chart of ${total} deploys over ${days.length} days, ${failures} of them failed changes (red).`,
    {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'Deploys', data: [...ok.values()], backgroundColor: COLORS.ok, stack: 's' },
          { label: 'Failed changes', data: [...failed.values()], backgroundColor: COLORS.failed, stack: 's' },
        ],
      },
      options: { ...baseOptions, scales: { x: { stacked: true, grid: { display: false }, ticks: { maxTicksLimit: 12 } },
                                           y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    },
    table(['Day', 'Deploys', 'Failed changes'],
      days.map((d) => [formatDay(d), ok.get(localDayKey(d)), failed.get(localDayKey(d))]).filter((r) => r[1] || r[2])));
}

function leadTimes(explain, range) {
  const byDeploy = new Map();
  for (const c of explain.commits) {
    if (!byDeploy.has(c.deploy)) byDeploy.set(c.deploy, { at: c.deployed_at, seconds: [] });
    byDeploy.get(c.deploy).seconds.push(c.lead_time_seconds);
  }
  const points = [...byDeploy.entries()].map(([id, v]) => {
    const sorted = v.seconds.sort((a, b) => a - b);
    return { id, at: new Date(v.at).getTime(), iso: v.at, median: median(sorted), p90: nearestRank(sorted, 0.9), n: sorted.length };
  }).sort((a, b) => a.at - b.at);
  return chartBlock('Lead time per deploy',
    `Line chart of the median and p90 lead time (hours) of the commits each of ${points.length} deploys shipped first.`,
    {
      type: 'line',
      data: {
        datasets: [
          { label: 'Median (h)', data: points.map((p) => ({ x: p.at, y: hours(p.median) })), borderColor: COLORS.median,
            backgroundColor: COLORS.median, tension: 0 },
          { label: 'p90 (h)', data: points.map((p) => ({ x: p.at, y: hours(p.p90) })), borderColor: COLORS.p90,
            backgroundColor: COLORS.p90, borderDash: [5, 4], tension: 0 },
        ],
      },
      options: { ...baseOptions, parsing: true, scales: { x: timeAxis(range), y: { beginAtZero: true, title: { display: true, text: 'hours' } } },
                 plugins: { legend: { position: 'bottom', labels: { usePointStyle: true, pointStyle: 'line' } }, tooltip: { callbacks: { title: (items) => formatDateTime(new Date(items[0].parsed.x)) } } } },
    },
    table(['Deployed', 'Commits', 'Median', 'p90'], points.map((p) => [timeEl(p.iso), p.n, duration(p.median), duration(p.p90)])));
}

function restores(explain) {
  const failures = [...explain.failures].sort((a, b) => a.failed_at.localeCompare(b.failed_at));
  return chartBlock('Time to restore per failure',
    `Bar chart of the time to restore (hours) of ${failures.length} failures restored in the window.`,
    {
      type: 'bar',
      data: {
        labels: failures.map((f) => `${formatDay(new Date(f.failed_at))} (${f.kind.replace(/_/g, ' ')})`),
        datasets: [{ label: 'Time to restore (h)', data: failures.map((f) => hours(f.seconds)), backgroundColor: COLORS.restore }],
      },
      options: { ...baseOptions, scales: { x: { grid: { display: false } }, y: { beginAtZero: true, title: { display: true, text: 'hours' } } } },
    },
    table(['Failed', 'Kind', 'Restored', 'Time to restore'],
      failures.map((f) => [timeEl(f.failed_at), f.kind.replace(/_/g, ' '), timeEl(f.restored_at), duration(f.seconds)])));
}

export async function renderCharts({ range, filter }) {
  while (charts.length) charts.pop().destroy();
  const since = isoUtc(range.since);
  const until = isoUtc(range.until);
  const [deploys, figures] = await Promise.all([api.deploys(filter, since, until), api.metrics(filter, since, until, true)]);
  const blocks = [deploysPerDay(deploys, range), leadTimes(figures.explain, range), restores(figures.explain)];
  const root = h('div', { class: 'charts' }, h('h1', { class: 'visually-hidden' }, 'Charts'), blocks);
  // Chart.js measures its container: draw once the router has attached the view.
  root.afterAttach = () => blocks.forEach((b) => b.draw());
  return root;
}
