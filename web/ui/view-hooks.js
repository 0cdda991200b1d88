// Hooks health: the latest hook sync run, our subscriptions and their
// status, and the last push received per configured repository.
import * as api from './api.js';
import { h, timeEl } from './format.js';

const STATE_TEXT = {
  ok: 'Last sync succeeded',
  failed: 'Last sync failed (retrying with backoff)',
  pending: 'First sync still running',
  not_configured: 'Not managed: no [azure_devops] section',
  skipped: 'Skipped: needs [server] public_url and [webhook]',
  not_running: 'No hook sync worker in this process',
};

function statusClass(status) {
  return status === 'enabled' ? 'succeeded' : status === 'onProbation' || status.startsWith('disabled') ? 'failed' : 'neutral';
}

// A row whose cells carry their column name (the phone layout shows it).
function labelled(headers, ...cells) {
  cells.forEach((c, i) => c.setAttribute('data-label', headers[i]));
  return h('tr', {}, cells);
}

export async function renderHooks() {
  const hooks = await api.get('hooks');
  const sync = hooks.sync;
  const subs = hooks.subscriptions.map((s) =>
    labelled(['Event', 'Status', 'Filter', 'Probation retries', 'Id'],
      h('td', {}, h('code', {}, s.event_type)),
      h('td', {}, h('span', { class: `status ${statusClass(s.status)}` }, s.status)),
      h('td', {}, Object.entries(s.filters).map(([k, v]) => `${k}=${v}`).join(', ') || '—'),
      h('td', { class: 'num' }, String(s.probation_retries)),
      h('td', {}, s.id ? h('code', {}, s.id) : h('span', { class: 'muted' }, 'just created'))));
  const repos = hooks.repositories.map((r) =>
    labelled(['Repository', 'Deployments', 'Received', 'Pushed'],
      h('td', {}, `${r.project} / ${r.repository}`),
      h('td', {}, r.deployments.join(', ')),
      h('td', {}, r.last_push_received_at ? timeEl(r.last_push_received_at) : h('span', { class: 'muted', title: `no push among the last ${hooks.scanned_events} events` }, 'not seen recently')),
      h('td', {}, timeEl(r.last_push_at))));
  return h('div', { class: 'hooks' },
    h('section', { class: 'card', 'aria-label': 'Hook sync' },
      h('div', { class: 'card-head' }, h('h1', {}, 'Hooks health'),
        h('span', { class: `status ${sync.state === 'ok' ? 'succeeded' : sync.state === 'failed' ? 'failed' : 'neutral'}` }, sync.state.replace('_', ' '))),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Sync'), h('dd', {}, STATE_TEXT[sync.state] || sync.state),
        h('dt', {}, 'Finished'), h('dd', {}, timeEl(sync.finished_at)),
        sync.state === 'failed' && sync.message ? [h('dt', {}, 'Error'), h('dd', { class: 'error' }, sync.message)] : [],
        h('dt', {}, 'Runs'), h('dd', {}, `${sync.runs_ok} ok · ${sync.runs_failed} failed · ${sync.reenabled} re-enabled`),
        h('dt', {}, 'Last event'), h('dd', {}, timeEl(hooks.last_event_at)))),
    h('section', { class: 'card', 'aria-label': 'Subscriptions' },
      h('h2', {}, `Our subscriptions (${hooks.subscriptions.length})`),
      subs.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'records' },
            h('thead', {}, h('tr', {}, ['Event', 'Status', 'Filter', 'Probation retries', 'Id'].map((x) => h('th', { scope: 'col' }, x)))),
            h('tbody', {}, subs)))
        : h('p', { class: 'muted' }, 'None known: the sync has not listed any subscription.')),
    h('section', { class: 'card', 'aria-label': 'Repositories' },
      h('h2', {}, 'Last push received per repository'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'records' },
        h('thead', {}, h('tr', {}, ['Repository', 'Deployments', 'Received', 'Pushed'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, repos)))));
}
