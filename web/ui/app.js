// Entry point: sign-in, the shared filters (deployment, window) and the
// hash router (#/overview, #/charts, #/deploys, #/deploys/<id>, #/hooks).
import * as api from './api.js';
import { h, formatDate } from './format.js';
import { renderOverview } from './view-overview.js';
import { renderCharts } from './view-charts.js';
import { renderDeploys, renderDeploy } from './view-deploys.js';
import { renderHooks } from './view-hooks.js';

const $ = (id) => document.getElementById(id);
const DAY_MS = 86400000;
let deployments = [];  // [{deployment, environment}] as configured
let renderToken = 0;   // ignores the results of a superseded render

// The window [since, until) the filters describe, as Date objects.
function windowRange() {
  const choice = $('f-window').value;
  if (choice === 'custom') {
    const since = $('f-since').value ? new Date($('f-since').value + 'T00:00:00') : null;
    const until = $('f-until').value ? new Date(new Date($('f-until').value + 'T00:00:00').getTime() + DAY_MS) : null;
    if (since && until && since < until) return { since, until, days: Math.round((until - since) / DAY_MS) };
  }
  const days = choice === 'custom' ? 30 : Number(choice);
  const until = new Date(Math.ceil(Date.now() / 1000) * 1000);
  return { since: new Date(until.getTime() - days * DAY_MS), until, days };
}

function selectedFilter() {
  const value = $('f-deployment').value;
  if (!value) return {};
  const [deployment, environment] = JSON.parse(value);
  return { deployment, environment };
}

function context() {
  return { range: windowRange(), filter: selectedFilter(), deployments };
}

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
  deployments.sort((a, b) => (a.deployment + a.environment).localeCompare(b.deployment + b.environment));
  const select = $('f-deployment');
  const previous = select.value;
  select.replaceChildren(h('option', { value: '' }, 'All deployments'));
  for (const d of deployments)
    select.append(h('option', { value: JSON.stringify([d.deployment, d.environment]) }, `${d.deployment} · ${d.environment}`));
  select.value = previous && [...select.options].some((o) => o.value === previous) ? previous : '';
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
    throw e;
  }
  $('login').hidden = true;
  $('app').hidden = false;
  $('signout').hidden = false;
  $('signout').textContent = api.token() ? 'Forget token' : 'Sign in';
  await route();
}

async function route() {
  const hash = location.hash || '#/overview';
  const [, view, ...rest] = hash.split('/');
  const id = rest.length ? decodeURIComponent(rest.join('/')) : null;
  for (const a of document.querySelectorAll('nav a'))
    a.setAttribute('aria-current', a.dataset.view === view ? 'page' : 'false');
  const ctx = context();
  $('f-range').textContent = `${formatDate(ctx.range.since)} – ${formatDate(new Date(ctx.range.until - 1))}`;
  $('toolbar').hidden = view === 'hooks' || (view === 'deploys' && id);
  const target = $('view');
  const mine = ++renderToken;
  const content = h('div', { class: 'loading' }, 'Loading…');
  target.replaceChildren(content);
  target.dataset.view = view;
  target.dataset.ready = 'false';
  try {
    let node;
    if (view === 'charts') node = await renderCharts(ctx);
    else if (view === 'deploys' && id) node = await renderDeploy(id);
    else if (view === 'deploys') node = await renderDeploys(ctx);
    else if (view === 'hooks') node = await renderHooks();
    else node = await renderOverview(ctx);
    if (mine !== renderToken) return;
    target.replaceChildren(node);
    if (node.afterAttach) node.afterAttach();
  } catch (e) {
    if (mine !== renderToken) return;
    if (e instanceof api.Unauthorized) return showLogin('The token is no longer accepted.');
    target.replaceChildren(h('div', { class: 'card error', role: 'alert' }, e.message));
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
$('f-window').addEventListener('change', () => {
  const custom = $('f-window').value === 'custom';
  $('f-custom').hidden = !custom;
  if (custom && !$('f-since').value) {
    const r = windowRange();
    $('f-since').value = r.since.toLocaleDateString('sv');  // yyyy-mm-dd in local time
    $('f-until').value = new Date(r.until - 1).toLocaleDateString('sv');
  }
  route();
});
for (const id of ['f-deployment', 'f-since', 'f-until']) $(id).addEventListener('change', route);
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
