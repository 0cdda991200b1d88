// Trends: each DORA figure per week (per month for windows over 120 days)
// from /api/v1/metrics/trend, the previous period's buckets beside it, the
// DORA band thresholds as guide lines, and lead time also as a rolling
// median (the commits shipped in the 4 weeks, or 3 months, up to each
// bucket's end, from the explain data); then where lead time goes: the
// median coding, pickup, review and deploy time of the pull requests
// shipped in each bucket, stacked, each bucket drilling down to its pull
// requests. Chart.js draws them (Debian's libjs-chart.js, /ui/chart.min.js);
// each chart has an aria-label and its data as a table.
import * as api from './api.js';
import { FIGURES } from './bands.js';
import { h, isoUtc, formatDay, formatDate, duration, hours, perDay, plural, timeEl } from './format.js';
import { emptyWindow } from './states.js';

const charts = [];  // destroyed before the next render
const DAY_MS = 86400000;

export function destroyCharts() {
  while (charts.length) charts.pop().destroy();
}

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function median(values) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// Each figure in its chart unit: deploys per day, hours, percent.
const SERIES = {
  deploys_per_day: { unit: 'deploys per day', value: (b) => b.deploys_per_day, show: perDay },
  lead_time_median: { unit: 'hours', value: (b) => hours(b.lead_time_seconds.median), show: (v) => duration(v === null ? null : v * 3600) },
  change_failure_rate: { unit: '%', value: (b) => (b.change_failure_rate === null ? null : Math.round(b.change_failure_rate * 1000) / 10), show: (v) => (v === null ? '—' : `${v} %`) },
  time_to_restore_median: { unit: 'hours', value: (b) => hours(b.time_to_restore_seconds.median), show: (v) => duration(v === null ? null : v * 3600) },
};

function raw(key, b) {
  return { deploys_per_day: b.deploys_per_day, lead_time_median: b.lead_time_seconds.median,
           change_failure_rate: b.change_failure_rate, time_to_restore_median: b.time_to_restore_seconds.median }[key];
}

function chartBlock(figure, now, before, extra, bucket) {
  const s = SERIES[figure.key];
  const labels = now.buckets.map((b) => formatDay(new Date(b.since)));
  const values = now.buckets.map((b) => s.value(b));
  const previous = now.buckets.map((_, i) => (before.buckets[i] ? s.value(before.buckets[i]) : null));
  const top = Math.max(0, ...values.filter((v) => v !== null), ...previous.filter((v) => v !== null), ...(extra ? extra.values.filter((v) => v !== null) : []));
  // Guides above twice the data would flatten it; the table keeps them all.
  const guides = figure.guides.filter(([v]) => v <= Math.max(top * 2, figure.guides[0][0]));
  const description = `${figure.name} per ${bucket}: ${now.buckets.length} ${bucket}s, with the previous period dashed and the DORA band thresholds as grey lines.`;
  const canvas = h('canvas', { role: 'img', 'aria-label': description });
  const headers = [bucket === 'week' ? 'Week from' : 'Month from', figure.name, 'Previous period', ...(extra ? [extra.label] : [])];
  const rows = now.buckets.map((b, i) => h('tr', {},
    [formatDay(new Date(b.since)), s.show(values[i]), s.show(previous[i]), ...(extra ? [s.show(extra.values[i])] : [])]
      .map((c, k) => h('td', { 'data-label': headers[k] }, c))));
  const block = h('section', { class: 'card chart', 'aria-label': figure.name,
    dataset: { figure: figure.key, buckets: JSON.stringify(now.buckets.map((b) => ({ since: b.since, until: b.until, value: raw(figure.key, b) }))) } },
    h('h2', {}, `${figure.name} per ${bucket}`),
    h('p', { class: 'muted' }, `${s.unit}; guides: ${figure.guides.map(([, l]) => l).join(', ')}.`),
    h('div', { class: 'chart-box' }, canvas),
    h('details', {}, h('summary', {}, 'Show the data as a table'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'records' },
        h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows)))));
  block.draw = () => {
    const ink = css('--ink');
    const muted = css('--muted');
    const line = css('--line');
    const accent = css('--chart-1');
    const datasets = [
      { type: figure.key === 'deploys_per_day' ? 'bar' : 'line', label: 'This period', data: values, borderColor: accent, backgroundColor: accent, spanGaps: true, order: 1 },
      { type: 'line', label: 'Previous period', data: previous, borderColor: muted, backgroundColor: muted, borderDash: [6, 4], spanGaps: true, pointRadius: 2, order: 2 },
    ];
    if (extra) datasets.push({ type: 'line', label: extra.label, data: extra.values, borderColor: css('--chart-2'), backgroundColor: css('--chart-2'), spanGaps: true, tension: 0.3, order: 0 });
    // Each band's threshold in the band's colour (elite, high, medium).
    for (const [v, label] of guides)
      datasets.push({ type: 'line', label, guide: true, data: labels.map(() => v), borderColor: css('--' + label.split(' ')[0]), borderWidth: 1, borderDash: [2, 3], pointRadius: 0, fill: false, order: 3 });
    charts.push(new window.Chart(canvas, {
      type: 'line',
      data: { labels, datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        color: ink,
        // The guides are named in the text above the chart, not in the legend.
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, color: ink, filter: (item, data) => !data.datasets[item.datasetIndex].guide } } },
        scales: {
          x: { offset: true, grid: { display: false }, ticks: { color: muted, maxTicksLimit: 8 } },
          y: { beginAtZero: true, grid: { color: line }, ticks: { color: muted }, title: { display: true, text: s.unit, color: muted } },
        },
      },
    }));
  };
  return block;
}

// The four parts of lead time (lead_time_breakdown_seconds), in stack order.
export const PARTS = [
  { key: 'coding', name: 'Coding', what: 'first commit → pull request opened', colour: '--chart-1' },
  { key: 'pickup', name: 'Pickup', what: 'opened → first review', colour: '--chart-2' },
  { key: 'review', name: 'Review', what: 'first review → merged', colour: '--chart-3' },
  { key: 'deploy', name: 'Deploy', what: 'merged → deployed', colour: '--chart-4' },
];

// The pull requests first shipped in [since, until), each with its parts.
async function pullRequestsOf(filter, b) {
  const m = await api.metrics(filter, b.since, b.until, true);
  return m.explain.pull_requests;
}

function pullRequestTable(ctx, prs) {
  const headers = ['Pull request', 'Deploy', ...PARTS.map((p) => p.name), 'Merged'];
  return h('div', { class: 'table-wrap' }, h('table', { class: 'records pull-requests' },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, prs.map((p) => h('tr', { dataset: { id: String(p.id), deploy: p.deploy } },
      [h('span', {}, h('strong', {}, `!${p.id}`), ' ', p.title || ''),
       h('a', { href: ctx.link({ view: 'deploys', id: p.deploy }), class: 'deploy-link' }, p.deploy),
       duration(p.coding_seconds), duration(p.pickup_seconds), duration(p.review_seconds), duration(p.deploy_seconds),
       timeEl(p.merged_at)].map((c, i) => h('td', { 'data-label': headers[i], class: i >= 2 && i <= 5 ? 'num' : undefined }, c)))))));
}

// Where lead time goes: per bucket the median of each part (hours), stacked;
// a bar or a table row opens that bucket's pull requests below the chart.
function breakdownBlock(ctx, now, bucket) {
  const labels = now.buckets.map((b) => formatDay(new Date(b.since)));
  const parts = now.buckets.map((b) => b.lead_time_breakdown_seconds);
  const description = `Lead time breakdown per ${bucket}: the median coding, pickup, review and deploy time of the pull requests first shipped in each ${bucket}, stacked.`;
  const canvas = h('canvas', { role: 'img', 'aria-label': description });
  const drill = h('div', { class: 'drill-down', id: 'breakdown-drill', 'aria-live': 'polite' });
  const open = async (i) => {
    const b = now.buckets[i];
    drill.dataset.bucket = String(i);
    drill.dataset.state = 'loading';
    drill.replaceChildren(h('p', { class: 'muted' }, 'Loading the pull requests…'));
    try {
      const prs = await pullRequestsOf(ctx.filter, b);
      if (drill.dataset.bucket !== String(i)) return;  // another bucket was chosen meanwhile
      drill.replaceChildren(
        h('h3', {}, `Pull requests shipped in the ${bucket} from ${formatDay(new Date(b.since))}`, h('span', { class: 'muted' }, ` · ${plural(prs.length, 'pull request')}`)),
        prs.length ? pullRequestTable(ctx, prs) : h('p', { class: 'muted' }, `No pull request was first shipped in this ${bucket}.`));
      drill.dataset.state = 'done';
    } catch (e) {
      drill.replaceChildren(h('p', { class: 'error' }, e.message));
      drill.dataset.state = 'error';
    }
  };
  const headers = [bucket === 'week' ? 'Week from' : 'Month from', ...PARTS.map((p) => p.name), 'Pull requests', 'Direct commits', ''];
  const rows = now.buckets.map((b, i) => h('tr', { dataset: { bucket: String(i) } },
    [formatDay(new Date(b.since)), ...PARTS.map((p) => duration(parts[i][p.key].median)), String(parts[i].pull_requests), String(parts[i].direct_commits),
     parts[i].pull_requests ? h('button', { type: 'button', class: 'secondary drill-bucket', onclick: () => open(i) }, 'Pull requests') : '']
      .map((c, k) => h('td', { 'data-label': headers[k] }, c))));
  const block = h('section', { class: 'card chart breakdown', 'aria-label': 'Lead time breakdown',
    dataset: { figure: 'lead_time_breakdown', buckets: JSON.stringify(now.buckets.map((b, i) => ({ since: b.since, until: b.until,
      value: Object.fromEntries(PARTS.map((p) => [p.key, parts[i][p.key].median])) }))) } },
    h('h2', {}, `Where lead time goes, per ${bucket}`),
    h('p', { class: 'muted' }, `hours; median per part over the pull requests first shipped in each ${bucket}: ${PARTS.map((p) => `${p.name.toLowerCase()} (${p.what})`).join(', ')}. Select a bar for its pull requests.`),
    h('div', { class: 'chart-box' }, canvas),
    h('details', { open: true }, h('summary', {}, 'Show the data as a table'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'records breakdown-table' },
        h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows)))),
    drill);
  block.draw = () => {
    const ink = css('--ink');
    const muted = css('--muted');
    charts.push(new window.Chart(canvas, {
      type: 'bar',
      data: { labels, datasets: PARTS.map((p) => ({ label: p.name, data: parts.map((x) => hours(x[p.key].median)), backgroundColor: css(p.colour) || css('--chart-1'), stack: 'lead' })) },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, color: ink,
        onClick: (_, elements) => { if (elements.length && parts[elements[0].index].pull_requests) open(elements[0].index); },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, color: ink } } },
        scales: {
          x: { stacked: true, grid: { display: false }, ticks: { color: muted, maxTicksLimit: 8 } },
          y: { stacked: true, beginAtZero: true, grid: { color: css('--line') }, ticks: { color: muted }, title: { display: true, text: 'hours', color: muted } },
        },
      },
    }));
  };
  return block;
}

// The median lead time of the commits shipped in the `span` before each bucket's end.
function rollingLeadTime(commits, buckets, spanMs) {
  const points = commits.map((c) => ({ at: new Date(c.deployed_at).getTime(), seconds: c.lead_time_seconds }));
  return buckets.map((b) => {
    const end = new Date(b.until).getTime();
    const m = median(points.filter((p) => p.at < end && p.at >= end - spanMs).map((p) => p.seconds));
    return hours(m);
  });
}

export async function renderTrends(ctx) {
  const { range, previous, filter, state } = ctx;
  const bucket = range.days > 120 ? 'month' : 'week';
  const spanMs = (bucket === 'week' ? 28 : 91) * DAY_MS;
  const since = isoUtc(range.since);
  const until = isoUtc(range.until);
  const [now, before, explained] = await Promise.all([
    api.trend(filter, since, until, bucket),
    api.trend(filter, isoUtc(previous.since), isoUtc(previous.until), bucket),
    api.metrics(filter, isoUtc(new Date(range.since.getTime() - spanMs)), until, true),
  ]);
  const scope = `${state.dep || 'all deployments'} · ${state.env === 'all' ? 'all environments' : state.env}`;
  const header = h('div', { class: 'card-head' }, h('h1', {}, 'Trends', h('span', { class: 'muted' }, ` · ${scope}`)));
  const deploys = now.buckets.reduce((n, b) => n + b.deploys, 0);
  const changes = now.buckets.some((b) => b.change_failure_rate !== null);
  if (!deploys && !changes) {
    const between = `${formatDate(range.since)} and ${formatDate(new Date(range.until - 1))}`;
    return h('div', { class: 'trends' }, h('section', { class: 'card' }, header, emptyWindow(between)));
  }
  const rolling = { label: `Rolling median (${bucket === 'week' ? '4 weeks' : '3 months'})`, values: rollingLeadTime(explained.explain.commits, now.buckets, spanMs) };
  const blocks = FIGURES.map((f) => chartBlock(f, now, before, f.key === 'lead_time_median' ? rolling : null, bucket));
  blocks.push(breakdownBlock(ctx, now, bucket));
  const root = h('div', { class: 'trends' },
    h('section', { class: 'card intro' }, header,
      h('p', { class: 'muted' }, `${plural(now.buckets.length, bucket)} in the window, ${plural(deploys, 'deploy')}; the previous period is the one just before it, bucket by bucket.`)),
    h('div', { class: 'charts' }, blocks));
  root.afterAttach = () => blocks.forEach((b) => b.draw());
  return root;
}
