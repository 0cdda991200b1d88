// The records behind one figure (#/explain/<figure>): the explain data of
// /api/v1/metrics?explain=1 for the window, as `shiplog metrics --explain`
// lists it. Deployment frequency: the succeeded deploys; lead time: the
// deploys with the commits each shipped first and their lead times; change
// failure rate: the failed changes with why and the incidents blamed (titles
// and links from /api/v1/deploys/{id}/details); time to restore: the
// failures with their opened and restored times.
import * as api from './api.js';
import { FIGURES } from './bands.js';
import { h, timeEl, duration, percent, perDay, isoUtc, plural, formatDate, shortSha } from './format.js';
import { emptyWindow } from './states.js';

const WHY = {
  failed: 'its pipeline failed',
  rollback: 'a later rollback skipped back over it',
  incident: 'an incident was blamed on it',
};

function deployLink(ctx, id, text) {
  const [deployment, environment] = id.split(':');
  return h('a', { href: ctx.link({ view: 'deploys', id }), class: 'deploy-link', 'aria-label': `Deploy ${id} (${deployment} to ${environment})` },
    text || `${deployment} → ${environment}`);
}

function table(cls, headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { class: `records ${cls}` },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows)));
}

// A row whose cells carry their column name (the phone layout shows it).
function row(attrs, headers, cells) {
  return h('tr', attrs, cells.map((c, i) => h('td', { 'data-label': headers[i] }, c)));
}

function frequency(ctx, m) {
  const deploys = m.explain.changes.filter((c) => c.status === 'succeeded');
  const headers = ['Deploy', 'Failure'];
  return [
    h('p', {}, `${plural(m.deploys, 'succeeded deploy')} on ${plural(m.deploy_days, 'day')}: ${perDay(m.deploys_per_day)}.`),
    table('frequency', headers, deploys.map((c) => row({ dataset: { id: c.id } }, headers,
      [deployLink(ctx, c.id, c.id), c.failure ? h('span', { class: 'status failed' }, c.failure) : h('span', { class: 'muted' }, '—')]))),
  ];
}

function leadTime(ctx, m) {
  const byDeploy = new Map();
  for (const c of m.explain.commits) {
    if (!byDeploy.has(c.deploy)) byDeploy.set(c.deploy, []);
    byDeploy.get(c.deploy).push(c);
  }
  const headers = ['Commit', 'Authored', 'Deployed', 'Lead time'];
  const groups = [...byDeploy.entries()].map(([id, commits]) =>
    h('section', { class: 'deploy-group', dataset: { id } },
      h('h3', {}, deployLink(ctx, id, id), h('span', { class: 'muted' }, ` · ${plural(commits.length, 'commit')} shipped first`)),
      table('lead-times', headers, commits.map((c) => row({ dataset: { sha: c.sha } }, headers,
        [h('code', { title: c.sha }, shortSha(c.sha)), timeEl(c.authored_at), timeEl(c.deployed_at), duration(c.lead_time_seconds)])))));
  return [
    h('p', {}, `${plural(m.lead_time_seconds.commits, 'commit')} first shipped in the window: median ${duration(m.lead_time_seconds.median)}, p90 ${duration(m.lead_time_seconds.p90)}.`),
    groups,
  ];
}

// Boards incidents read as work items (#4790); the rest keep their source's id.
function incidentLabel(id) {
  const boards = /^boards:(\d+)$/.exec(String(id));
  return boards ? `#${boards[1]}` : String(id);
}

async function failureRate(ctx, m) {
  const failed = m.explain.changes.filter((c) => c.failure);
  // Titles and links of the blamed incidents (one request per blamed deploy).
  const details = new Map(await Promise.all(failed.filter((c) => c.incidents.length).map(async (c) => [c.id, await api.details(c.id)])));
  const headers = ['Deploy', 'Status', 'Why it failed', 'Blamed incidents'];
  const incidentList = (c) => {
    if (!c.incidents.length) return h('span', { class: 'muted' }, '—');
    const known = details.get(c.id);
    return h('ul', { class: 'incidents' }, c.incidents.map((id) => {
      const info = known && known.incidents.find((i) => i.id === id);
      const text = `${incidentLabel(id)}${info && info.title ? ' ' + info.title : ''}`;
      return h('li', { dataset: { incident: id } }, info && info.url ? h('a', { href: info.url, rel: 'noreferrer' }, text) : text,
        info && info.opened_at ? h('span', { class: 'muted' }, ' · opened ', timeEl(info.opened_at)) : '');
    }));
  };
  return [
    h('p', {}, `${plural(failed.length, 'failed change')} of ${plural(m.explain.changes.length, 'change')} (succeeded + failed deploys): ${percent(m.change_failure_rate)}.`),
    table('failures', headers, failed.map((c) => row({ dataset: { id: c.id } }, headers,
      [deployLink(ctx, c.id, c.id), h('span', { class: `status ${c.status}` }, c.status),
       h('span', {}, h('strong', {}, c.failure), ` — ${WHY[c.failure] || ''}`), incidentList(c)]))),
  ];
}

function restore(ctx, m) {
  const headers = ['Failure', 'Kind', 'Opened', 'Restored', 'Restored by', 'Time to restore'];
  const what = (text) => (/^[^:\s]+:[^:\s]+:\d+$/.test(text) ? deployLink(ctx, text, text) : text);
  return [
    h('p', {}, `${plural(m.time_to_restore_seconds.failures, 'failure')} restored in the window: median ${duration(m.time_to_restore_seconds.median)}.`),
    table('restores', headers, m.explain.failures.map((f) => row({ dataset: { failure: f.failure } }, headers,
      [what(f.failure), f.kind.replace(/_/g, ' '), timeEl(f.failed_at), timeEl(f.restored_at), what(f.restored_by), duration(f.seconds)]))),
  ];
}

export async function renderExplain(ctx) {
  const { state, range, filter } = ctx;
  const figure = FIGURES.find((f) => f.key === state.id) || FIGURES[0];
  const m = await api.metrics(filter, isoUtc(range.since), isoUtc(range.until), true);
  const scope = `${state.dep || 'all deployments'} · ${state.env === 'all' ? 'all environments' : state.env}`;
  const between = `${formatDate(range.since)} and ${formatDate(new Date(range.until - 1))}`;
  const count = { deploys_per_day: m.deploys, lead_time_median: m.explain.commits.length,
                  change_failure_rate: m.explain.changes.filter((c) => c.failure).length,
                  time_to_restore_median: m.explain.failures.length }[figure.key];
  let body;
  if (!m.explain.changes.length && !m.explain.failures.length) body = [emptyWindow(between)];
  else if (!count) body = [h('p', { class: 'empty-window muted' }, `Nothing behind this figure between ${between}.`)];
  else if (figure.key === 'deploys_per_day') body = frequency(ctx, m);
  else if (figure.key === 'lead_time_median') body = leadTime(ctx, m);
  else if (figure.key === 'change_failure_rate') body = await failureRate(ctx, m);
  else body = restore(ctx, m);
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Figures' }, FIGURES.map((f) =>
    h('a', { href: ctx.link({ view: 'explain', id: f.key }), 'aria-current': f === figure ? 'page' : 'false' }, f.name)));
  return h('div', { class: 'explain', dataset: { figure: figure.key } },
    h('p', {}, h('a', { href: ctx.link({ view: 'overview', id: null }) }, '← Overview')),
    tabs,
    h('section', { class: 'card' },
      h('h1', {}, figure.name, h('span', { class: 'muted' }, ` · ${scope}`)),
      h('p', { class: 'muted note' }, figure.definition),
      body));
}
