// Drift: the commits one environment of a deployment runs and another does
// not yet (/api/v1/drift), oldest first, with how long each has waited.
// The deployment and the two environments are chosen here and kept in the
// URL (dep, envfrom, envto); the defaults are the first deployment with two
// environments, from its first non-production one to production.
import * as api from './api.js';
import { h, duration, shortSha, timeEl } from './format.js';

function environmentsOf(deployments, name) {
  return deployments.filter((d) => d.deployment === name).map((d) => d.environment).sort();
}

// The deployment, from and to the page shows, filled in from `state`.
function choose(deployments, state) {
  const names = [...new Set(deployments.map((d) => d.deployment))].sort();
  const multi = names.filter((n) => environmentsOf(deployments, n).length > 1);
  const dep = names.includes(state.dep) ? state.dep : (multi[0] || names[0] || '');
  const envs = environmentsOf(deployments, dep);
  const to = envs.includes(state.envto) ? state.envto : (envs.includes('production') ? 'production' : envs[envs.length - 1] || '');
  const from = envs.includes(state.envfrom) && state.envfrom !== to ? state.envfrom : (envs.find((e) => e !== to) || '');
  return { names, envs, dep, from, to };
}

function select(id, label, options, value, onChange) {
  const el = h('select', { id }, options.map((o) => h('option', { value: o }, o)));
  el.value = value;
  el.addEventListener('change', () => onChange(el.value));
  return h('label', {}, label, el);
}

export async function renderDrift(ctx) {
  const { deployments, state, navigate } = ctx;
  const c = choose(deployments, state);
  const controls = h('div', { class: 'toolbar drift-controls', role: 'group', 'aria-label': 'Drift between environments' },
    select('drift-deployment', 'Deployment', c.names, c.dep, (v) => navigate({ dep: v, envfrom: '', envto: '' })),
    // Picking the other side's environment swaps the two.
    select('drift-from', 'From', c.envs, c.from, (v) => navigate({ dep: c.dep, envfrom: v, envto: v === c.to ? c.from : c.to })),
    select('drift-to', 'To', c.envs, c.to, (v) => navigate({ dep: c.dep, envfrom: v === c.from ? c.to : c.from, envto: v })));
  const head = h('div', { class: 'card-head' }, h('h1', {}, 'Drift'));
  if (!c.dep || !c.from || !c.to || c.from === c.to) {
    return h('section', { class: 'card drift' }, head, controls,
      h('p', { class: 'muted', dataset: { empty: 'true' } }, 'Drift needs a deployment configured in two environments.'));
  }
  const drift = await api.get('drift', { deployment: c.dep, from: c.from, to: c.to });
  const headers = ['Commit', 'Summary', 'Author', `Deployed to ${c.from}`, 'Waiting'];
  const rows = drift.commits.map((commit) => h('tr', { dataset: { sha: commit.sha, deploy: commit.deploy, waiting: String(commit.waiting_seconds) } },
    h('td', { 'data-label': headers[0] }, h('code', { title: commit.sha }, shortSha(commit.sha))),
    h('td', { 'data-label': headers[1] }, commit.summary || '—'),
    h('td', { 'data-label': headers[2] }, commit.author_email || '—'),
    h('td', { 'data-label': headers[3] }, h('a', { href: ctx.link({ view: 'deploys', id: commit.deploy }) }, timeEl(commit.deployed_at))),
    h('td', { 'data-label': headers[4], class: 'num' }, duration(commit.waiting_seconds))));
  const summary = drift.commits.length
    ? `${drift.commits.length} commit${drift.commits.length === 1 ? '' : 's'} in ${c.from} not yet in ${c.to}, oldest first.`
    : `${c.to} runs everything ${c.from} runs.`;
  return h('section', { class: 'card drift', 'aria-label': 'Drift', dataset: { deployment: c.dep, from: c.from, to: c.to } },
    head, controls,
    h('p', { class: 'muted' }, summary, ' ',
      `${c.from}: ${drift.from_sha ? shortSha(drift.from_sha) : 'nothing deployed'} · ${c.to}: ${drift.to_sha ? shortSha(drift.to_sha) : 'nothing deployed'}`),
    drift.commits.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'records', id: 'drift-commits' },
          h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', {}, rows)))
      : []);
}
