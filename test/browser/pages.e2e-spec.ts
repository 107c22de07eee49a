import { existsSync, mkdirSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, createUser, TestUser, tokenLogin } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs the chromium package`);
const describeInBrowser = available ? describe : describe.skip;
if (!available) console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

describeInBrowser('web pages in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  let screenshots = 0;
  afterEach(async () => {
    screenshots += 1;
    const name = `${String(screenshots).padStart(2, '0')}-${expect.getState().currentTestName!.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(22, 90)}`;
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    await context.close();
  });

  async function signInThroughForm(p: Page, user: TestUser, options: { rememberMe?: boolean; password?: string } = {}) {
    await p.goto(`${base}/login`);
    await p.getByLabel('Username or email').fill(user.username);
    await p.getByLabel('Password').fill(options.password ?? user.password);
    if (options.rememberMe) await p.getByLabel('Remember me').check();
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  it('signs up and lands on the account page', async () => {
    await page.goto(`${base}/register`);
    await page.getByLabel('Username').fill('browser_ada');
    await page.getByLabel('Email').fill('browser_ada@example.com');
    await page.getByLabel('Password').fill('lovelace analytical engine');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/account`);
    await expect(page.locator('#account-username').textContent()).resolves.toBe('browser_ada');
    await expect(page.getByText('this device').count()).resolves.toBe(1);
  });

  it('signs out, and the account page then sends to the sign-in page', async () => {
    const user = await createUser(t);
    await signInThroughForm(page, user);
    await page.waitForURL(`${base}/account`);
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL(/\/login/);
    await expect(page.getByText('You are signed out.').count()).resolves.toBe(1);
    await page.goto(`${base}/account`);
    expect(page.url()).toBe(`${base}/login?next=/account`);
  });

  it('shows a wrong password on the page, then signs in with "Remember me" in a persistent cookie', async () => {
    const user = await createUser(t);
    await signInThroughForm(page, user, { password: 'not my password' });
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Invalid username or password.');
    await expect(page.getByLabel('Username or email').inputValue()).resolves.toBe(user.username);
    await expect(page.getByLabel('Password').inputValue()).resolves.toBe('');

    await page.getByLabel('Password').fill(user.password);
    await page.getByLabel('Remember me').check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/account`);
    const sid = (await context.cookies()).find((cookie) => cookie.name === 'sid')!;
    expect(sid.httpOnly).toBe(true);
    expect(sid.sameSite).toBe('Lax');
    expect(sid.expires * 1000 - Date.now()).toBeGreaterThan(13 * 86400 * 1000);
  });

  it('stays signed in across a browser restart with "Remember me", and not without it', async () => {
    /** What a browser keeps when it restarts: persistent cookies only. */
    const afterRestart = async (ctx: BrowserContext) => {
      const state = await ctx.storageState();
      return { ...state, cookies: state.cookies.filter((cookie) => cookie.expires > 0) };
    };

    const remembered = await createUser(t);
    await signInThroughForm(page, remembered, { rememberMe: true });
    await page.waitForURL(`${base}/account`);
    const restarted = await browser.newContext({ storageState: await afterRestart(context) });
    const again = await restarted.newPage();
    await again.goto(`${base}/account`);
    expect(again.url()).toBe(`${base}/account`);
    await expect(again.locator('#account-username').textContent()).resolves.toBe(remembered.username);
    await restarted.close();

    const forgotten = await createUser(t);
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await signInThroughForm(otherPage, forgotten);
    await otherPage.waitForURL(`${base}/account`);
    const restartedAgain = await browser.newContext({ storageState: await afterRestart(other) });
    const gone = await restartedAgain.newPage();
    await gone.goto(`${base}/account`);
    expect(gone.url()).toBe(`${base}/login?next=/account`);
    await Promise.all([other.close(), restartedAgain.close()]);
  });

  it('ends a second session (an API login) from the account page, and its token is refused', async () => {
    const user = await createUser(t);
    const phone = await tokenLogin(t, user, 'Phone from the API');
    await signInThroughForm(page, user);
    await page.waitForURL(`${base}/account`);
    const row = page.locator(`li[data-session-id="${phone.sessionId}"]`);
    await expect(row.textContent()).resolves.toContain('Phone from the API');
    await row.getByRole('button', { name: 'End session' }).click();
    await page.waitForURL(`${base}/account?done=session-ended`);
    await expect(page.locator(`li[data-session-id="${phone.sessionId}"]`).count()).resolves.toBe(0);
    const res = await request(t.server).get('/auth/me').set(...bearer(phone.accessToken));
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'session_revoked' });
  });

  it('changes the password from the page', async () => {
    const user = await createUser(t);
    await signInThroughForm(page, user);
    await page.waitForURL(`${base}/account`);
    await page.getByLabel('Current password').fill('not the current one');
    await page.getByLabel('New password').fill('a completely new phrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('current password is not right');

    await page.getByLabel('Current password').fill(user.password);
    await page.getByLabel('New password').fill('a completely new phrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(`${base}/account?done=password-changed`);
    await request(t.server).post('/auth/token').send({ username: user.username, password: user.password }).expect(401);
    await tokenLogin(t, { ...user, password: 'a completely new phrase' });
  });

  it.each(['https://evil.example/', '//evil.example/', '/\\evil.example/'])('stays on this site after sign-in with next=%s', async (next) => {
    const user = await createUser(t);
    await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/account`);
    expect(new URL(page.url()).host).toBe(new URL(base).host);
  });
});
