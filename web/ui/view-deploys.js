// Deploys: the list for the filters, and one deploy's page (commits with
// author, authored time and lead time; work items; pending REST look-ups).
import * as api from './api.js';
import { h, timeEl, duration, shortSha, isoUtc } from './format.js';

function statusChip(d) {
  return h('span', { class: `status ${d.status}` }, d.status);
}

function failureChip(failure) {
  return failure ? h('span', { class: 'status failed', title: 'counts as a failed change' }, failure) : h('span', { class: 'muted' }, '—');
}

function deployHref(id) {
  return '#/deploys/' + encodeURIComponent(id);
}

export async function renderDeploys({ range, filter }) {
  const deploys = await api.deploys(filter, isoUtc(range.since), isoUtc(range.until));
  if (!deploys.length)
    return h('div', { class: 'card empty' }, h('h1', {}, 'Deploys'), h('p', {}, 'No deploys in this window.'));
  const rows = deploys.map((d) =>
    h('tr', { dataset: { id: d.id } },
      h('td', {}, timeEl(d.deployed_at)),
      h('td', {}, h('a', { href: deployHref(d.id), class: 'deploy-link' }, `${d.deployment} · ${d.environment}`)),
      h('td', {}, h('code', { title: d.sha || 'sha pending a REST look-up' }, shortSha(d.sha))),
      h('td', {}, statusChip(d)),
      h('td', {}, failureChip(d.failure)),
      h('td', { class: 'num' }, String(d.commit_count), d.commits_complete ? '' : h('span', { class: 'pending', title: 'more commits pending a REST look-up' }, ' +?')),
      h('td', {}, d.work_items.length ? d.work_items.map((w) => '#' + w).join(', ') : h('span', { class: 'muted' }, '—'))));
  return h('section', { class: 'card' },
    h('div', { class: 'card-head' }, h('h1', {}, 'Deploys'), h('span', { class: 'muted' }, `${deploys.length} in this window`)),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'deploys' },
        h('caption', { class: 'visually-hidden' }, 'Deploys, newest first'),
        h('thead', {}, h('tr', {}, ['Deployed', 'Deployment', 'Sha', 'Status', 'Failure', 'Commits', 'Work items'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows))));
}

export async function renderDeploy(id) {
  const [d, pending, hooks] = await Promise.all([api.get('deploys/' + encodeURIComponent(id)), api.get('deploys/' + encodeURIComponent(id) + '/pending'), api.get('hooks')]);
  // Without [azure_devops] nothing runs REST look-ups: say so instead of "pending".
  const noRest = hooks.sync && hooks.sync.state === 'not_configured';
  const waiting = noRest ? 'needs a REST look-up, which this shiplog cannot make: it has no [azure_devops] section' : 'REST look-up pending';
  const deployedAt = new Date(d.deployed_at).getTime();
  const leadTime = (c) => (d.status !== 'succeeded' || !c.authored_at ? null : Math.max(0, (deployedAt - new Date(c.authored_at).getTime()) / 1000));
  const commits = d.commits.map((c) =>
    h('tr', {},
      h('td', {}, h('code', { title: c.sha }, shortSha(c.sha))),
      h('td', { class: 'summary' }, c.summary),
      h('td', {}, c.author_email || h('span', { class: 'muted' }, 'unknown')),
      h('td', {}, timeEl(c.authored_at)),
      h('td', { class: 'num', title: d.status === 'succeeded' ? 'deployed_at − authored time' : 'a failed deploy ships nothing' }, duration(leadTime(c)))));
  const facts = [
    ['Deployment', `${d.deployment} · ${d.environment}`],
    ['Deployed', timeEl(d.deployed_at)],
    ['Sha', d.sha ? h('code', {}, d.sha) : waiting],
    ['Trigger', d.trigger],
    ['Status', statusChip(d)],
    ['Failure', failureChip(d.failure)],
    ['Commits', `${d.commit_count}${d.commits_complete ? '' : ` (incomplete: ${waiting})`}`],
  ];
  return h('div', { class: 'deploy-page' },
    h('p', {}, h('a', { href: '#/deploys' }, '← All deploys')),
    h('section', { class: 'card' },
      h('h1', {}, 'Deploy ', h('code', {}, d.id)),
      h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
    h('section', { class: 'card', 'aria-label': 'Commits' },
      h('h2', {}, `Commits (${d.commit_count})`),
      d.commits.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'commits' },
            h('thead', {}, h('tr', {}, ['Sha', 'Summary', 'Author', 'Authored', 'Lead time'].map((x) => h('th', { scope: 'col' }, x)))),
            h('tbody', {}, commits)))
        : h('p', { class: 'muted' }, 'No commits known yet.')),
    h('div', { class: 'two-col' },
      h('section', { class: 'card', 'aria-label': 'Work items' },
        h('h2', {}, `Work items (${d.work_items.length})`),
        d.work_items.length ? h('ul', { class: 'chips' }, d.work_items.map((w) => h('li', {}, '#' + w))) : h('p', { class: 'muted' }, 'None linked.')),
      h('section', { class: 'card', 'aria-label': 'Pending over REST' },
        h('h2', {}, `Pending over REST (${pending.length})`),
        pending.length && noRest ? h('p', { class: 'error' }, 'These wait for ever: add an [azure_devops] section to the config so shiplog can ask Azure DevOps.') : '',
        pending.length
          ? h('ul', { class: 'pending-list' }, pending.map((p) =>
              h('li', {}, h('code', {}, p.kind), ' ', p.key, ` · ${p.attempts} attempts`, p.failed ? h('span', { class: 'error' }, ` · failed: ${p.failed}`) : '')))
          : h('p', { class: 'muted' }, 'Nothing: this deploy is complete.'))));
}
