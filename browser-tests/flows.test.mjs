// Main flows of sanshe in real headless Chromium on a 360 px phone screen.
// Needs a running `sanshe serve --demo` at SANSHE_URL with SANSHE_DEMO_PASSWORD (see run.sh).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const BASE = process.env.SANSHE_URL ?? 'http://127.0.0.1:8080';
const PASSWORD = process.env.SANSHE_DEMO_PASSWORD;
const PHONE = { width: 360, height: 740 };
let browser;

before(async () => {
  assert.ok(PASSWORD, 'SANSHE_DEMO_PASSWORD must be set');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // Playwright starts Chromium with a fresh temporary profile of its own (the --user-data-dir).
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  watchEveryPage();
});

after(async () => { await browser?.close(); });

// Every page any flow opens is watched: a console error or a policy violation fails the flow.
// Two are expected: a form sent back with its errors is the page itself answered 422 (the
// browser logs the document's status), and a flow that takes the network away expects its
// requests to fail while it is gone.
const problems = [];
function watch(page) {
  page.on('console', (m) => {
    if (m.type() !== 'error' || /ERR_INTERNET_DISCONNECTED/.test(m.text())) return;
    const rejectedForm = /status of 4\d\d/.test(m.text()) && m.location()?.url === page.url();
    if (!rejectedForm) problems.push(`${page.url()}: ${m.text()} (${m.location()?.url ?? ''})`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
}
function watchEveryPage() {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.on('page', watch);
    return context;
  };
}
afterEach(() => {
  const seen = problems.splice(0);
  assert.deepEqual(seen, [], seen.join('\n'));
});

// Signs in on a phone from the sign-in page the home page leads to; the page lands on `to`.
async function signIn(username, password = PASSWORD, to = '/') {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${BASE}/`);
  assert.match(page.url(), /\/login/);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}${to}`);
  return page;
}

// Someone whose account another person made signs in for the first time: their account page
// asks first for a password of their own; then the home page opens.
async function firstSignIn(username) {
  const page = await signIn(username, PASSWORD, '/account');
  await page.fill('#current-password', PASSWORD);
  await page.fill('#new-password', `own-${PASSWORD}`);
  await page.click('form.stack button[type=submit]');
  assert.match(await page.textContent('#account-message'), /密码已修改/);
  await page.goto(`${BASE}/`);
  return page;
}

// Opens the phone's folded menu and follows one of its links.
async function menu(page, label) {
  if (!(await page.isVisible('nav.main'))) await page.click('label.menu-button');
  await page.click(`nav.main >> text=${label}`);
}

async function noSidewaysScroll(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `page is ${width}px wide on a ${PHONE.width}px phone: ${page.url()}`);
}

// A valid mainland ID number (GB 11643 check character) for a random person of this run, born
// on a random day of `year` unless `born` ('MMDD') says which.
function idNumber(year, sequence, born) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const month = String(1 + Math.floor(Math.random() * 12)).padStart(2, '0');
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0');
  const first = `120104${year}${born ?? month + day}${String(sequence).padStart(3, '0')}`;
  const sum = [...first].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return first + '10X98765432'[sum % 11];
}

const unique = () => Math.floor(Math.random() * 400) * 2; // even: female

test('a worker signs in on a phone, searches and opens a resident with masked numbers', async () => {
  const page = await signIn('worker.lingyanli');
  await assert.doesNotReject(page.getByText('凌研里社区').first().waitFor());
  await noSidewaysScroll(page);
  await page.fill('input[name=q]', '王');
  await page.click('form[role=search] button');
  await page.waitForURL(/\/residents\?/);
  const total = await page.textContent('#total');
  assert.match(total, /共 \d+ 条/);
  await noSidewaysScroll(page);
  await page.click('#results tbody tr:first-child a');
  const doc = await page.textContent('#document-number');
  assert.match(doc.trim(), /^\d{3}\*{11}[\dX]{4}$/, 'ID is masked');
  await page.context().close();
});

test('on a phone the menu folds behind one button and marks the page shown', async () => {
  const page = await signIn('worker.lingyanli');
  await page.goto(`${BASE}/campaigns`);
  assert.equal(await page.isVisible('nav.main'), false, 'folded on a phone');
  const top = await page.evaluate(() => document.querySelector('main').getBoundingClientRect().top);
  assert.ok(top < 140, `the page starts near the top (${top}px), not below three lines of links`);
  await page.click('label.menu-button');
  assert.equal(await page.isVisible('nav.main a[aria-current=page]'), true);
  assert.equal((await page.textContent('nav.main a[aria-current=page]')).trim(), '走访排查');
  await noSidewaysScroll(page);
  await page.context().close();
});

test('a bad ID number shows a Chinese message beside the field; fixing it saves', async () => {
  const page = await signIn('worker.lingyanli');
  await page.click('text=凌研里社区');
  await page.click('text=新建住户并登记居民');
  await page.fill('#building', '9号楼');
  await page.fill('#room', `${100 + Math.floor(Math.random() * 900)}`);
  await page.fill('#name', '测试居民');
  await page.fill('#document_number', '120101199001011234');
  await page.click('#save');
  const message = await page.textContent('#error-document_number');
  assert.match(message, /校验位不对/);
  assert.equal(await page.getAttribute('#document_number', 'aria-invalid'), 'true');
  await noSidewaysScroll(page);
  await page.fill('#document_number', idNumber(1955, unique()));
  await page.click('#save');
  await page.waitForURL(/\/residents\/[0-9a-f]{32}\?saved=1/);
  assert.equal((await page.textContent('h1')).trim(), '测试居民');
  assert.match(await page.textContent('[role=status]'), /已保存/);
  await page.context().close();
});

test('the arrival form keeps everything typed after one bad field, the picker on the new person', async () => {
  const { json: session } = await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD });
  const { json: households } = await api('/api/v1/households?limit=5', session.token);
  const household = households.items.find((h) => h.resident_count > 0);
  const page = await signIn('worker.lingyanli');
  await page.goto(`${BASE}/households/${household.id}/arrival`);
  await page.selectOption('#who', 'new');
  await page.fill('#p-name', '返津人员');
  await page.fill('#p-doc', '120101199001011234');
  await page.fill('#p-phone', '13900002222');
  await page.fill('#origin', '湖北省武汉市');
  await page.selectOption('#transport', 'train');
  await page.fill('#note', '火车站接回');
  await page.uncheck('input[name=isolate]');
  await page.click('form.stack button[type=submit]');
  assert.match(await page.textContent('#error-document_number'), /校验位不对/);
  assert.equal(await page.inputValue('#who'), 'new', 'the picker stays on the new person');
  assert.equal(await page.inputValue('#p-name'), '返津人员');
  assert.equal(await page.inputValue('#p-doc'), '120101199001011234');
  assert.equal(await page.inputValue('#p-phone'), '13900002222');
  assert.equal(await page.inputValue('#origin'), '湖北省武汉市');
  assert.equal(await page.inputValue('#transport'), 'train');
  assert.equal(await page.inputValue('#note'), '火车站接回');
  assert.equal(await page.isChecked('input[name=isolate]'), false);
  await noSidewaysScroll(page);
  await page.context().close();
});

test('someone given a password sets their own at the first sign-in on a phone', async () => {
  const admin = (await api('/api/v1/sessions', null, { username: 'admin', password: PASSWORD })).json.token;
  const { json: areas } = await api('/api/v1/areas?kind=community&q=凌研里', admin);
  const username = `pw.${Date.now() % 100000}`;
  const made = await api('/api/v1/users', admin, { username, display_name: '改密码', password: 'first-password-1', role: 'community_worker', area_id: areas[0].id });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  // Every page leads to the account page until the password is their own.
  const page = await signIn(username, 'first-password-1', '/account');
  assert.match(await page.textContent('#account-message'), /请先设置一个只有您自己知道的新密码/);
  await page.goto(`${BASE}/residents`);
  assert.equal(new URL(page.url()).pathname, '/account');
  await page.fill('#current-password', 'not-my-password');
  await page.fill('#new-password', 'second-password-2');
  await page.click('form.stack button[type=submit]');
  await page.locator('#error-current_password').waitFor();
  await page.fill('#current-password', 'first-password-1');
  await page.fill('#new-password', 'first-password-1');
  await page.click('form.stack button[type=submit]');
  assert.match(await page.textContent('#error-new_password'), /新密码与当前密码相同/);
  await page.fill('#current-password', 'first-password-1');
  await page.fill('#new-password', 'second-password-2');
  await page.click('form.stack button[type=submit]');
  assert.match(await page.textContent('#account-message'), /密码已修改/);
  await noSidewaysScroll(page);
  await page.goto(`${BASE}/residents`);
  assert.equal(new URL(page.url()).pathname, '/residents');
  await page.context().close();
  const again = await api('/api/v1/sessions', null, { username, password: 'second-password-2' });
  assert.equal(again.status, 201);
});

test('an import reports accepted and rejected rows', async () => {
  const page = await signIn('worker.lingyanli');
  await menu(page, '导入');
  await page.selectOption('#community', { label: '凌研里社区' });
  const good = idNumber(1948, unique());
  const csv = `姓名,性别,身份证号,手机号,楼栋,单元,房号\n赵淑珍,女,${good},13900001111,10号楼,1单元,101\n钱错号,男,120101199001011234,,10号楼,1单元,102\n`;
  await page.setInputFiles('#file', { name: 'residents.csv', mimeType: 'text/csv', buffer: Buffer.from('\ufeff' + csv, 'utf8') });
  await page.click('#run-import');
  const report = await page.textContent('#report');
  assert.match(report, /新增 1 人/);
  assert.match(report, /未导入 1 行/);
  assert.match(report, /校验位不对/);
  await noSidewaysScroll(page);
  await page.context().close();
});

test('the interface switches to English and back', async () => {
  const page = await signIn('worker.yudeli');
  await page.click('#lang-switch');
  await page.waitForSelector('text=Sign out');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await menu(page, 'Residents');
  assert.match(await page.textContent('#total'), /in all/);
  await page.click('#lang-switch');
  await page.waitForSelector('text=退出');
  await page.context().close();
});

test('a worker of another community cannot find 凌研里 residents', async () => {
  const page = await signIn('worker.yudeli');
  await page.goto(`${BASE}/residents?q=${encodeURIComponent('测试居民')}`);
  assert.match(await page.textContent('#total'), /共 0 条/);
  await page.context().close();
});

test('a worker logs a door-to-door visit on a phone and the door turns green', async () => {
  const page = await signIn('worker.lingyanli');
  await menu(page, '走访排查');
  await page.click('table.cards a >> nth=0');
  await page.click('text=按楼栋走访');
  await noSidewaysScroll(page);
  // A building nobody has walked yet.
  await page.click('nav.buildings a >> text=/^30号楼/');
  const door = page.locator('.door-grid a.door:not([class*="door-"])').first();
  const household = await door.getAttribute('data-household');
  await door.click();
  await page.waitForURL(/\/visit\//);
  await noSidewaysScroll(page);
  await page.check('input[name=outcome][value=answered]');
  await page.check('input[name=q_fever_or_cough][value=yes]');
  await page.fill('#note', '老人咳嗽两天');
  await page.click('button[type=submit].big');
  await page.getByText('已登记').waitFor();
  await page.getByText('已发出发热咳嗽预警').waitFor();
  await page.click('#back-to-grid');
  const cls = await page.locator(`a.door[data-household="${household}"]`).getAttribute('class');
  assert.match(cls, /door-answered/);
  await page.context().close();
});

// Every pass of an area, walked a page at a time through the API.
async function allPasses(area, token) {
  const passes = [];
  let after = '';
  for (;;) {
    const { json } = await api(`/api/v1/passes?area=${area}&limit=1000${after}`, token);
    passes.push(...json.items);
    if (!json.next) return passes;
    after = `&after=${json.next}`;
  }
}

async function api(path, token, body, method) {
  const res = await fetch(`${BASE}${path}`, {
    method: method ?? (body ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

test('a worker merges a resident entered twice, from the record, after the page asks', async () => {
  const worker = (await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD })).json.token;
  const community = (await api('/api/v1/areas', worker)).json[0].id;
  // One woman entered twice: under two numbers with her birthday, the second with her phone.
  const born = `0${1 + Math.floor(Math.random() * 9)}15`;
  const sequence = unique();
  const entered = async (seq, phone) => (await api('/api/v1/residents', worker, {
    area_id: community, building: '8号楼', unit: '1单元', room: '303', name: '邵桂芝',
    document_number: idNumber(1946, seq, born), ...(phone ? { phone } : {}),
  })).json;
  const first = await entered(sequence);
  const again = await entered((sequence + 2) % 800, '13712345678');
  assert.ok(first?.id && again?.id, 'both entered');
  const page = await signIn('worker.lingyanli');
  await page.goto(`${BASE}/residents/${first.id}`);
  const offered = page.locator(`[data-merge-candidate="${again.id}"]`);
  await offered.waitFor();
  await noSidewaysScroll(page);
  // Said no: both records stay.
  let asked = null;
  page.once('dialog', async (d) => { asked = d.message(); await d.dismiss(); });
  await offered.locator('button').click();
  await page.waitForTimeout(300);
  assert.match(asked, /另一条记录将被删除/);
  assert.equal((await api(`/api/v1/residents/${again.id}`, worker)).status, 200, 'dismissed: not merged');
  // Said yes: one record, with the phone the other had.
  page.once('dialog', (d) => d.accept());
  await offered.locator('button').click();
  await page.waitForURL(/\/residents\/[0-9a-f]{32}\?saved=1/);
  assert.equal((await api(`/api/v1/residents/${again.id}`, worker)).status, 404);
  assert.match(await page.textContent('main'), /137\*{4}5678/);
  assert.equal(await page.locator('#no-merge-candidates').count(), 1);
  await page.context().close();
});

test('a resident in home observation reports a temperature through the link on a cheap phone', async () => {
  const { json: session } = await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD });
  const token = session.token;
  const { json: { items: episodes } } = await api('/api/v1/isolations?status=open&limit=1000', token);
  const episode = episodes.find((e) => !e.last_fever);
  const { json: link } = await api(`/api/v1/isolations/${episode.id}/link`, token, {});
  // The resident's phone: no account, no cookie, a small screen.
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${BASE}${link.report_link}`);
  const html = await page.content();
  assert.ok(!html.includes(episode.name), 'the full name is not on the page');
  assert.ok(!html.includes(episode.address), 'nor the address');
  await noSidewaysScroll(page);
  await page.fill('#temperature', '366');
  await page.click('button[type=submit]');
  await page.getByText('34.0').first().waitFor();
  await page.fill('#temperature', '36.6');
  await page.click('button[type=submit]');
  await page.locator('#report-result').waitFor();
  assert.match(await page.locator('#report-result').innerText(), /已收到/);
  const { json: after } = await api(`/api/v1/isolations/${episode.id}`, token);
  assert.equal(after.episode.last_temperature, '36.6');
  assert.equal(after.reports.at(-1).entered_by, 'resident');
  await context.close();
});

test('the gate post keeps working offline and sends each queued scan once when the network returns', async () => {
  const { json: session } = await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD });
  const token = session.token;
  const { json: { items: gates } } = await api('/api/v1/gates', token);
  const gate = gates[0];
  const passes = await allPasses(gate.compound_id, token);
  const { json: { items: isolated } } = await api('/api/v1/isolations?status=open&limit=1000', token);
  const usable = passes.filter((p) => !p.revoked && !isolated.some((e) => e.household_id === p.household_id));
  const traffic = async () => (await api(`/api/v1/gates/${gate.id}/traffic`, token)).json.total;
  const before = await traffic();

  const page = await signIn('worker.lingyanli');
  await page.goto(`${BASE}/gates/${gate.id}/post`);
  await noSidewaysScroll(page);
  const scanIn = async (code) => {
    await page.check('input[name=direction][value=in]');
    await page.fill('#code', code);
    for (const k of ['3', '6', '.', '5']) { await page.click(`.key[data-key="${k}"]`); }
    await page.click('#check');
  };
  // This browser cannot read QR codes: no camera button that would do nothing.
  assert.equal(await page.isVisible('#camera'), false);
  // A slip on the keypad (3.65) is pointed out beside the field, not a refusal, and keeps the code.
  await page.check('input[name=direction][value=in]');
  await page.fill('#code', usable[0].code);
  for (const k of ['3', '.', '6', '5']) { await page.click(`.key[data-key="${k}"]`); }
  await page.click('#check');
  await page.locator('#scan-error-temperature:not([hidden])').waitFor();
  assert.match(await page.locator('#scan-error-temperature').innerText(), /34\.0/);
  assert.equal(await page.isVisible('#result'), false);
  assert.equal(await page.inputValue('#code'), usable[0].code);
  await page.fill('#temperature', '');
  // Online: the server's answer, large and green, at the top, saying whose pass it is.
  await scanIn(usable[0].code);
  await page.locator('#result.allowed').waitFor();
  const verdict = await page.locator('#result').innerText();
  assert.match(verdict, /允许通行/);
  assert.match(verdict, /\*\*/, `the masked address: ${verdict}`);
  assert.equal(await page.isVisible('#scan-error-temperature'), false);
  const [top, form] = [await page.locator('#result').boundingBox(), await page.locator('#scan-form').boundingBox()];
  assert.ok(top.y < form.y && top.width >= form.width - 2, 'the verdict is above the form, full width');

  // The network drops: scans are kept on the phone and shown as waiting.
  await page.context().setOffline(true);
  await scanIn(usable[1].code);
  await page.locator('#result.queued').waitFor();
  await scanIn(usable[2].code);
  await page.waitForFunction(() => document.querySelector('#queue-count').textContent === '2');
  assert.match(await page.locator('#queue').innerText(), /进/, 'the direction in words');
  assert.match(await page.locator('#net').innerText(), /网络已断开/);

  // It comes back: the queue drains, and each scan is recorded once.
  await page.context().setOffline(false);
  await page.waitForFunction(() => document.querySelector('#queue-count').textContent === '0', null, { timeout: 15000 });
  const after = await traffic();
  assert.equal(after.entries + after.refused, before.entries + before.refused + 3);
  // Nothing is sent again by a later flush.
  await page.waitForTimeout(5500);
  const later = await traffic();
  assert.deepEqual(later, after);
  await page.context().close();
});

test('a volunteer takes a shift on a phone, checks in when it is about to start and gives their volunteer number for the record', async () => {
  const worker = (await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD })).json.token;
  const community = (await api('/api/v1/areas', worker)).json[0].id;
  // A post whose cover starts ten minutes from now, China time, so check-in is already open.
  const start = new Date(Date.now() + 8 * 3600e3 + 10 * 60e3);
  const day = start.toISOString().slice(0, 10);
  const hhmm = start.toISOString().slice(11, 16);
  const name = `临时卡口 ${hhmm}`;
  const post = await api('/api/v1/posts', worker, {
    area_id: community, name, kind: 'gate', cover_from: hhmm, cover_hours: 4, shift_hours: 4, people: 1,
  });
  assert.equal(post.status, 201, JSON.stringify(post.json));
  assert.equal((await api(`/api/v1/posts/${post.json.id}/shifts`, worker, { from: day, days: 1 })).status, 201);

  // A volunteer of this run, so the demo volunteers' shifts of tomorrow do not limit it.
  const admin = (await api('/api/v1/sessions', null, { username: 'admin', password: PASSWORD })).json.token;
  const username = `vol.run${Date.now() % 100000}`;
  const created = await api('/api/v1/users', admin, {
    username, display_name: '赵志愿', password: PASSWORD, role: 'volunteer', area_id: community,
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const page = await firstSignIn(username);
  await menu(page, '排班');
  await page.goto(`${BASE}/rota?from=${day}&days=1`);
  await noSidewaysScroll(page);
  const row = page.locator('section.card', { hasText: name }).locator('li.shift').first();
  assert.match(await row.getAttribute('class'), /gap/, 'not covered yet: red');
  await row.locator('button', { hasText: '认领这个班次' }).click();
  await page.getByText('已认领班次').waitFor();
  const taken = page.locator('section.card', { hasText: name }).locator('li.shift').first();
  assert.doesNotMatch(await taken.getAttribute('class'), /gap/);
  // Giving the shift up asks first; said no, it stays theirs.
  let asked = null;
  page.once('dialog', async (d) => { asked = d.message(); await d.dismiss(); });
  await taken.locator('button', { hasText: '退出' }).click();
  await page.waitForTimeout(300);
  assert.match(asked ?? '', /退出这个班次/);
  assert.doesNotMatch(await taken.getAttribute('class'), /gap/, 'dismissed: still taken');
  await taken.locator('button', { hasText: '签到' }).click();
  await page.getByText('已签到').waitFor();
  await page.locator('section.card', { hasText: name }).locator('button', { hasText: '签退' }).waitFor();

  // Their record of hours names them by their national volunteer number once they give it.
  await page.click('a[href="/hours/certificate"]');
  await noSidewaysScroll(page);
  await page.fill('#volunteer-number', '12;34');
  await page.click('#volunteer-number-form button');
  await page.locator('#error-number', { hasText: '6 到 32 位' }).waitFor();
  assert.equal(await page.inputValue('#volunteer-number'), '12;34');
  await page.fill('#volunteer-number', 'tj 2020 0815');
  await page.click('#volunteer-number-form button');
  await page.getByText('志愿者编号已保存').waitFor();
  assert.equal(await page.textContent('#cert-number'), 'TJ20200815');
  await page.context().close();
});

test('a resident confirms a delivered errand through the link on a phone', async () => {
  const worker = (await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD })).json.token;
  const community = (await api('/api/v1/areas', worker)).json[0].id;
  const asked = await api('/api/v1/help-requests', worker, {
    area_id: community, address: '5号楼 1单元 101', for_whom: '孙奶奶', needs: '降糖药一盒', urgency: 'today',
  });
  assert.equal(asked.status, 201, JSON.stringify(asked.json));
  const link = asked.json.receipt_link;
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${BASE}${link}`);
  await noSidewaysScroll(page);
  assert.match(await page.textContent('#receipt-status'), /等待志愿者/);
  assert.equal(await page.locator('button', { hasText: '我已收到' }).count(), 0, 'nothing to confirm yet');
  const { id } = asked.json;
  const admin = (await api('/api/v1/sessions', null, { username: 'admin', password: PASSWORD })).json.token;
  const zhang = (await api('/api/v1/users?q=vol.zhanglei', admin)).json.items.find((u) => u.username === 'vol.zhanglei');
  for (const step of [{ step: 'assign', user_id: zhang.id }, { step: 'buy', cost: '18.50' }, { step: 'deliver' }]) {
    const r = await api(`/api/v1/help-requests/${id}/steps`, worker, step);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  await page.reload();
  assert.match(await page.textContent('#receipt-status'), /已送到/);
  await page.click('button:has-text("我已收到")');
  await page.locator('#receipt-confirmed').waitFor();
  const listed = (await api('/api/v1/help-requests', worker)).json.find((h) => h.id === id);
  assert.equal(listed.confirmed, true);
  await context.close();
});

test('someone signs up to volunteer on a phone without an account, and a worker approves them on a phone after not declining', async () => {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${BASE}/volunteer`);
  await noSidewaysScroll(page);
  // A person's name holds no digits: the number that keeps runs apart is written in Chinese numerals.
  const name = `志愿${[...String(Date.now() % 10000)].map((d) => '〇一二三四五六七八九'[d]).join('')}`;
  await page.fill('#v-name', name);
  await page.fill('#v-id', idNumber(1995, 100 + unique()));
  await page.fill('#v-phone', '13900001111');
  await page.selectOption('#v-area', { label: '凌研里社区' });
  await page.check('input[name=skills][value=driving]');
  await page.fill('#v-avail', '周末');
  // Without consent the form comes back with the reason, the answers kept.
  await page.click('button[type=submit].big');
  await page.getByText('请阅读并同意隐私说明').first().waitFor();
  assert.equal(await page.inputValue('#v-name'), name);
  // With consent but a bad phone: the consent stays ticked.
  await page.check('#v-consent');
  await page.fill('#v-phone', '1390000');
  await page.click('button[type=submit].big');
  await page.locator('#error-phone').waitFor();
  assert.equal(await page.getAttribute('#v-phone', 'aria-invalid'), 'true');
  assert.equal(await page.isChecked('#v-consent'), true, 'consent is kept');
  await page.fill('#v-phone', '13900001111');
  await page.click('button[type=submit].big');
  await page.locator('#apply-done').waitFor();
  // The status link is the whole address and fits the phone.
  assert.match(await page.getAttribute('#status-link', 'href'), /^https?:\/\/.+\/v\//);
  await noSidewaysScroll(page);
  await context.close();

  const worker = (await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD })).json.token;
  const { items: pending } = (await api('/api/v1/volunteers/applications?status=pending', worker)).json;
  const mine = pending.find((a) => a.name === name);
  assert.ok(mine, 'the application reached the community worker');
  assert.deepEqual(mine.skills, ['driving']);

  // The worker decides on a phone: declining asks first, and saying no to the question keeps
  // the application waiting; approving shows the new account's first password once.
  const vetter = await signIn('worker.lingyanli');
  await vetter.goto(`${BASE}/volunteers?q=${encodeURIComponent(name)}`);
  const card = vetter.locator(`li[data-application="${mine.id}"]`);
  let asked = '';
  vetter.once('dialog', async (d) => { asked = d.message(); await d.dismiss(); });
  await card.locator('button[value=decline]').click();
  assert.equal(asked, '确定不通过这份申请吗？');
  assert.equal(await card.count(), 1, 'still waiting');
  await card.locator('button[value=approve]').click();
  await vetter.locator('#new-account').waitFor();
  const [username, password] = await vetter.locator('#new-account b.mono').allTextContents();
  assert.equal(await vetter.locator(`li[data-application="${mine.id}"]`).count(), 0, 'decided');
  await noSidewaysScroll(vetter);
  await vetter.context().close();
  const session = await api('/api/v1/sessions', null, { username, password });
  assert.equal(session.status, 201);
});

test('a volunteer claims an errand on a phone, records what it cost and delivers it', async () => {
  const worker = (await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD })).json.token;
  const community = (await api('/api/v1/areas', worker)).json[0].id;
  const needs = `退烧药${Date.now() % 10000}`;
  const asked = await api('/api/v1/help-requests', worker, {
    area_id: community, address: '6号楼 2单元 202', for_whom: '周爷爷', needs, urgency: 'urgent',
  });
  assert.equal(asked.status, 201, JSON.stringify(asked.json));
  const page = await signIn('vol.wangfang');
  await menu(page, '代买代办');
  await page.waitForURL(/\/errands/);
  await noSidewaysScroll(page);
  const card = page.locator(`li[data-errand="${asked.json.id}"]`);
  await card.locator('button', { hasText: '我来跑腿' }).click();
  await page.waitForURL(/done=claim/);
  assert.match(await page.textContent('#errand-message'), /已接单/);
  // A cost with three decimals is refused in words; two are kept.
  await card.locator('input[name=cost]').fill('12.345');
  await card.locator('button', { hasText: '已买到' }).click();
  await page.waitForURL(/\/buy$/);
  assert.match(await page.textContent('#errand-message'), /金额/);
  await card.locator('input[name=cost]').fill('12.30');
  await card.locator('button', { hasText: '已买到' }).click();
  await page.waitForURL(/done=buy/);
  await card.locator('button', { hasText: '已送到' }).click();
  await page.waitForURL(/done=deliver/);
  const listed = (await api('/api/v1/help-requests', worker)).json.find((h) => h.id === asked.json.id);
  assert.equal(listed.status, 'delivered');
  assert.equal(listed.cost, '12.30');
  await page.context().close();
});

// A member of 若水 (which took on gate duty in 凌研里), deployed there by its admin: [username, id].
async function ruoshuiMember(displayName) {
  const org = (await api('/api/v1/sessions', null, { username: 'org.ruoshui', password: PASSWORD })).json.token;
  const { json: orgs } = await api('/api/v1/organizations', org);
  const ruoshui = orgs.items.find((o) => o.name === '天津市若水社会工作服务中心');
  const username = `vol.rs${Date.now() % 1000000}`;
  const created = await api('/api/v1/users', org, {
    username, display_name: displayName, password: PASSWORD, role: 'volunteer', organization_id: ruoshui.id,
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const worker = (await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD })).json.token;
  const community = (await api('/api/v1/areas', worker)).json[0].id;
  const deployed = await api(`/api/v1/organizations/${ruoshui.id}/members/${created.json.id}/deployments`, org, { area_id: community });
  assert.equal(deployed.status, 201, JSON.stringify(deployed.json));
  return { username, id: created.json.id, worker, community };
}

test('a volunteer of a linked organization checks in on a phone and scans at the gate of the post', async () => {
  const { username, id, worker } = await ruoshuiMember('钱志愿');
  const { json: { items: gates } } = await api('/api/v1/gates', worker);
  const gate = gates[0];
  // A gate post at that gate whose cover starts ten minutes from now, China time.
  const start = new Date(Date.now() + 8 * 3600e3 + 10 * 60e3);
  const day = start.toISOString().slice(0, 10);
  const hhmm = start.toISOString().slice(11, 16);
  const name = `联动卡口 ${hhmm}`;
  const post = await api('/api/v1/posts', worker, {
    area_id: gate.compound_id, name, kind: 'gate', cover_from: hhmm, cover_hours: 4, shift_hours: 4, people: 1, gate_id: gate.id,
  });
  assert.equal(post.status, 201, JSON.stringify(post.json));
  assert.equal((await api(`/api/v1/posts/${post.json.id}/shifts`, worker, { from: day, days: 1 })).status, 201);
  const { json: rota } = await api(`/api/v1/shifts?area=${gate.compound_id}&from=${day}&days=1`, worker);
  const shift = rota.posts.find((p) => p.post.id === post.json.id).shifts[0];
  assert.equal((await api(`/api/v1/shifts/${shift.id}/assign`, worker, { user_id: id })).status, 204);
  const passes = await allPasses(gate.compound_id, worker);
  const { json: { items: isolated } } = await api('/api/v1/isolations?status=open&limit=1000', worker);
  const usable = passes.filter((p) => !p.revoked && !isolated.some((e) => e.household_id === p.household_id));

  const page = await firstSignIn(username);
  await page.goto(`${BASE}/rota?area=${gate.compound_id}&from=${day}&days=1`);
  await noSidewaysScroll(page);
  await page.locator('section.card', { hasText: name }).locator('button', { hasText: '签到' }).click();
  // Checked in, the phone is at that gate's post.
  await page.waitForURL(`${BASE}/gates/${gate.id}/post`);
  await noSidewaysScroll(page);
  await page.check('input[name=direction][value=in]');
  await page.fill('#code', usable[0].code);
  for (const k of ['3', '6', '.', '4']) { await page.click(`.key[data-key="${k}"]`); }
  await page.click('#check');
  await page.locator('#result.allowed').waitFor();
  assert.match(await page.locator('#result').innerText(), /允许通行/);
  // Another gate is not theirs.
  const other = gates.find((g) => g.id !== gate.id);
  const response = await page.goto(`${BASE}/gates/${other.id}/post`);
  assert.equal(response.status(), 404);
  await page.context().close();
});

test("an organization's admin answers a community's need with a member on a phone", async () => {
  const { username } = await ruoshuiMember('孙志愿');
  const page = await signIn('org.ruoshui');
  await page.goto(`${BASE}/needs`);
  await noSidewaysScroll(page);
  const row = page.locator('tr.need', { hasText: '夜班卡口' }).first();
  const before = await row.locator('td').nth(2).innerText();
  await row.locator('a').first().click();
  await page.waitForURL(/\/needs\/[0-9a-f]+$/);
  await noSidewaysScroll(page);
  await page.locator('label.check', { hasText: '孙志愿' }).locator('input').check();
  await page.fill('input[name=note]', '孙志愿 第一晚起');
  await page.click('form[id^=commit-] button[type=submit]');
  await page.waitForURL(/\/needs\/[0-9a-f]+$/);
  const committed = await page.locator('#committed').innerText();
  assert.notEqual(committed, before, `${before} → ${committed}`);
  assert.match(committed, /^\d+ \/ 4$/);
  assert.ok(await page.getByText('孙志愿 第一晚起').isVisible());
  assert.ok(username);
  await page.context().close();
});

test('cancelling an errand asks first, and pages raise no policy errors', async () => {
  const worker = (await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD })).json.token;
  const community = (await api('/api/v1/areas', worker)).json[0].id;
  const asked = await api('/api/v1/help-requests', worker, {
    area_id: community, address: '7号楼 1单元 101', for_whom: '吴奶奶', needs: `口罩${Date.now() % 10000}`, urgency: 'today',
  });
  assert.equal(asked.status, 201, JSON.stringify(asked.json));
  const page = await signIn('worker.lingyanli');
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  for (const path of ['/', '/needs', '/notices', '/linkage-map', '/organizations', '/rota']) {
    await page.goto(`${BASE}${path}`);
  }
  await page.goto(`${BASE}/errands`);
  const card = page.locator(`li[data-errand="${asked.json.id}"]`);
  await card.locator('summary', { hasText: '取消请求' }).click();
  await card.locator('input[name=reason]').fill('家人已买到');
  // Said no: nothing happens.
  let asked_ = null;
  page.once('dialog', async (d) => { asked_ = d.message(); await d.dismiss(); });
  await card.locator('button', { hasText: '取消请求' }).click();
  await page.waitForTimeout(300);
  assert.equal(asked_, '确定取消这个请求吗？');
  let listed = (await api('/api/v1/help-requests', worker)).json.find((h) => h.id === asked.json.id);
  assert.notEqual(listed.status, 'cancelled', 'dismissed: not cancelled');
  // Said yes: cancelled.
  page.once('dialog', (d) => d.accept());
  await card.locator('button', { hasText: '取消请求' }).click();
  await page.waitForURL(/done=cancel|\/errands/);
  await page.waitForTimeout(300);
  listed = (await api('/api/v1/help-requests', worker)).json.find((h) => h.id === asked.json.id);
  assert.equal(listed.status, 'cancelled');
  assert.deepEqual(problems, [], problems.join('\n'));
  await page.context().close();
});

test('a worker reissues a lost pass from its building\'s page on a phone, and the old one stops at once', async () => {
  const worker = (await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD })).json.token;
  const gate = (await api('/api/v1/gates', worker)).json.items[0];
  const page = await signIn('worker.lingyanli');
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`); });
  await page.goto(`${BASE}/areas/${gate.compound_id}/passes`);
  await page.locator('#pass-buildings a').first().click();
  await page.locator('tr.pass-row').first().waitFor();
  await noSidewaysScroll(page);
  const rows = await page.locator('tr.pass-row').count();
  assert.ok(rows > 0 && rows <= 50, `${rows} passes on one page`);
  assert.equal(await page.locator('svg').count(), 0, 'no QR codes on the list');
  if (await page.isVisible('#next-page')) {
    await page.click('#next-page');
    await page.locator('tr.pass-row').first().waitFor();
  }
  const row = page.locator('tr.pass-row').filter({ hasNot: page.locator('.tag') }).last();
  const id = await row.getAttribute('data-pass');
  const oldCode = (await row.locator('.mono').innerText()).trim();
  let asked = null;
  page.once('dialog', async (d) => { asked = d.message(); await d.accept(); });
  await row.locator('button', { hasText: '补发' }).click();
  await page.waitForURL(/\/passes\/print\?pass=/);
  assert.match(asked, /作废旧证/);
  assert.equal(await page.locator('.pass-card').count(), 1);
  const newCode = (await page.locator('.pass-card .code').innerText()).trim();
  assert.notEqual(newCode, oldCode);
  await noSidewaysScroll(page);
  const passes = await allPasses(gate.compound_id, worker);
  assert.equal(passes.find((p) => p.id === id).revoked, true, 'the old pass is revoked');
  assert.equal(passes.find((p) => p.code === newCode).revoked, false);
  assert.deepEqual(problems, [], problems.join('\n'));
  await page.context().close();
});

test('each role\'s home page on a phone says what to do now', async () => {
  for (const [user, shown, absent] of [
    ['worker.lingyanli', '#home-tasks', '#home-shifts'],
    ['vol.zhanglei', '#home-shifts', '#home-tasks'],
    ['org.ruoshui', '#home-organization', '#home-shifts'],
  ]) {
    const page = await signIn(user);
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`${user}: ${m.text()}`); });
    await page.reload();
    await page.locator(shown).waitFor();
    assert.equal(await page.locator(absent).count(), 0, `${user} sees no ${absent}`);
    await noSidewaysScroll(page);
    if (user === 'worker.lingyanli') {
      // Each tile leads to where it is acted on.
      await page.click('[data-task="home-alerts"]');
      await page.waitForURL(/\/alerts$/);
    } else {
      assert.equal(await page.locator('form[action="/residents"]').count(), 0, `${user} keeps no registry`);
    }
    if (user === 'org.ruoshui') {
      // An organization vets those who name it, and keeps no front line.
      assert.equal(await page.locator('#home-tasks [data-task="home-applications"]').count(), 1);
      assert.equal(await page.locator('#home-tasks [data-task="home-alerts"]').count(), 0);
    }
    if (user === 'vol.zhanglei') {
      assert.match(await page.locator('#home-shifts').innerText(), /南门/);
      assert.match(await page.locator('#home-serves').innerText(), /凌研里社区/);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    await page.context().close();
  }
});

test('an alert on a phone says whom it is about and leads to its subject', async () => {
  const page = await signIn('worker.lingyanli');
  await page.goto(`${BASE}/alerts`);
  const row = page.locator('table.cards tbody tr').filter({ has: page.locator('.alert-who') }).first();
  await row.waitFor();
  // Whom (masked), and no half-day codes anywhere on the list.
  assert.match(await row.locator('.alert-who').innerText(), /\*|号/);
  assert.doesNotMatch(await page.locator('table.cards').innerText(), /\d-(am|pm)\b/);
  await row.locator('a').first().click();
  await page.waitForURL(/\/alerts\/[0-9a-f]{32}$/);
  await noSidewaysScroll(page);
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.click('dd a:has-text("查看")'),
  ]);
  assert.equal(response.status(), 200, `the subject page opens: ${page.url()}`);
  assert.match(page.url(), /\/(isolations|households)\/[0-9a-f]{32}$/);
  await page.context().close();
});

test('the errand and visitor forms keep what was typed after a bad field, the reason beside it', async () => {
  const page = await signIn('worker.lingyanli');
  await page.goto(`${BASE}/errands`);
  await page.fill('#errand-address', '7号楼 1单元 101');
  await page.fill('#errand-for-whom', '吴奶奶');
  await page.fill('#errand-needs', '降压药一盒');
  await page.check('#errand-form input[name=urgency][value=today]');
  await page.fill('#errand-contact', '123');
  await page.click('#errand-form button[type=submit]');
  await page.locator('#error-contact').waitFor();
  assert.equal(await page.getAttribute('#errand-contact', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#errand-address'), '7号楼 1单元 101');
  assert.equal(await page.inputValue('#errand-for-whom'), '吴奶奶');
  assert.equal(await page.inputValue('#errand-needs'), '降压药一盒');
  assert.equal(await page.isChecked('#errand-form input[name=urgency][value=today]'), true);
  await noSidewaysScroll(page);

  const worker = (await api('/api/v1/sessions', null, { username: 'worker.lingyanli', password: PASSWORD })).json.token;
  const gate = (await api('/api/v1/gates', worker)).json.items[0];
  await page.goto(`${BASE}/gates/${gate.id}/post`);
  await page.click('#visitor summary');
  await page.fill('#visitor-name', '快递员小李');
  await page.fill('#visitor-phone', '13900002222');
  await page.fill('#visitor-temperature', '3.65');
  await page.fill('#visitor-reason', '送快递');
  await page.click('#visitor button[type=submit]');
  await page.locator('#error-temperature').waitFor();
  assert.equal(await page.inputValue('#visitor-name'), '快递员小李');
  assert.equal(await page.inputValue('#visitor-reason'), '送快递');
  assert.equal(await page.inputValue('#visitor-temperature'), '3.65');
  await page.context().close();
});

test('a team leader books a member into an open shift from the team page on a phone', async () => {
  const page = await signIn('vol.wangfang');
  await page.click('#home-teams a');
  await page.waitForURL(/\/teams\/[0-9a-f]{32}$/);
  await noSidewaysScroll(page);
  assert.match(await page.locator('#team-members').innerText(), /王芳/);
  const options = page.locator('#team-shift option');
  assert.ok((await options.count()) > 0, 'open shifts of the coming week are offered');
  const chosen = await options.last().getAttribute('value');
  await page.selectOption('#team-shift', chosen);
  await page.click('#team-book button[type=submit]');
  await page.waitForLoadState();
  if (await page.isVisible('#team-message')) {
    // Booked: the member's shifts now hold it, and it is no longer offered if full.
    assert.match(await page.locator('#team-message').innerText(), /已为组员排上班次/);
  } else {
    // Refused by the limits: the reason sits under the field and the choice is kept.
    await page.locator('#team-book .field-error').first().waitFor();
    assert.equal(await page.inputValue('#team-shift'), chosen);
  }
  await page.context().close();
});

test("an organization's admin makes a team on a phone and commits it to a community's need", async () => {
  const n = Date.now() % 100000;
  const first = await ruoshuiMember(`郑${'〇一二三四五六七八九'[n % 10]}队`);
  const second = await ruoshuiMember(`钱${'〇一二三四五六七八九'[(n + 1) % 10]}队`);
  const org = (await api('/api/v1/sessions', null, { username: 'org.ruoshui', password: PASSWORD })).json.token;
  const ruoshui = (await api('/api/v1/organizations', org)).json.items.find((o) => o.name === '天津市若水社会工作服务中心');
  const page = await signIn('org.ruoshui');
  await page.goto(`${BASE}/organizations/${ruoshui.id}`);
  await page.click('summary:has-text("新建小组")');
  const name = `夜班${n}组`;
  await page.fill('#team-name', name);
  await page.selectOption('#team-leader', first.id);
  await page.check(`#team-new input[name=member_ids][value="${first.id}"]`);
  await page.check(`#team-new input[name=member_ids][value="${second.id}"]`);
  await page.click('#team-new button[type=submit]');
  await page.waitForURL(/\/teams\/[0-9a-f]{32}$/);
  assert.equal(await page.locator('#team-members li').count(), 2);
  await noSidewaysScroll(page);

  await page.goto(`${BASE}/needs`);
  const row = page.locator('tr.need', { hasText: '夜班卡口' }).first();
  await row.locator('a').first().click();
  await page.waitForURL(/\/needs\/[0-9a-f]+$/);
  const before = await page.locator('#committed').innerText();
  const form = page.locator(`form#commit-${ruoshui.id}`);
  await form.locator('select[name=team_id]').selectOption({ label: `${name} (2)` });
  await form.locator('input[name=note]').fill(`${name} 全组`);
  await form.locator('button[type=submit]').click();
  await page.waitForURL(/\/needs\/[0-9a-f]+$/);
  const committed = await page.locator('#committed').innerText();
  assert.notEqual(committed, before, `${before} → ${committed}`);
  assert.ok(await page.getByText(`${name} 全组`).isVisible());
  await noSidewaysScroll(page);
  await page.context().close();
});

test('an administrator adds a role to a user from their row on a phone', async () => {
  const admin = (await api('/api/v1/sessions', null, { username: 'admin', password: PASSWORD })).json.token;
  const username = `grant.run${Date.now() % 100000}`;
  const made = await api('/api/v1/users', admin, {
    username, display_name: '钱助理', password: PASSWORD, role: 'volunteer', organization_id: null,
    area_id: (await api('/api/v1/areas', admin)).json[0].id,
  });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const page = await signIn('admin');
  await page.goto(`${BASE}/users?q=${username}`);
  await noSidewaysScroll(page);
  const row = page.locator('tr', { hasText: username });
  assert.equal(await page.locator('#add-grant').count(), 0, 'no form until a row asks for one');
  await row.locator('a', { hasText: '添加角色' }).click();
  await page.locator('#add-grant').waitFor();
  await noSidewaysScroll(page);
  // Without a place the form says why, beside the place, and stays open for the same person.
  await page.selectOption('#grant-role', 'community_worker');
  await page.click('#add-grant button[type=submit]');
  await page.locator('#add-grant #error-area_id', { hasText: '管辖区域' }).waitFor();
  assert.match(await page.textContent('#add-grant h2'), new RegExp(username));
  await page.selectOption('#grant-role', 'community_worker');
  await page.selectOption('#grant-area', { label: '凌研里社区' });
  await page.click('#add-grant button[type=submit]');
  await page.waitForURL(`${BASE}/users?q=${username}`);
  assert.match(await page.locator('tr', { hasText: username }).textContent(), /社区工作者 @ 凌研里社区/);
  await page.context().close();
});

test("a worker sends up the last fourteen days' arrivals as a workbook on a phone", async () => {
  const page = await signIn('worker.lingyanli');
  await page.goto(`${BASE}/arrivals`);
  await page.click('#trace-fortnight');
  await page.waitForURL(/\/arrivals\?from=\d{4}-\d{2}-\d{2}$/);
  assert.match(await page.textContent('#trace-total'), /共 [1-9]\d* 条/, 'the demo has arrivals this fortnight');
  await noSidewaysScroll(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#trace-export')]);
  assert.match(download.suggestedFilename(), /^arrivals-\d{8}\.xlsx$/);
  // A period typed backwards is told beside its last day, with no workbook to take.
  await page.fill('input[name=from]', '2020-02-10');
  await page.fill('input[name=to]', '2020-01-25');
  await page.click('form[role=search] button');
  await page.locator('#error-to', { hasText: '结束日期不能早于开始日期' }).waitFor();
  assert.equal(await page.locator('#trace-export').count(), 0);
  await page.context().close();
});
