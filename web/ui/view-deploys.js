// Deploys: the list for the filters (environment, deployment, window) with
// status and failure filters and a search by sha, work item or author,
// 50 at a time (the API's cursor, followed through its Link header).
import * as api from './api.js';
import { h, timeEl, shortSha, isoUtc, formatDate, formatDateTime, plural } from './format.js';
import { emptyWindow } from './states.js';

const PAGE = 50;
const HEADERS = ['Deployed', 'Deploy', 'Sha', 'Status', 'Failure', 'Commits', 'Batch', 'Work items'];

export function statusChip(d) {
  return h('span', { class: `status ${d.status}` }, d.status);
}

// S/M/L/XL by commits, with the counts behind it.
export function batchChip(d) {
  const b = d.batch;
  return h('span', { class: `batch ${b.size}`, dataset: { batch: b.size }, title: `${plural(b.commits, 'commit')}, ${plural(b.pull_requests, 'pull request')}, ${plural(b.work_items, 'work item')}` }, b.size);
}

export function failureChip(failure) {
  return failure ? h('span', { class: 'status failed', title: 'counts as a failed change' }, failure) : h('span', { class: 'muted' }, '—');
}

function deployRow(ctx, d) {
  const when = formatDateTime(new Date(d.deployed_at));
  const cells = [
    timeEl(d.deployed_at),
    h('a', { href: ctx.link({ view: 'deploys', id: d.id }), class: 'deploy-link',
             'aria-label': `${d.deployment} to ${d.environment}, ${when}, ${d.sha ? 'sha ' + shortSha(d.sha) : 'sha pending'}` },
      `${d.deployment} → ${d.environment}`),
    h('code', { title: d.sha || 'sha pending a REST look-up' }, shortSha(d.sha)),
    statusChip(d),
    failureChip(d.failure),
    h('span', {}, String(d.commit_count), d.commits_complete ? '' : h('span', { class: 'pending', title: 'more commits pending a REST look-up' }, ' +?')),
    batchChip(d),
    d.work_items.length ? d.work_items.map((w) => '#' + w).join(', ') : h('span', { class: 'muted' }, '—'),
  ];
  return h('tr', { dataset: { id: d.id } }, cells.map((c, i) => h('td', { 'data-label': HEADERS[i], class: i === 5 ? 'num' : undefined }, c)));
}

function select(id, label, value, options, onchange) {
  return h('label', {}, label,
    h('select', { id, onchange }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

export async function renderDeploys(ctx) {
  const { state, range, filter } = ctx;
  const params = { ...filter, since: isoUtc(range.since), until: isoUtc(range.until), limit: PAGE,
                   status: state.status, failure: state.failure, q: state.q };
  const first = await api.deployPage(params);
  const tbody = h('tbody', {}, first.deploys.map((d) => deployRow(ctx, d)));
  const shownCount = h('span', { class: 'muted', id: 'deploy-count' });
  let next = first.next;
  let count = first.deploys.length;
  const more = h('button', { type: 'button', class: 'secondary', id: 'more-deploys' }, `Show ${PAGE} more`);
  const updateCount = () => {
    shownCount.textContent = `${count} shown${next ? ', more to load' : ''}`;
    more.hidden = !next;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await api.deployPage(null, next);
      tbody.append(...page.deploys.map((d) => deployRow(ctx, d)));
      next = page.next;
      count += page.deploys.length;
      updateCount();
    } catch (e) {
      shownCount.textContent = e.message;
    }
    more.disabled = false;
  });
  updateCount();
  const search = h('input', { type: 'search', id: 'f-q', value: state.q, placeholder: 'sha, #work item or author', 'aria-label': 'Search by sha, work item or author' });
  const filters = h('form', { class: 'list-filters', role: 'search', onsubmit: (e) => { e.preventDefault(); ctx.navigate({ q: search.value.trim() }); } },
    select('f-status', 'Status', state.status, [['', 'Any'], ['succeeded', 'Succeeded'], ['failed', 'Failed']], (e) => ctx.navigate({ status: e.target.value })),
    select('f-failure', 'Failure', state.failure, [['', 'Any'], ['any', 'Failed changes'], ['none', 'No failure'], ['failed', 'Failed'], ['rollback', 'Rolled back'], ['incident', 'Incident']], (e) => ctx.navigate({ failure: e.target.value })),
    h('label', {}, 'Search', search),
    h('button', { type: 'submit', class: 'secondary' }, 'Search'));
  const between = `${formatDate(range.since)} and ${formatDate(new Date(range.until - 1))}`;
  const sifted = state.status || state.failure || state.q;
  return h('section', { class: 'card' },
    h('div', { class: 'card-head' }, h('h1', {}, 'Deploys'), shownCount),
    filters,
    count
      ? h('div', { class: 'table-wrap' },
          h('table', { class: 'deploys records' },
            h('caption', { class: 'visually-hidden' }, 'Deploys, newest first'),
            h('thead', {}, h('tr', {}, HEADERS.map((x) => h('th', { scope: 'col' }, x)))),
            tbody))
      : emptyWindow(between, sifted ? 'No deploys match these filters' : 'No deploys'),
    h('div', { class: 'more' }, more));
}
