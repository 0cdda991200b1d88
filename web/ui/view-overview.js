// Overview: the organisation roll-up (every deployment of the chosen
// environment, each deploy counted once) beside one card per deployment.
// Each figure links to the records behind it (#/explain/<figure>), has its
// definition behind a "?" button, a change against the previous window
// (percentage points for the failure rate) and its DORA band.
import * as api from './api.js';
import { FIGURES, overallBand } from './bands.js';
import { h, duration, percent, perDay, isoUtc, plural, pointsChange, formatDate } from './format.js';
import { emptyWindow } from './states.js';

function display(key, m) {
  switch (key) {
    case 'deploys_per_day':
      return { text: perDay(m.deploys_per_day), sub: `${plural(m.deploys, 'deploy')} on ${plural(m.deploy_days, 'day')}` };
    case 'lead_time_median':
      return m.lead_time_seconds.median === null
        ? { text: '—', sub: 'no commits shipped' }
        : { text: duration(m.lead_time_seconds.median),
            sub: `p90 ${duration(m.lead_time_seconds.p90)} · ${plural(m.lead_time_seconds.commits, 'commit')}` };
    case 'change_failure_rate':
      return { text: percent(m.change_failure_rate), sub: m.change_failure_rate === null ? 'no deploys' : 'of succeeded + failed deploys' };
    default:
      return m.time_to_restore_seconds.median === null
        ? { text: '—', sub: 'no failure restored' }
        : { text: duration(m.time_to_restore_seconds.median), sub: `${plural(m.time_to_restore_seconds.failures, 'failure')} restored` };
  }
}

function shown(key, v) {
  if (key === 'change_failure_rate') return percent(v);
  if (key === 'deploys_per_day') return perDay(v);
  return duration(v);
}

function trend(figure, now, before, previousLabel) {
  const label = `vs ${previousLabel}`;
  if (now === null || before === null) return h('span', { class: 'trend flat' }, before === null ? `no data in ${previousLabel}` : '');
  if (now === before) return h('span', { class: 'trend flat' }, `= ${label}`);
  const up = now > before;
  const good = figure.better === 'higher' ? up : !up;
  const arrow = up ? '▲' : '▼';
  // A rate changes in percentage points; "+108 %" of a small rate says little.
  const change = figure.key === 'change_failure_rate'
    ? pointsChange(now, before)
    : before === 0 ? 'from 0' : Math.round((Math.abs(now - before) / Math.abs(before)) * 100) + ' %';
  return h('span', { class: `trend ${good ? 'good' : 'bad'}`, title: `${previousLabel}: ${shown(figure.key, before)}` },
    `${arrow} ${change} ${label}`);
}

function bandChip(band, what) {
  if (!band) return h('span', { class: 'band none', title: 'No DORA band: no value in this window' }, 'n/a');
  return h('span', { class: `band ${band}`, title: `DORA ${band} performer${what ? ' (' + what + ')' : ''}` }, band);
}

function definition(f) {
  return h('details', { class: 'definition' },
    h('summary', { 'aria-label': `What is ${f.name}?`, title: `What is ${f.name}?` }, '?'),
    h('p', {}, f.definition));
}

// Beyond the four keys: rework rate, batch size and where lead time goes.
function extras(m) {
  const b = m.batch_size;
  const parts = m.lead_time_breakdown_seconds;
  const items = [
    ['rework_rate', 'Rework rate', m.rework_rate, percent(m.rework_rate), 'Succeeded deploys that were a rollback, an incident fix or from a hotfix branch ÷ succeeded deploys'],
    ['batch_size', 'Batch size', b.median_commits, b.median_commits === null ? '—' : `median ${b.median_commits} commits · S ${b.S} · M ${b.M} · L ${b.L} · XL ${b.XL}`,
     'Commits per succeeded deploy (S up to 5, M up to 20, L up to 100, XL more)'],
    ['lead_time_breakdown', 'Lead time parts', parts.pull_requests,
     parts.pull_requests ? `coding ${duration(parts.coding.median)} · pickup ${duration(parts.pickup.median)} · review ${duration(parts.review.median)} · deploy ${duration(parts.deploy.median)}` : 'no pull request shipped',
     `Medians over ${plural(parts.pull_requests, 'pull request')}; ${plural(parts.direct_commits, 'commit')} shipped without one`],
  ];
  return h('dl', { class: 'extras' }, items.map(([key, name, value, text, title]) =>
    h('div', { dataset: { extra: key, value: JSON.stringify(value) }, title }, h('dt', {}, name), h('dd', {}, text))));
}

function card({ title, kind, filter, now, before, ctx }) {
  const empty = now.deploys === 0 && now.change_failure_rate === null;
  const attrs = { class: `card deployment ${kind}`, 'aria-label': title,
                  dataset: { deployment: filter.deployment || '', environment: filter.environment || '', kind } };
  const between = `${formatDate(ctx.range.since)} and ${formatDate(new Date(ctx.range.until - 1))}`;
  if (empty) {
    return h('section', attrs,
      h('div', { class: 'card-head' }, h('h2', {}, title)),
      emptyWindow(between));
  }
  const bands = FIGURES.map((f) => (f.value(now) === null ? null : f.band(f.value(now))));
  const scope = { dep: filter.deployment || '', env: filter.environment || 'all' };
  const tiles = FIGURES.map((f, i) => {
    const text = display(f.key, now);
    const value = f.value(now);
    return h('div', { class: 'figure', dataset: { metric: f.key, value: JSON.stringify(value) } },
      h('div', { class: 'figure-head' },
        h('span', { class: 'figure-name' }, f.name),
        definition(f),
        bandChip(bands[i], f.name)),
      h('a', { class: 'figure-value drill', href: ctx.link({ view: 'explain', id: f.key, ...scope }),
               'aria-label': `${f.name}: ${text.text}. Show the records behind it` }, text.text),
      h('div', { class: 'figure-sub muted' }, text.sub),
      trend(f, value, f.value(before), ctx.previousLabel));
  });
  const overall = overallBand(bands);
  return h('section', attrs,
    h('div', { class: 'card-head' }, h('h2', {}, title),
      h('span', { class: 'overall' }, 'Overall ', bandChip(overall, 'weakest of the four'))),
    h('div', { class: 'figures' }, tiles),
    extras(now));
}

export async function renderOverview(ctx) {
  const { state, range, previous, filter, deployments } = ctx;
  const since = isoUtc(range.since);
  const until = isoUtc(range.until);
  const prevSince = isoUtc(previous.since);
  ctx.previousLabel = /month/.test(state.window) ? 'the month before' : /quarter/.test(state.window) ? 'the quarter before' : `previous ${previous.days} days`;
  const envLabel = state.env === 'all' ? 'all environments' : state.env;
  // The roll-up first, then each deployment of the environment (unless one was chosen).
  const targets = [{ title: state.dep ? `${state.dep} · ${envLabel}` : `Organisation · ${envLabel}`, kind: state.dep ? 'single' : 'rollup', filter }];
  if (!state.dep)
    for (const d of deployments)
      if (state.env === 'all' || d.environment === state.env)
        targets.push({ title: `${d.deployment} · ${d.environment}`, kind: 'series', filter: { deployment: d.deployment, environment: d.environment } });
  const cards = await Promise.all(targets.map(async (t) => {
    const [now, before] = await Promise.all([api.metrics(t.filter, since, until), api.metrics(t.filter, prevSince, since)]);
    return card({ ...t, now, before, ctx });
  }));
  const [rollup, ...rest] = cards;
  const note = state.env === 'all'
    ? 'All environments: staging and production deploys are counted together.'
    : `Only ${state.env} deploys are counted; choose the environment above for others.`;
  return h('div', { class: 'overview' },
    h('h1', { class: 'visually-hidden' }, 'Overview'),
    rollup,
    rest.length ? h('h2', { class: 'section-title' }, 'Per deployment') : '',
    h('div', { class: 'cards' }, rest),
    h('p', { class: 'muted note' }, note, ' Select a figure to see the deploys, commits and failures behind it. ',
      'Bands follow the DORA report thresholds listed in the documentation (docs/dashboard.md).'));
}
