// End-to-end test of the dashboard: the real `shiplog serve`, a store seeded
// through POST /hooks/azure-devops, headless Chromium (Debian's chromium)
// driven by playwright-core. Every figure is checked against the API or the
// CLI (`shiplog metrics --json/--explain`) reading the same store.
//
//   node dashboard.test.mjs <shiplog binary> <artifacts dir> <node_modules dir>
//
// Fails on any console error, page error, failed request or HTTP error the
// page sees, and on any request to a host other than the daemon. Saves a
// screenshot of each view into the artifacts dir. No sleeps: every wait polls
// a condition with a deadline.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { history, push, sha } from './events.mjs';

const [binary, artifacts, modules] = process.argv.slice(2);
if (!binary || !artifacts || !modules) {
  console.error('usage: dashboard.test.mjs <shiplog binary> <artifacts dir> <node_modules dir>');
  process.exit(2);
}
const { chromium } = createRequire(path.resolve(modules, 'noop.js'))('playwright-core');
const CHROMIUM = process.env.SHIPLOG_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 60000;  // generous: CI also runs this against the sanitizer build
const TOKEN = 'e2e-api-token-' + Math.random().toString(36).slice(2);
const WEBHOOK_PASSWORD = 'e2e-webhook-' + Math.random().toString(36).slice(2);
const started = Date.now();

function log(line) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
}

async function until(what, check, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));  // poll interval, not a synchronisation sleep
  }
}

// --- the daemon ------------------------------------------------------------
const dir = mkdtempSync(path.join(tmpdir(), 'shiplog-e2e-'));
writeFileSync(path.join(dir, 'api-token'), TOKEN + '\n', { mode: 0o600 });
writeFileSync(path.join(dir, 'webhook-password'), WEBHOOK_PASSWORD + '\n', { mode: 0o600 });
writeFileSync(path.join(dir, 'azure-token'), 'e2e-unused-pat\n', { mode: 0o600 });
writeFileSync(path.join(dir, 'shiplog.toml'), `
[server]
listen = "127.0.0.1:0"
max_body_bytes = 1048576

[storage]
path = "store"
max_size_mb = 64

[webhook]
username = "shiplog"
password_file = "webhook-password"

[api]
token_file = "api-token"

# Only for the links the deploy page builds; port 9 on loopback refuses at
# once, so nothing leaves the machine (and there is no public_url: no hook sync).
[azure_devops]
organization_url = "http://127.0.0.1:9/contoso"
token_file = "azure-token"

[[deployment]]
name = "web-api"
environment = "production"
project = "Contoso"
repository = "web-api"
branch = "main"
trigger = "push"

[[deployment]]
name = "web-api"
environment = "staging"
project = "Contoso"
repository = "web-api"
branch = "main"
trigger = "build"
pipeline = "web-api-ci"

[[deployment]]
name = "billing"
environment = "production"
project = "Contoso"
repository = "billing"
branch = "main"
trigger = "push"
`);

let output = '';
const daemon = spawn(binary, ['serve', '--config', path.join(dir, 'shiplog.toml')], { stdio: ['ignore', 'pipe', 'pipe'] });
daemon.stdout.on('data', (d) => (output += d));
daemon.stderr.on('data', (d) => (output += d));
let exited = null;
daemon.on('exit', (code, signal) => (exited = { code, signal }));

let browser;
let failed = false;
try {
  const base = await until('the daemon to listen', async () => {
    if (exited) throw new Error(`shiplog exited (${JSON.stringify(exited)}):\n${output}`);
    const m = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    return m && m[1];
  });
  log(`daemon at ${base}`);
  await until('/readyz', async () => (await fetch(base + '/readyz')).ok);

  // --- seed through the webhook ---------------------------------------------
  const now = Date.now();
  const auth = 'Basic ' + Buffer.from('shiplog:' + WEBHOOK_PASSWORD).toString('base64');
  const events = history(now);
  for (const event of events) {
    const r = await fetch(base + '/hooks/azure-devops', {
      method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify(event),
    });
    const body = await r.json();
    assert.equal(r.status, 200, `webhook answered ${r.status} ${JSON.stringify(body)} for ${event.eventType}`);
    assert.equal(body.status, 'stored', `${event.eventType} ${event.id}: ${body.status}`);
  }
  log(`seeded ${events.length} events`);
  const apiGet = async (p) => {
    const r = await fetch(base + p, { headers: { Authorization: 'Bearer ' + TOKEN } });
    assert.equal(r.status, 200, `${p}: ${r.status}`);
    return r.json();
  };
  const all = await apiGet('/api/v1/deploys?limit=10000');
  assert.ok(all.length >= 25, `expected the seeded deploys, got ${all.length}`);
  assert.ok(all.some((d) => d.failure === 'rollback'), 'the seeded rollback is a failed change');
  assert.ok(all.some((d) => d.status === 'failed'), 'the seeded failed build is a failed deploy');

  // --- the browser ----------------------------------------------------------
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless=new'], timeout: TIMEOUT });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  const origin = new URL(base).origin;
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
  page.on('request', (r) => requests.push(r));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
  const checkClean = (where) => assert.deepEqual(problems, [], `${where}: the page reported problems`);
  const viewReady = (view) => page.waitForSelector(`#view[data-view="${view}"][data-ready="true"]`);
  const shot = (name) => page.screenshot({ path: path.join(artifacts, name + '.png'), fullPage: true });
  mkdirSync(artifacts, { recursive: true });

  // Sign in.
  // On 127.0.0.1 the page first tries without a token (a shiplog without
  // [api] needs none); this one has [api], so it answers 401 and the page asks.
  await page.goto(base + '/');
  await page.waitForSelector('#login:not([hidden])');
  assert.equal(await page.textContent('#login-error'), 'This shiplog needs its API token.');
  assert.ok(problems.length > 0 && problems.every((p) => /^(HTTP 401 for .*\/api\/v1\/|console error: Failed to load resource: .* 401)/.test(p)), `only the tokenless try was refused: ${problems}`);
  problems.length = 0;
  await shot('login');
  await page.fill('#token', TOKEN);
  await page.click('#login-form button[type=submit]');
  await viewReady('overview');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('shiplog.token')), TOKEN, 'token kept in sessionStorage');
  checkClean('sign in');

  // Page weight: bytes over the wire for the page and its assets.
  let wire = 0;
  let decoded = 0;
  for (const r of requests.filter((r) => !new URL(r.url()).pathname.startsWith('/api/'))) {
    const sizes = await r.sizes();
    wire += sizes.responseBodySize + sizes.responseHeadersSize;
    const response = await r.response();
    decoded += response ? (await response.body()).length : 0;
  }
  log(`page weight: ${wire} bytes over the wire (${decoded} bytes decoded) for ${requests.filter((r) => !new URL(r.url()).pathname.startsWith('/api/')).length} files`);
  assert.ok(wire < 300 * 1024, `page weight ${wire} bytes`);

  // The CLI reads the same store while serve runs (read-only).
  const configPath = path.join(dir, 'shiplog.toml');
  const cli = (...args) => JSON.parse(execFileSync(binary, [...args, '--config', configPath], { encoding: 'utf8' }));
  const iso = (u, name) => u.searchParams.get(name);
  // The metrics requests the page made since `from` (an index into requests).
  const metricsAsked = (from, match) => requests.slice(from).map((r) => new URL(r.url()))
    .filter((u) => u.pathname === '/api/v1/metrics' && match(u));
  const cardValues = (card) => card.$$eval('.figure', (els) => Object.fromEntries(els.map((e) => [e.dataset.metric, JSON.parse(e.dataset.value)])));
  const expectedValues = (m) => ({
    deploys_per_day: m.deploys_per_day,
    lead_time_median: m.lead_time_seconds.median,
    change_failure_rate: m.change_failure_rate,
    time_to_restore_median: m.time_to_restore_seconds.median,
  });
  // The trend charts: the four figures and where lead time goes (the median of each part).
  const chartValues = (m) => ({
    ...expectedValues(m),
    lead_time_breakdown: Object.fromEntries(['coding', 'pickup', 'review', 'deploy'].map((k) => [k, m.lead_time_breakdown_seconds[k].median])),
  });
  const noOverflow = async (where) => {
    const overflow = await page.evaluate(() => {
      const doc = document.documentElement.scrollWidth - window.innerWidth;
      const inner = [...document.querySelectorAll('#view *')].filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible' && e.clientWidth > 1 && !e.closest('.visually-hidden') && e.tagName !== 'CANVAS')
        .map((e) => `${e.tagName}.${e.className} ${e.scrollWidth}>${e.clientWidth}`);
      return { doc, inner };
    });
    assert.ok(overflow.doc <= 0, `${where}: no horizontal scrolling at 390 px (document overflows by ${overflow.doc} px)`);
    assert.deepEqual(overflow.inner, [], `${where}: nothing scrolls sideways inside the page`);
  };
  // Runs `action` and waits until the view rendered again (data-render counts renders).
  const rendered = async (action) => {
    const before = await page.$eval('#view', (v) => Number(v.dataset.render || 0));
    await action();
    await page.waitForFunction((b) => Number(document.querySelector('#view').dataset.render) > b && document.querySelector('#view').dataset.ready === 'true', before);
  };
  const goto = async (hash, view) => {
    await rendered(() => page.evaluate((h) => { location.hash = h; }, hash));
    assert.equal(await page.$eval('#view', (v) => v.dataset.view), view, hash);
  };

  // Overview: the organisation roll-up of production (staging left out)
  // equals `shiplog metrics --json --environment production`, each
  // deployment card equals /api/v1/metrics for the window the page asked.
  let mark = 0;
  const cards = await page.$$('section.deployment');
  assert.equal(cards.length, 3, 'the production roll-up and one card per production deployment');
  assert.equal(await cards[0].getAttribute('data-kind'), 'rollup');
  assert.ok(!(await page.innerText('#view')).includes('staging'), 'staging is not mixed into production');
  const rollupAsked = metricsAsked(mark, (u) => iso(u, 'environment') === 'production' && !u.searchParams.has('deployment'))
    .sort((a, b) => iso(a, 'since').localeCompare(iso(b, 'since'))).pop();
  const since30 = iso(rollupAsked, 'since');
  const until30 = iso(rollupAsked, 'until');
  const rollupCli = cli('metrics', '--json', '--environment', 'production', '--since', since30, '--until', until30);
  assert.deepEqual(await cardValues(cards[0]), expectedValues(rollupCli), 'the roll-up equals metrics --json --environment production');
  for (const card of cards.slice(1)) {
    const deployment = await card.getAttribute('data-deployment');
    const environment = await card.getAttribute('data-environment');
    assert.equal(environment, 'production');
    const m = await apiGet(`/api/v1/metrics?deployment=${deployment}&environment=${environment}&since=${since30}&until=${until30}`);
    assert.deepEqual(await cardValues(card), expectedValues(m), `${deployment}:${environment} figures`);
    // Rework rate, batch size and the lead time parts beside the four keys.
    const extras = Object.fromEntries(await card.$$eval('.extras [data-extra]', (els) => els.map((e) => [e.dataset.extra, JSON.parse(e.dataset.value)])));
    assert.deepEqual(extras, { rework_rate: m.rework_rate, batch_size: m.batch_size.median_commits, lead_time_breakdown: m.lead_time_breakdown_seconds.pull_requests },
      `${deployment}:${environment} rework rate, batch size and pull requests`);
    const text = await card.innerText();
    const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
    assert.ok(text.includes(`${plural(m.deploys, 'deploy')} on ${plural(m.deploy_days, 'day')}`), `${deployment} shows its deploy count: ${text}`);
    if (deployment === 'web-api') {
      assert.ok(m.deploys > 5 && m.change_failure_rate > 0 && m.time_to_restore_seconds.failures > 0, `the seed gives web-api production real figures: ${JSON.stringify(m)}`);
      assert.ok(text.includes(`${Math.round(m.change_failure_rate * 1000) / 10} %`), `shows its failure rate: ${text}`);
      assert.match(text, /[▲▼=] ?.*pp vs previous|no data in previous|= vs previous/, `the failure rate changes in percentage points: ${text}`);
    }
  }
  // Definitions open by keyboard (and so by touch: it is a button-like summary).
  await page.focus('section.deployment .definition summary');
  await page.keyboard.press('Enter');
  assert.ok(await page.$eval('section.deployment .definition', (d) => d.open && d.querySelector('p').offsetHeight > 0), 'the definition opens from the keyboard');
  await page.keyboard.press('Enter');
  assert.ok(await page.$('.band.elite, .band.high, .band.medium, .band.low'), 'a DORA band is shown');
  assert.ok(!/\[object|undefined|NaN/.test(await page.innerText('#view')), 'overview text is clean');
  await shot('overview');
  checkClean('overview');

  // All environments, 90 days: the roll-up equals `metrics --json` without any filter.
  mark = requests.length;
  await rendered(() => page.selectOption('#f-window', '90d'));
  await rendered(() => page.selectOption('#f-environment', 'all'));
  assert.equal((await page.$$('section.deployment')).length, 4, 'all environments: the roll-up and three deployments');
  assert.match(page.url(), /env=all/);
  assert.match(page.url(), /window=90d/);
  const allAsked = metricsAsked(mark, (u) => !u.searchParams.has('environment') && !u.searchParams.has('deployment'))
    .sort((a, b) => iso(a, 'since').localeCompare(iso(b, 'since'))).pop();
  const since90 = iso(allAsked, 'since');
  const until90 = iso(allAsked, 'until');
  const orgCli = cli('metrics', '--json', '--since', since90, '--until', until90);
  const allCards = await page.$$('section.deployment');
  assert.deepEqual(await cardValues(allCards[0]), expectedValues(orgCli), 'the all-environments roll-up equals metrics --json');
  const overviewUrl = page.url();
  const overviewShown = await Promise.all(allCards.map(cardValues));
  checkClean('all environments');
  log('overview checked');

  // Drill-down: each figure of web-api production lists exactly what
  // `shiplog metrics --explain` lists for the window.
  const explain = cli('metrics', '--json', '--explain', '--deployment', 'web-api', '--environment', 'production', '--since', since90, '--until', until90);
  const webCard = await page.$('section.deployment[data-kind="series"][data-deployment="web-api"][data-environment="production"]');
  await rendered(async () => (await webCard.$('.figure[data-metric="deploys_per_day"] a.drill')).click());
  assert.deepEqual(await page.$$eval('table.frequency tbody tr', (rows) => rows.map((r) => r.dataset.id)),
    explain.explain.changes.filter((c) => c.status === 'succeeded').map((c) => c.id), 'deployment frequency lists the succeeded deploys');
  await rendered(() => page.click('nav.tabs a:has-text("Lead time")'));
  await page.waitForSelector('.explain[data-figure="lead_time_median"]');
  assert.deepEqual(await page.$$eval('table.lead-times tbody tr', (rows) => rows.map((r) => r.dataset.sha)),
    explain.explain.commits.map((c) => c.sha), 'lead time lists the commits first shipped, per deploy');
  const firstLead = explain.explain.commits[0];
  assert.ok((await page.innerText(`tr[data-sha="${firstLead.sha}"]`)).length > 0);
  await rendered(() => page.click('nav.tabs a:has-text("Change failure rate")'));
  await page.waitForSelector('.explain[data-figure="change_failure_rate"]');
  const failedChanges = explain.explain.changes.filter((c) => c.failure);
  assert.ok(failedChanges.some((c) => c.failure === 'incident') && failedChanges.some((c) => c.failure === 'rollback'), 'the seed has incident and rollback failures');
  assert.deepEqual(await page.$$eval('table.failures tbody tr', (rows) => rows.map((r) => r.dataset.id)),
    failedChanges.map((c) => c.id), 'change failure rate lists the failed changes');
  const blamed = failedChanges.find((c) => c.incidents.includes('boards:4790'));
  const incidentItem = await page.$(`tr[data-id="${blamed.id}"] li[data-incident="boards:4790"]`);
  assert.ok(incidentItem, 'the blamed incident is shown');
  assert.match(await incidentItem.innerText(), /#4790 Checkout fails with 503 \(#4790\)/, 'with its title');
  assert.equal(await incidentItem.$eval('a', (a) => a.getAttribute('href')), 'http://127.0.0.1:9/contoso/Contoso/_workitems/edit/4790', 'and a link into Azure Boards');
  assert.match(await page.innerText(`tr[data-id="${blamed.id}"]`), /incident — an incident was blamed on it/);
  await shot('explain-cfr');
  const explainUrl = page.url();
  const explainRows = await page.$$eval('table.failures tbody tr', (rows) => rows.map((r) => r.innerText));
  await rendered(() => page.click('nav.tabs a:has-text("Time to restore")'));
  await page.waitForSelector('.explain[data-figure="time_to_restore_median"]');
  assert.deepEqual(await page.$$eval('table.restores tbody tr', (rows) => rows.map((r) => r.dataset.failure)),
    explain.explain.failures.map((f) => f.failure), 'time to restore lists the restored failures');
  assert.ok(explain.explain.failures.length >= 2);
  checkClean('drill-down');
  log('drill-down checked');

  // Trends: each chart's buckets equal /api/v1/metrics/trend, and each
  // bucket equals /api/v1/metrics for its own [since, until).
  mark = requests.length;
  await rendered(() => page.click('nav a[data-view=trends]'));
  await until('five charts drawn', () => page.$$eval('.chart canvas', (cs) => cs.length === 5 && cs.every((c) => c.width > 0 && c.getAttribute('aria-label'))));
  assert.equal(await page.$$eval('.chart details table', (ts) => ts.length), 5, 'each chart has a data table');
  const trendAsked = requests.slice(mark).map((r) => new URL(r.url())).filter((u) => u.pathname === '/api/v1/metrics/trend')
    .sort((a, b) => iso(a, 'since').localeCompare(iso(b, 'since'))).pop();
  const trend = await apiGet(trendAsked.pathname + trendAsked.search);
  assert.equal(trend.bucket, 'week');
  assert.ok(trend.buckets.length >= 12, `13 weeks in 90 days: ${trend.buckets.length}`);
  const charted = Object.fromEntries(await page.$$eval('.chart', (cs) => cs.map((c) => [c.dataset.figure, JSON.parse(c.dataset.buckets)])));
  const perBucket = await Promise.all(trend.buckets.map((b) => apiGet(`/api/v1/metrics?deployment=web-api&environment=production&since=${b.since}&until=${b.until}`)));
  for (const [key, series] of Object.entries(charted)) {
    assert.equal(series.length, trend.buckets.length, `${key}: one point per bucket`);
    series.forEach((point, i) => {
      assert.equal(point.since, perBucket[i].since);
      assert.equal(point.until, perBucket[i].until);
      assert.deepEqual(point.value, chartValues(perBucket[i])[key], `${key} bucket ${i} equals /api/v1/metrics`);
      assert.deepEqual(point.value, chartValues(trend.buckets[i])[key], `${key} bucket ${i} equals the trend`);
    });
  }
  assert.deepEqual(Object.keys(charted).sort(), ['change_failure_rate', 'deploys_per_day', 'lead_time_breakdown', 'lead_time_median', 'time_to_restore_median']);
  assert.ok(charted.change_failure_rate.some((p) => p.value > 0), 'the failure-rate chart has failures');
  assert.ok(charted.lead_time_breakdown.some((p) => p.value.pickup > 0 && p.value.review > 0 && p.value.deploy > 0), 'the breakdown chart has pull requests');
  // The breakdown's data table shows each bucket's parts as the API gives them.
  const partRows = await page.$$eval('table.breakdown-table tbody tr', (rows) => rows.map((r) => [...r.cells].slice(5, 7).map((c) => Number(c.innerText))));
  assert.deepEqual(partRows, trend.buckets.map((b) => [b.lead_time_breakdown_seconds.pull_requests, b.lead_time_breakdown_seconds.direct_commits]), 'pull requests and direct commits per bucket');
  // Drill-down: a bucket's pull requests are the ones /api/v1/metrics?explain=1 lists for it.
  const drillBucket = trend.buckets.findIndex((b) => b.lead_time_breakdown_seconds.pull_requests > 1);
  assert.ok(drillBucket >= 0, 'a bucket with pull requests');
  await page.click(`table.breakdown-table tr[data-bucket="${drillBucket}"] button.drill-bucket`);
  await page.waitForSelector(`#breakdown-drill[data-bucket="${drillBucket}"][data-state="done"]`);
  const drillB = trend.buckets[drillBucket];
  const bucketExplain = await apiGet(`/api/v1/metrics?deployment=web-api&environment=production&since=${drillB.since}&until=${drillB.until}&explain=1`);
  assert.equal(bucketExplain.explain.pull_requests.length, drillB.lead_time_breakdown_seconds.pull_requests, 'the explain lists the counted pull requests');
  assert.deepEqual(await page.$$eval('#breakdown-drill table.pull-requests tbody tr', (rows) => rows.map((r) => [Number(r.dataset.id), r.dataset.deploy])),
    bucketExplain.explain.pull_requests.map((p) => [p.id, p.deploy]), 'the drill-down lists the bucket\'s pull requests');
  await shot('trends');
  const trendsUrl = page.url();
  checkClean('trends');
  log('trends checked');

  // A view opened from its URL in a new page shows the same figures.
  {
    const fresh = await context.newPage();
    await fresh.addInitScript((t) => sessionStorage.setItem('shiplog.token', t), TOKEN);
    fresh.on('console', (m) => { if (m.type() === 'error') problems.push(`console (new page): ${m.text()}`); });
    fresh.on('request', (r) => requests.push(r));
    await fresh.goto(overviewUrl);
    await fresh.waitForSelector('#view[data-view="overview"][data-ready="true"]');
    assert.deepEqual(await Promise.all((await fresh.$$('section.deployment')).map(cardValues)), overviewShown, 'the overview from its URL');
    assert.equal(await fresh.$eval('#f-window', (s) => s.value), '90d');
    assert.equal(await fresh.$eval('#f-environment', (s) => s.value), 'all');
    await fresh.goto(explainUrl);
    await fresh.waitForSelector('#view[data-view="explain"][data-ready="true"] table.failures');
    assert.deepEqual(await fresh.$$eval('table.failures tbody tr', (rows) => rows.map((r) => r.innerText)), explainRows, 'the drill-down from its URL');
    await fresh.goto(trendsUrl);
    await fresh.waitForSelector('#view[data-view="trends"][data-ready="true"] .chart');
    assert.deepEqual(Object.fromEntries(await fresh.$$eval('.chart', (cs) => cs.map((c) => [c.dataset.figure, JSON.parse(c.dataset.buckets)]))), charted, 'the trends from their URL');
    // A preset: last month, shared.
    await fresh.goto(base + '/#/overview?window=last-month');
    await fresh.waitForSelector('#view[data-view="overview"][data-ready="true"]');
    const lastMonth = await fresh.$eval('#f-range', (e) => e.textContent);
    const d = new Date();
    const first = new Date(d.getFullYear(), d.getMonth() - 1, 1).toLocaleDateString('en-GB', { year: 'numeric', month: 'short', day: 'numeric' });
    assert.ok(lastMonth.startsWith(first), `last month starts on the 1st: ${lastMonth} (${first})`);
    await fresh.close();
    checkClean('views from their URL');
  }

  // Deploys: filters, search, and paging past 50 through the API's cursor.
  await goto('#/deploys?env=all&window=90d', 'deploys');
  const every = await apiGet(`/api/v1/deploys?since=${since90}&until=${until90}&limit=10000`);
  assert.ok(every.length > 50, `the seed has more than 50 deploys in 90 days: ${every.length}`);
  assert.equal(await page.$$eval('table.deploys tbody tr', (rows) => rows.length), 50, 'the first page holds 50');
  await page.click('#more-deploys');
  await page.waitForFunction((n) => document.querySelectorAll('table.deploys tbody tr').length === n, every.length);
  assert.deepEqual(await page.$$eval('table.deploys tbody tr', (rows) => rows.map((r) => r.dataset.id)), every.map((d) => d.id), 'both pages together are the whole list, in order');
  assert.ok(await page.$eval('#more-deploys', (b) => b.hidden), 'no more pages');
  assert.deepEqual(await page.$$eval('table.deploys tbody tr', (rows) => rows.map((r) => r.querySelector('[data-batch]').dataset.batch)), every.map((d) => d.batch.size), 'each deploy\'s batch size');
  const linkText = await page.$eval('table.deploys a.deploy-link', (a) => a.getAttribute('aria-label'));
  assert.match(linkText, / to .*, .*, sha /, `readable link text: ${linkText}`);
  await rendered(() => page.selectOption('#f-failure', 'any'));
  assert.match(page.url(), /failure=any/);
  const failedOnly = await apiGet(`/api/v1/deploys?since=${since90}&until=${until90}&failure=any&limit=10000`);
  assert.ok(failedOnly.length >= 3);
  assert.deepEqual(await page.$$eval('table.deploys tbody tr', (rows) => rows.map((r) => r.dataset.id)), failedOnly.map((d) => d.id), 'failed changes only');
  await rendered(() => page.selectOption('#f-failure', ''));
  const searched = every.find((d) => d.deployment === 'web-api' && d.environment === 'production' && d.work_items.length);
  for (const q of [`#${searched.work_items[0]}`, searched.sha.slice(0, 8), 'grace@']) {
    await page.fill('#f-q', q);
    await rendered(() => page.press('#f-q', 'Enter'));
    assert.equal(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('q'), q);
    const expected = await apiGet(`/api/v1/deploys?since=${since90}&until=${until90}&q=${encodeURIComponent(q)}&limit=10000`);
    assert.ok(expected.length >= 1, `search ${q} finds something`);
    const rows = await page.$$eval('table.deploys tbody tr', (rs) => rs.map((r) => r.dataset.id));
    assert.deepEqual(rows, expected.map((d) => d.id).slice(0, 50), `search ${q}`);
    if (q.startsWith('#')) assert.ok(rows.includes(searched.id), 'the work item search finds its deploy');
  }
  await shot('deploys');
  checkClean('deploys');

  // The deploy page: blamed incident with title and link, links into Azure DevOps.
  const blamedDeploy = every.find((d) => d.id === blamed.id);
  await goto(`#/deploys/${encodeURIComponent(blamedDeploy.id)}`, 'deploys');
  await page.waitForSelector('table.commits');
  const incidentText = await page.innerText('section.incidents');
  assert.match(incidentText, /#4790 Checkout fails with 503 \(#4790\)/, `the blamed incident: ${incidentText}`);
  assert.match(incidentText, /restored/);
  const commitHref = await page.$eval('dd code.sha a', (a) => a.getAttribute('href'));
  assert.equal(commitHref, `http://127.0.0.1:9/contoso/Contoso/_git/web-api/commit/${blamedDeploy.sha}`);
  const commitRows = await page.$$eval('table.commits tbody tr', (rows) => rows.map((r) => r.innerText));
  assert.equal(commitRows.length, blamedDeploy.commit_count, 'every commit of the deploy is listed');
  for (const c of blamedDeploy.commits) assert.ok(commitRows.find((r) => r.includes(c.sha.slice(0, 10)) && r.includes(c.author_email)), `commit ${c.sha} with its author`);
  assert.ok((await page.$$('ul.work-items li')).length === blamedDeploy.work_items.length, 'its work items');
  assert.match(await page.innerText('#batch'), new RegExp(`^${blamedDeploy.batch.size} ${blamedDeploy.batch.commits} commits · ${blamedDeploy.batch.pull_requests} pull requests`), 'its batch size');
  assert.deepEqual(await page.$$eval('table.pull-requests tbody tr', (rows) => rows.map((r) => Number(r.dataset.id))), blamedDeploy.pull_requests.map((p) => p.id), 'its pull requests');
  assert.match(await page.$eval('table.commits time', (t) => t.title), /UTC$/, 'UTC on hover');
  await shot('deploy');
  const staging = every.find((d) => d.environment === 'staging' && d.status === 'succeeded');
  await goto(`#/deploys/${encodeURIComponent(staging.id)}`, 'deploys');
  await page.waitForSelector('dl.facts');
  const runHref = await page.$eval('dl.facts a[href*="_build/results"]', (a) => a.getAttribute('href'));
  assert.match(runHref, /^http:\/\/127\.0\.0\.1:9\/contoso\/Contoso\/_build\/results\?buildId=9\d\d$/, 'the build links to its run');
  checkClean('deploy page');
  log('deploys checked');

  // Hooks health.
  await rendered(() => page.click('nav a[data-view=hooks]'));
  const repos = await page.$$eval('section[aria-label=Repositories] tbody tr', (rows) => rows.map((r) => r.innerText));
  assert.equal(repos.length, 2, 'both configured repositories');
  assert.ok(repos.every((r) => !r.includes('not seen recently')), 'a push was seen for each repository');
  await shot('hooks');
  checkClean('hooks');

  // An empty window: no deploys between ... and ..., and no band.
  await goto('#/overview?window=custom&from=2020-01-01&to=2020-01-31', 'overview');
  const emptyText = await page.innerText('#view');
  assert.match(emptyText, /No deploys between 1 Jan 2020 and 31 Jan 2020\./, `empty window: ${emptyText}`);
  assert.equal(await page.$$eval('#view .band', (b) => b.length), 0, 'no band in an empty window');
  await goto('#/trends?window=custom&from=2020-01-01&to=2020-01-31', 'trends');
  assert.match(await page.innerText('#view'), /No deploys between 1 Jan 2020 and 31 Jan 2020\./);
  await goto('#/explain/lead_time_median?window=custom&from=2020-01-01&to=2020-01-31', 'explain');
  assert.match(await page.innerText('#view'), /No deploys between/);
  checkClean('empty window');

  // Phone width: nothing scrolls sideways on any view.
  await page.setViewportSize({ width: 390, height: 844 });
  const phoneViews = [
    ['#/overview?env=all&window=90d', 'overview'],
    ['#/trends?dep=web-api&window=90d', 'trends'],
    ['#/explain/deploys_per_day?dep=web-api&env=production&window=90d', 'explain'],
    ['#/explain/lead_time_median?dep=web-api&env=production&window=90d', 'explain'],
    ['#/explain/change_failure_rate?dep=web-api&env=production&window=90d', 'explain'],
    ['#/explain/time_to_restore_median?dep=web-api&env=production&window=90d', 'explain'],
    ['#/deploys?env=all&window=90d', 'deploys'],
    [`#/deploys/${encodeURIComponent(blamedDeploy.id)}`, 'deploys'],
    ['#/hooks', 'hooks'],
  ];
  for (const [hash, view] of phoneViews) {
    await goto(hash, view);
    if (view === 'trends') await until('charts drawn at phone width', () => page.$$eval('.chart canvas', (cs) => cs.length === 5 && cs.every((c) => c.width > 0)));
    await noOverflow(hash);
  }
  assert.ok(await page.$eval('#signout', (b) => b.offsetWidth > 0), 'sign-out is reachable on a phone');
  await goto('#/overview?env=all&window=90d', 'overview');
  await shot('overview-phone');
  checkClean('phone width');
  log('phone width checked');

  // Drift: production gets two more commits staging has not built; the
  // panel lists exactly /api/v1/drift's commits, oldest first.
  await page.setViewportSize({ width: 1280, height: 800 });
  const latest = (await apiGet('/api/v1/deploys?deployment=web-api&environment=production&limit=1'))[0];
  const tipN = [...Array(1000).keys()].find((k) => sha(k) === latest.sha);
  assert.ok(tipN > 0, 'the production tip is one of the seeded commits');
  const driftPush = push({ repo: 'web-api', pushId: 9900, oldSha: tipN, newSha: 9902,
    commits: [{ n: 9901, authoredAt: now - 3 * 3600000 }, { n: 9902, authoredAt: now - 2 * 3600000 }], at: now - 3600000 });
  const pushed = await fetch(base + '/hooks/azure-devops', { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify(driftPush) });
  assert.equal(pushed.status, 200);
  const drift = await apiGet('/api/v1/drift?deployment=web-api&from=production&to=staging');
  // Staging builds only some pushes, so earlier commits may wait too; the two new ones come last.
  assert.deepEqual(drift.commits.slice(-2).map((c) => c.sha), [sha(9901), sha(9902)], 'the API: the two new commits last, oldest first');
  await goto('#/drift?dep=web-api&envfrom=production&envto=staging', 'drift');
  assert.deepEqual(await page.$eval('#drift-deployment', (s) => s.value), 'web-api');
  assert.deepEqual([await page.$eval('#drift-from', (s) => s.value), await page.$eval('#drift-to', (s) => s.value)], ['production', 'staging']);
  const panel = await page.$$eval('#drift-commits tbody tr', (rows) => rows.map((r) => ({ sha: r.dataset.sha, deploy: r.dataset.deploy, waiting: Number(r.dataset.waiting), text: r.innerText })));
  assert.deepEqual(panel.map((r) => [r.sha, r.deploy]), drift.commits.map((c) => [c.sha, c.deploy]), 'the panel lists the API\'s commits in its order');
  drift.commits.forEach((c, i) => {
    assert.ok(Math.abs(panel[i].waiting - c.waiting_seconds) <= 60, `waiting of ${c.sha}: ${panel[i].waiting} vs ${c.waiting_seconds}`);
    assert.ok(panel[i].text.includes(c.sha.slice(0, 7)) && panel[i].text.includes(c.author_email), `row ${i}: ${panel[i].text}`);
  });
  await shot('drift');
  // The other way round nothing waits: the panel says so, like the API.
  await rendered(() => page.selectOption('#drift-from', 'staging'));
  assert.match(page.url(), /envfrom=staging/);
  const none = await apiGet('/api/v1/drift?deployment=web-api&from=staging&to=production');
  assert.deepEqual(none.commits, []);
  assert.equal(await page.$$eval('#drift-commits tbody tr', (rows) => rows.length), 0);
  assert.match(await page.innerText('#view'), /production runs everything staging runs\./);
  await page.setViewportSize({ width: 390, height: 844 });
  await goto('#/drift?dep=web-api&envfrom=production&envto=staging', 'drift');
  await noOverflow('drift');
  await page.setViewportSize({ width: 1280, height: 800 });
  checkClean('drift');
  log('drift checked');

  // The API down: an error with a retry button; retry recovers.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.route('**/api/v1/**', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"store unavailable"}' }));
  await goto('#/overview?window=7d', 'overview');
  assert.equal(await page.$eval('#view', (v) => v.dataset.state), 'error');
  assert.match(await page.innerText('#view'), /Could not load this view[\s\S]*The shiplog API answered 503: store unavailable/);
  await shot('api-down');
  assert.ok(problems.length > 0 && problems.every((p) => /HTTP 503 .*\/api\/v1\/|status of 503/.test(p)), `only the refused API calls: ${problems}`);
  problems.length = 0;
  await page.unroute('**/api/v1/**');
  await rendered(() => page.click('#view button.retry'));
  assert.equal(await page.$eval('#view', (v) => v.dataset.state), 'done');
  assert.ok((await page.$$('section.deployment')).length >= 1, 'retry shows the overview again');
  checkClean('retry');

  // Dark mode under prefers-color-scheme: dark.
  {
    const dark = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark', timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    const dpage = await dark.newPage();
    dpage.on('console', (m) => { if (m.type() === 'error') problems.push(`console (dark): ${m.text()}`); });
    dpage.on('pageerror', (e) => problems.push(`page error (dark): ${e.message}`));
    dpage.on('request', (r) => requests.push(r));
    await dpage.addInitScript((t) => sessionStorage.setItem('shiplog.token', t), TOKEN);
    await dpage.goto(base + '/#/overview?env=all&window=90d');
    await dpage.waitForSelector('#view[data-view="overview"][data-ready="true"] section.deployment');
    const bg = await dpage.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    assert.ok(0.2126 * r + 0.7152 * g + 0.0722 * b < 60, `dark background under prefers-color-scheme: dark (${bg})`);
    const ink = await dpage.$eval('.figure-value', (e) => getComputedStyle(e).color);
    assert.ok(ink.match(/\d+/g).map(Number)[0] > 150, `light text (${ink})`);
    await dpage.screenshot({ path: path.join(artifacts, 'overview-dark.png'), fullPage: true });
    await dark.close();
    checkClean('dark mode');
  }

  // Nothing but the daemon was asked.
  const foreign = requests.map((r) => r.url()).filter((u) => new URL(u).origin !== origin);
  assert.deepEqual(foreign, [], 'requests to other hosts');
  log(`${requests.length} requests, all to ${origin}`);
} catch (e) {
  failed = true;
  console.error(e && e.stack ? e.stack : e);
  if (output) console.error('--- shiplog output ---\n' + output.split('\n').slice(-40).join('\n'));
} finally {
  if (browser) await browser.close().catch(() => {});
  if (!exited) {
    daemon.kill('SIGTERM');
    await until('shiplog to stop', async () => exited, TIMEOUT).catch(() => daemon.kill('SIGKILL'));
    if (exited && exited.code !== 0) {
      failed = true;
      console.error(`shiplog exited with ${JSON.stringify(exited)}\n${output}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
log(failed ? 'FAILED' : 'dashboard e2e: all checks passed');
console.log(failed ? '0 passed, 1 failed' : '1 passed, 0 failed');
process.exit(failed ? 1 : 0);
