// One deploy: its facts, links into Azure DevOps (commit, build/run/release,
// work items; from /api/v1/deploys/{id}/details), the incidents blamed on
// it, its commits with their lead times, its work items with titles where
// shiplog received them, and what a deploy still waits for.
import * as api from './api.js';
import { h, timeEl, duration, shortSha } from './format.js';
import { statusChip, failureChip, batchChip } from './view-deploys.js';

const ORIGIN = { push: 'a push', build: 'a build', stage: 'a pipeline stage', release: 'a classic release', registration: 'register_deploy' };
const REWORK = {
  rollback: 'a rollback to an earlier deploy',
  'incident-fix': 'it fixes an incident that was open',
  hotfix: 'a pull request from a hotfix branch',
};

const WAITS = {
  build_lookup: 'the sha and branch of its build',
  release_artifact_lookup: 'the commit of its release artifact',
  commits_between: 'the commits since the previous deploy',
};

function external(url, text) {
  return url ? h('a', { href: url, rel: 'noreferrer', class: 'external' }, text) : text;
}

export async function renderDeploy(ctx) {
  const id = ctx.state.id;
  const [d, pending, details] = await Promise.all([
    api.get('deploys/' + encodeURIComponent(id)),
    api.get('deploys/' + encodeURIComponent(id) + '/pending'),
    api.details(id),
  ]);
  const links = details.links || {};
  const noRest = !details.rest_lookups;
  const deployedAt = new Date(d.deployed_at).getTime();
  const leadTime = (c) => (d.status !== 'succeeded' || !c.authored_at ? null : Math.max(0, (deployedAt - new Date(c.authored_at).getTime()) / 1000));
  const commitHeaders = ['Sha', 'Summary', 'Author', 'Authored', 'Lead time'];
  const commits = d.commits.map((c) =>
    h('tr', { dataset: { sha: c.sha } }, [
      h('code', { title: c.sha }, external(links.repository ? `${links.repository}/commit/${c.sha}` : null, shortSha(c.sha))),
      c.summary,
      c.author_email || h('span', { class: 'muted' }, 'unknown'),
      timeEl(c.authored_at),
      h('span', { title: d.status === 'succeeded' ? 'deployed_at − authored time' : 'a failed deploy ships nothing' }, duration(leadTime(c))),
    ].map((cell, i) => h('td', { 'data-label': commitHeaders[i], class: i === 1 ? 'summary' : i === 4 ? 'num' : undefined }, cell))));

  // What an incomplete deploy waits for, in words.
  let waiting = null;
  if (!d.sha || !d.commits_complete) {
    const kinds = [...new Set(pending.map((p) => WAITS[p.kind] || p.kind))];
    waiting = noRest
      ? 'It needs a REST look-up that this shiplog cannot make: the config has no [azure_devops] section.'
      : kinds.length ? `Waiting for a REST look-up of ${kinds.join(' and ')}.` : 'Waiting for a REST look-up.';
  }
  const facts = [
    ['Deployment', `${d.deployment} → ${d.environment}`],
    ['Deployed', timeEl(d.deployed_at)],
    ['Sha', d.sha ? h('code', { class: 'sha' }, external(links.commit, d.sha)) : h('span', { class: 'pending' }, 'not known yet')],
    ['Recorded from', details.origin ? [ORIGIN[details.origin.kind] || details.origin.kind,
      details.origin.id ? [' ', external(links.run, `#${details.origin.id}`)] : ''] : d.trigger],
    ['Status', statusChip(d)],
    ['Failure', failureChip(d.failure)],
    ['Commits', `${d.commit_count}${d.commits_complete ? '' : ' so far (incomplete)'}`],
    ['Batch size', h('span', { id: 'batch' }, batchChip(d), ` ${d.batch.commits} commits · ${d.batch.pull_requests} pull requests · ${d.batch.work_items} work items`)],
    ['Rework', d.rework ? h('span', { class: 'status failed', id: 'rework', dataset: { rework: d.rework } }, d.rework, h('span', { class: 'muted' }, ` — ${REWORK[d.rework] || ''}`))
                        : h('span', { class: 'muted', id: 'rework' }, 'no')],
  ];
  const prHeaders = ['Pull request', 'Opened', 'First review', 'Merged'];
  const pullRequests = d.pull_requests.map((p) =>
    h('tr', { dataset: { id: String(p.id) } }, [
      h('span', {}, h('strong', {}, external(links.repository ? `${links.repository}/pullrequest/${p.id}` : null, `!${p.id}`)), ' ', p.title || ''),
      timeEl(p.created_at), p.first_review_at ? timeEl(p.first_review_at) : h('span', { class: 'muted' }, 'none'), timeEl(p.merged_at),
    ].map((cell, i) => h('td', { 'data-label': prHeaders[i] }, cell))));
  if (!links.repository && !noRest) facts.push(['Links', h('span', { class: 'muted' }, 'none: the deployment has no repository')]);
  const incidents = details.incidents.map((i) =>
    h('li', { dataset: { incident: i.id } },
      h('strong', {}, external(i.url, i.work_item != null ? `#${i.work_item}` : i.id)), ' ', i.title || h('span', { class: 'muted' }, '(title not received)'),
      h('div', { class: 'muted' }, 'opened ', timeEl(i.opened_at), ' · ', i.restored_at ? ['restored ', timeEl(i.restored_at)] : 'still open',
        i.state ? ` · ${i.state}` : '')));
  const workItems = details.work_items.map((w) =>
    h('li', { dataset: { workItem: w.id } }, h('strong', {}, external(w.url, `#${w.id}`)), ' ',
      w.title || h('span', { class: 'muted' }, 'title not known'), w.state ? h('span', { class: 'muted' }, ` · ${w.type ? w.type + ', ' : ''}${w.state}`) : ''));
  return h('div', { class: 'deploy-page' },
    h('p', {}, h('a', { href: ctx.link({ view: 'deploys', id: null }) }, '← All deploys')),
    h('section', { class: 'card' },
      h('h1', {}, 'Deploy ', h('code', { class: 'deploy-id' }, d.id)),
      waiting ? h('p', { class: noRest ? 'error' : 'pending', id: 'waiting' }, waiting) : '',
      h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
    details.incidents.length
      ? h('section', { class: 'card incidents', 'aria-label': 'Blamed incidents' },
          h('h2', {}, `Blamed incidents (${details.incidents.length})`), h('ul', { class: 'plain' }, incidents))
      : '',
    h('section', { class: 'card', 'aria-label': 'Commits' },
      h('h2', {}, `Commits (${d.commit_count})`),
      d.commits.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'commits records' },
            h('thead', {}, h('tr', {}, commitHeaders.map((x) => h('th', { scope: 'col' }, x)))),
            h('tbody', {}, commits)))
        : h('p', { class: 'muted' }, 'No commits known yet.')),
    d.pull_requests.length
      ? h('section', { class: 'card', 'aria-label': 'Pull requests' },
          h('h2', {}, `Pull requests (${d.pull_requests.length})`),
          h('div', { class: 'table-wrap' }, h('table', { class: 'pull-requests records' },
            h('thead', {}, h('tr', {}, prHeaders.map((x) => h('th', { scope: 'col' }, x)))),
            h('tbody', {}, pullRequests))))
      : '',
    h('div', { class: 'two-col' },
      h('section', { class: 'card', 'aria-label': 'Work items' },
        h('h2', {}, `Work items (${d.work_items.length})`),
        workItems.length ? h('ul', { class: 'plain work-items' }, workItems) : h('p', { class: 'muted' }, 'None linked.')),
      h('section', { class: 'card', 'aria-label': 'Pending over REST' },
        h('h2', {}, `Pending over REST (${pending.length})`),
        pending.length && noRest ? h('p', { class: 'error' }, 'These wait for ever: add an [azure_devops] section to the config so shiplog can ask Azure DevOps.') : '',
        pending.length
          ? h('ul', { class: 'pending-list' }, pending.map((p) =>
              h('li', {}, WAITS[p.kind] || p.kind, h('br'), h('code', {}, p.key), ` · ${p.attempts} attempts`, p.failed ? h('span', { class: 'error' }, ` · failed: ${p.failed}`) : '')))
          : h('p', { class: 'muted' }, 'Nothing: this deploy is complete.'))));
}
