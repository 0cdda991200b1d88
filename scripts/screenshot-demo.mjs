// scripts/screenshot-demo's browser half:
//   node screenshot-demo.mjs BASE_URL IMG_DIR NODE_MODULES
// Opens the dashboard (loopback, no [api]: no token needed) on the demo
// history and saves the screenshots docs/dashboard.md shows: each view at
// 1280 px, the overview on a phone (390 px) and in dark mode. Waits for each
// view to say it is ready; fails on a console error.
import { createRequire } from 'node:module';
import path from 'node:path';

const [base, dir, modules] = process.argv.slice(2);
const { chromium } = createRequire(path.resolve(modules, 'noop.js'))('playwright-core');
const browser = await chromium.launch({
  executablePath: process.env.SHIPLOG_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--headless=new'],
});
const problems = [];

async function open(options) {
  const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'UTC', ...options });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  return page;
}

async function show(page, hash, view, file, fullPage = false) {
  await page.goto(base + '/' + hash);
  await page.waitForSelector(`#view[data-view="${view}"][data-ready="true"][data-state="done"]`, { timeout: 60000 });
  if (view === 'trends')
    await page.waitForFunction(() => [...document.querySelectorAll('.chart canvas')].every((c) => c.width > 0));
  await page.screenshot({ path: path.join(dir, file), fullPage });
}

try {
  const desktop = await open({ viewport: { width: 1280, height: 900 } });
  await show(desktop, '#/overview', 'overview', 'demo-dashboard.png');
  await show(desktop, '#/overview?env=all', 'overview', 'dashboard-overview.png', true);
  if ((await desktop.$$('section.deployment')).length === 0) throw new Error('the overview shows no deployment');
  await show(desktop, '#/explain/change_failure_rate?dep=web-api&env=production&window=90d', 'explain', 'dashboard-explain.png', true);
  // The deploy page of a failed change (with its blamed incident when there is one).
  const failed = await desktop.$$eval('table.failures tr', (rows) =>
    (rows.find((r) => r.querySelector('li[data-incident]')) || rows[1] || rows[0]).querySelector('a.deploy-link').getAttribute('href'));
  await show(desktop, '#/trends?dep=web-api&env=production&window=90d', 'trends', 'dashboard-trends.png', true);
  await show(desktop, '#/deploys?env=all', 'deploys', 'dashboard-deploys.png');
  await show(desktop, failed, 'deploys', 'dashboard-deploy.png', true);
  await show(desktop, '#/hooks', 'hooks', 'dashboard-hooks.png');
  const phone = await open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await show(phone, '#/overview', 'overview', 'dashboard-phone.png');
  const dark = await open({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
  await show(dark, '#/trends?dep=web-api&env=production&window=90d', 'trends', 'dashboard-dark.png');
  if (problems.length) throw new Error('the page reported problems:\n' + problems.join('\n'));
} finally {
  await browser.close();
}
