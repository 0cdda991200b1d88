// scripts/screenshot-demo's browser half:
//   node screenshot-demo.mjs BASE_URL OUT.png NODE_MODULES
// Opens the dashboard's overview (loopback, no [api]: no token needed),
// waits until the view says it is ready, and saves one screenshot.
import { createRequire } from 'node:module';
import path from 'node:path';

const [base, out, modules] = process.argv.slice(2);
const { chromium } = createRequire(path.resolve(modules, 'noop.js'))('playwright-core');
const browser = await chromium.launch({
  executablePath: process.env.SHIPLOG_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--headless=new'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  await page.goto(base + '/#/overview');
  await page.waitForSelector('#view[data-view="overview"][data-ready="true"]', { timeout: 60000 });
  const cards = await page.$$('section.deployment');
  if (cards.length === 0) throw new Error('the overview shows no deployment');
  await page.screenshot({ path: out });
} finally {
  await browser.close();
}
