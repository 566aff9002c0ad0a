import { chromium } from 'playwright-core';
const BASE = 'http://127.0.0.1:8191';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
async function as(user, paths) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/login`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', 'demo-2020-tianjin');
  await page.click('button[type=submit]');
  await page.waitForLoadState();
  for (const [path, name] of paths) {
    await page.goto(`${BASE}${path}`);
    await page.screenshot({ path: `/tmp/shot-${name}.png`, fullPage: true });
  }
  await ctx.close();
}
await as('admin', [['/organizations', 'orgs'], ['/volunteers', 'vet']]);
await as('vol.zhanglei', [['/', 'volhome']]);
await browser.close();
