// End-to-end test of the dashboard (issue 10): the real `shiplog serve`, a
// store seeded through POST /hooks/azure-devops, headless Chromium (Debian's
// chromium) driven by playwright-core.
//
//   node dashboard.test.mjs <shiplog binary> <artifacts dir> <node_modules dir>
//
// Fails on any console error, page error, failed request or HTTP error the
// page sees, and on any request to a host other than the daemon. Saves a
// screenshot of each view into the artifacts dir. No sleeps: every wait polls
// a condition with a deadline.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { history } from './events.mjs';

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

  // Overview: every figure equals /api/v1/metrics for the window the page asked for.
  const cards = await page.$$('section.deployment');
  assert.equal(cards.length, 3, 'one card per configured deployment+environment');
  for (const card of cards) {
    const deployment = await card.getAttribute('data-deployment');
    const environment = await card.getAttribute('data-environment');
    const asked = requests.map((r) => new URL(r.url())).filter((u) => u.pathname === '/api/v1/metrics' &&
      u.searchParams.get('deployment') === deployment && u.searchParams.get('environment') === environment);
    assert.ok(asked.length >= 1, `the page asked /api/v1/metrics for ${deployment}:${environment}`);
    // The current window is the later of the two the page asked for.
    asked.sort((a, b) => a.searchParams.get('since').localeCompare(b.searchParams.get('since')));
    const current = asked[asked.length - 1];
    const m = await apiGet(current.pathname + current.search);
    const shown = Object.fromEntries(await card.$$eval('.figure', (els) => els.map((e) => [e.dataset.metric, JSON.parse(e.dataset.value)])));
    assert.deepEqual(shown, {
      deploys_per_day: m.deploys_per_day,
      lead_time_median: m.lead_time_seconds.median,
      change_failure_rate: m.change_failure_rate,
      time_to_restore_median: m.time_to_restore_seconds.median,
    }, `${deployment}:${environment} figures`);
    const text = await card.innerText();
    const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
    assert.ok(text.includes(`${plural(m.deploys, 'deploy')} on ${plural(m.deploy_days, 'day')}`), `${deployment}:${environment} shows its deploy count: ${text}`);
    if (m.change_failure_rate !== null)
      assert.ok(text.includes(`${Math.round(m.change_failure_rate * 1000) / 10} %`), `${deployment}:${environment} shows its failure rate: ${text}`);
    if (deployment === 'web-api' && environment === 'production') {
      assert.ok(m.deploys > 5 && m.change_failure_rate > 0 && m.time_to_restore_seconds.failures > 0,
        `the seed gives web-api production real figures: ${JSON.stringify(m)}`);
    }
    const title = await card.$eval('.figure-name', (e) => e.getAttribute('title'));
    assert.match(title, /Succeeded deploys/, 'definition on hover');
  }
  assert.ok(await page.$('.band.elite, .band.high, .band.medium, .band.low'), 'a DORA band is shown');
  const overviewText = await page.innerText('#view');
  assert.ok(!/\[object|undefined|NaN/.test(overviewText), `overview text: ${overviewText}`);
  await shot('overview');
  log('overview checked');

  // Charts: three drawn canvases with labels and table alternatives.
  await page.selectOption('#f-deployment', JSON.stringify(['web-api', 'production']));
  await page.click('nav a[data-view=charts]');
  await viewReady('charts');
  await until('three charts drawn', () => page.$$eval('canvas', (cs) => cs.length === 3 && cs.every((c) => c.width > 0 && c.getAttribute('aria-label'))));
  const tables = await page.$$eval('.chart details table', (ts) => ts.length);
  assert.equal(tables, 3, 'each chart has a data table');
  await shot('charts');
  checkClean('charts');
  log('charts checked');

  // Deploys: the list for the window, then one deploy with its commits.
  // (still filtered to web-api production from the charts step)
  await page.click('nav a[data-view=deploys]');
  await viewReady('deploys');
  const listed = await page.$$eval('table.deploys tbody tr', (rows) => rows.map((r) => r.dataset.id));
  const windowed = requests.map((r) => new URL(r.url())).filter((u) => u.pathname === '/api/v1/deploys').pop();
  const expected = await apiGet(windowed.pathname + windowed.search);
  assert.deepEqual(listed, expected.map((d) => d.id), 'the list shows /api/v1/deploys for the window');
  await shot('deploys');
  const target = expected.find((d) => d.deployment === 'web-api' && d.environment === 'production' && d.commit_count >= 2);
  assert.ok(target, 'a deploy with commits');
  await page.click(`tr[data-id="${target.id}"] a.deploy-link`);
  await viewReady('deploys');
  await page.waitForSelector('table.commits');
  const commitRows = await page.$$eval('table.commits tbody tr', (rows) => rows.map((r) => r.innerText));
  assert.equal(commitRows.length, target.commit_count, 'every commit of the deploy is listed');
  for (const c of target.commits) {
    const row = commitRows.find((r) => r.includes(c.sha.slice(0, 10)));
    assert.ok(row, `commit ${c.sha} is shown`);
    assert.ok(row.includes(c.author_email), `commit ${c.sha} shows its author`);
  }
  const pageText = await page.innerText('#view');
  assert.ok(!pageText.includes('[object') && !pageText.includes('undefined') && !pageText.includes('NaN'), `deploy page text: ${pageText}`);
  assert.ok(pageText.includes(target.id), 'the deploy page names its deploy');
  const hover = await page.$eval('table.commits time', (t) => t.title);
  assert.match(hover, /UTC$/, 'UTC on hover');
  await shot('deploy');
  checkClean('deploys');
  log('deploys checked');

  // Hooks health.
  await page.click('nav a[data-view=hooks]');
  await viewReady('hooks');
  const repos = await page.$$eval('section[aria-label=Repositories] tbody tr', (rows) => rows.map((r) => r.innerText));
  assert.equal(repos.length, 2, 'both configured repositories');
  assert.ok(repos.every((r) => !r.includes('not seen recently')), 'a push was seen for each repository');
  await shot('hooks');
  checkClean('hooks');

  // Phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('nav a[data-view=overview]');
  await viewReady('overview');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow} px)`);
  await shot('overview-phone');
  await page.click('nav a[data-view=charts]');
  await viewReady('charts');
  await until('charts drawn at phone width', () => page.$$eval('canvas', (cs) => cs.length === 3 && cs.every((c) => c.width > 0)));
  await shot('charts-phone');
  checkClean('phone width');

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
