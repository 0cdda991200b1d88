// Entry point: sign-in, the toolbar (environment, deployment, window) and
// the hash router. Views and filters live in the URL (state.js):
// #/overview, #/trends, #/explain/<figure>, #/deploys, #/deploys/<id>, #/drift, #/hooks.
import * as api from './api.js';
import * as state from './state.js';
import { h, rangeText } from './format.js';
import { skeleton, errorCard } from './states.js';
import { renderOverview } from './view-overview.js';
import { renderTrends, destroyCharts } from './view-trends.js';
import { renderExplain } from './view-explain.js';
import { renderDeploys } from './view-deploys.js';
import { renderDeploy } from './view-deploy.js';
import { renderHooks } from './view-hooks.js';
import { renderDrift } from './view-drift.js';

const $ = (id) => document.getElementById(id);
let deployments = [];  // [{deployment, environment}] as configured
let renderToken = 0;   // ignores the results of a superseded render

async function loadDeployments() {
  const hooks = await api.get('hooks');
  const seen = new Set();
  deployments = [];
  for (const repo of hooks.repositories) {
    for (const id of repo.deployments) {
      if (seen.has(id)) continue;
      seen.add(id);
      const at = id.lastIndexOf(':');
      deployments.push({ deployment: id.slice(0, at), environment: id.slice(at + 1) });
    }
  }
  deployments.sort((a, b) => (a.deployment + ':' + a.environment).localeCompare(b.deployment + ':' + b.environment));
}

function environments() {
  return [...new Set(deployments.map((d) => d.environment))].sort();
}

// Production when there is one: staging joins only when asked for.
function defaultEnvironment() {
  return environments().includes('production') ? 'production' : 'all';
}

// The URL's state with the defaults filled in.
function current() {
  const s = state.parse();
  if (!s.env || (s.env !== 'all' && !environments().includes(s.env))) s.env = defaultEnvironment();
  if (s.dep && !deployments.some((d) => d.deployment === s.dep)) s.dep = '';
  if (s.view === 'charts') s.view = 'trends';  // the old name
  return s;
}

function navigate(changes) {
  const next = { ...current(), ...changes };
  if (next.env === defaultEnvironment()) next.env = '';  // short URLs for the default
  location.hash = state.format(next);
}

function fillToolbar(s) {
  const env = $('f-environment');
  env.replaceChildren(...environments().map((e) => h('option', { value: e }, e)),
    h('option', { value: 'all' }, 'All environments'));
  env.value = s.env;
  const dep = $('f-deployment');
  const names = [...new Set(deployments.filter((d) => s.env === 'all' || d.environment === s.env).map((d) => d.deployment))];
  dep.replaceChildren(h('option', { value: '' }, 'All deployments'), ...names.map((n) => h('option', { value: n }, n)));
  dep.value = names.includes(s.dep) ? s.dep : '';
  $('f-window').value = s.window;
  $('f-custom').hidden = s.window !== 'custom';
  const range = state.windowRange(s);
  if (s.window === 'custom') {
    $('f-since').value = state.toDateInput(range.since);
    $('f-until').value = state.toDateInput(new Date(range.until - 1));
  }
  $('f-range').textContent = rangeText(range);
}

function showLogin(message) {
  $('app').hidden = true;
  $('signout').hidden = true;
  $('login').hidden = false;
  $('login-error').hidden = !message;
  $('login-error').textContent = message || '';
  $('token').focus();
}

async function start() {
  try {
    await loadDeployments();
  } catch (e) {
    if (e instanceof api.Unauthorized)
      return showLogin(api.token() ? 'That token was not accepted.' : 'This shiplog needs its API token.');
    $('login').hidden = true;
    $('app').hidden = false;
    $('toolbar').hidden = true;
    $('view').replaceChildren(errorCard(e.message, start));
    $('view').dataset.ready = 'true';
    $('view').dataset.state = 'error';
    return;
  }
  $('login').hidden = true;
  $('app').hidden = false;
  $('signout').hidden = false;
  $('signout').textContent = api.token() ? 'Forget token' : 'Sign in';
  await route();
}

async function route() {
  if ($('app').hidden) return;
  const s = current();
  // The views keep the filters: a link to another view carries them.
  const keep = { ...s, env: s.env === defaultEnvironment() ? '' : s.env, id: null };
  for (const a of document.querySelectorAll('header nav a')) {
    a.setAttribute('aria-current', a.dataset.view === s.view ? 'page' : 'false');
    a.setAttribute('href', state.link(keep, { view: a.dataset.view }));
  }
  fillToolbar(s);
  $('toolbar').hidden = s.view === 'hooks' || s.view === 'drift' || (s.view === 'deploys' && s.id);
  const ctx = {
    state: s,
    range: state.windowRange(s),
    previous: state.previousRange(s, state.windowRange(s)),
    filter: state.apiFilter(s),
    deployments,
    link: (changes) => state.link({ ...s, env: s.env === defaultEnvironment() ? '' : s.env }, changes),
    navigate,
  };
  const target = $('view');
  const mine = ++renderToken;
  destroyCharts();
  target.replaceChildren(skeleton(s.view));
  target.dataset.view = s.view;
  target.dataset.render = String(mine);
  target.dataset.ready = 'false';
  target.dataset.state = 'loading';
  try {
    let node;
    if (s.view === 'trends') node = await renderTrends(ctx);
    else if (s.view === 'explain') node = await renderExplain(ctx);
    else if (s.view === 'deploys' && s.id) node = await renderDeploy(ctx);
    else if (s.view === 'deploys') node = await renderDeploys(ctx);
    else if (s.view === 'hooks') node = await renderHooks();
    else if (s.view === 'drift') node = await renderDrift(ctx);
    else node = await renderOverview(ctx);
    if (mine !== renderToken) return;
    target.replaceChildren(node);
    if (node.afterAttach) node.afterAttach();
    target.dataset.state = 'done';
  } catch (e) {
    if (mine !== renderToken) return;
    if (e instanceof api.Unauthorized) return showLogin('The token is no longer accepted.');
    target.replaceChildren(errorCard(e.message, () => route()));
    target.dataset.state = 'error';
  }
  target.dataset.ready = 'true';
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  api.setToken($('token').value.trim());
  $('token').value = '';
  start();
});
$('no-token').addEventListener('click', () => {
  api.setToken('', true);
  start();
});
$('signout').addEventListener('click', () => {
  api.setToken('');
  showLogin('');
});
$('f-environment').addEventListener('change', () => navigate({ env: $('f-environment').value, dep: '' }));
$('f-deployment').addEventListener('change', () => navigate({ dep: $('f-deployment').value }));
$('f-window').addEventListener('change', () => {
  const window = $('f-window').value;
  if (window !== 'custom') return navigate({ window, from: '', to: '' });
  const range = state.windowRange(current());
  navigate({ window, from: state.toDateInput(range.since), to: state.toDateInput(new Date(range.until - 1)) });
});
for (const id of ['f-since', 'f-until'])
  $(id).addEventListener('change', () => {
    if ($('f-since').value && $('f-until').value) navigate({ window: 'custom', from: $('f-since').value, to: $('f-until').value });
  });
window.addEventListener('hashchange', route);

// Chart.js is a classic deferred script; modules run after it. Without a
// token chosen yet, ask first (rather than probe the API and log a 401) --
// except on a loopback address, where a shiplog without [api] needs no
// token: try without one (an [api] shiplog answers 401 and the form shows).
const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(location.hostname);
if (api.chosen()) start();
else if (loopback) {
  api.setToken('', true);
  start();
} else showLogin('');
