// Overview: the four DORA figures per deployment+environment for the window,
// each with its definition on hover, a trend against the previous window of
// the same length, and its DORA band.
import * as api from './api.js';
import { FIGURES, overallBand } from './bands.js';
import { h, duration, percent, perDay, isoUtc } from './format.js';

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

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

function trend(figure, now, before, days) {
  const label = `vs previous ${days} days`;
  if (now === null || before === null) return h('span', { class: 'trend flat' }, before === null ? `no data in previous ${days} days` : '');
  if (now === before) return h('span', { class: 'trend flat' }, `= ${label}`);
  const up = now > before;
  const good = figure.better === 'higher' ? up : !up;
  const change = before === 0 ? null : Math.round((Math.abs(now - before) / Math.abs(before)) * 100);
  const arrow = up ? '▲' : '▼';
  return h('span', { class: `trend ${good ? 'good' : 'bad'}`, title: `previous window: ${before}` },
    `${arrow} ${change === null ? 'from 0' : change + ' %'} ${label}`);
}

function bandChip(band, what) {
  if (!band) return h('span', { class: 'band none', title: 'No DORA band: no value in this window' }, 'n/a');
  return h('span', { class: `band ${band}`, title: `DORA ${band} performer${what ? ' (' + what + ')' : ''}` }, band);
}

function card(d, now, before, days) {
  const bands = FIGURES.map((f) => (f.value(now) === null ? null : f.band(f.value(now))));
  const title = d ? `${d.deployment} · ${d.environment}` : 'All deployments';
  const tiles = FIGURES.map((f, i) => {
    const shown = display(f.key, now);
    const value = f.value(now);
    return h('div', { class: 'figure', dataset: { metric: f.key, value: JSON.stringify(value) } },
      h('div', { class: 'figure-head' },
        h('span', { class: 'figure-name', title: f.definition, tabindex: '0', 'aria-label': `${f.name}: ${f.definition}` }, f.name, h('span', { class: 'info', 'aria-hidden': 'true' }, 'i')),
        bandChip(bands[i], f.name)),
      h('div', { class: 'figure-value' }, shown.text),
      h('div', { class: 'figure-sub muted' }, shown.sub),
      trend(f, value, f.value(before), days));
  });
  const overall = overallBand(bands);
  return h('section', { class: 'card deployment', 'aria-label': title,
                        dataset: { deployment: d ? d.deployment : '', environment: d ? d.environment : '' } },
    h('div', { class: 'card-head' }, h('h2', {}, title),
      h('span', { class: 'overall' }, 'Overall ', bandChip(overall, 'weakest of the four'))),
    h('div', { class: 'figures' }, tiles));
}

export async function renderOverview({ range, filter, deployments }) {
  const targets = filter.deployment ? [filter] : deployments.length ? deployments : [null];
  const since = isoUtc(range.since);
  const until = isoUtc(range.until);
  const prevSince = isoUtc(new Date(range.since.getTime() - (range.until - range.since)));
  const cards = await Promise.all(targets.map(async (d) => {
    const f = d ? { deployment: d.deployment, environment: d.environment } : {};
    const [now, before] = await Promise.all([api.metrics(f, since, until), api.metrics(f, prevSince, since)]);
    return card(d, now, before, range.days);
  }));
  return h('div', { class: 'overview' },
    h('h1', { class: 'visually-hidden' }, 'Overview'),
    h('div', { class: 'cards' }, cards),
    h('p', { class: 'muted note' }, 'Bands follow the DORA report thresholds listed in the documentation (docs/dashboard.md). Hover a figure’s name for its definition.'));
}
