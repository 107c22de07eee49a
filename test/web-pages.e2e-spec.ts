import request from 'supertest';
import { createUser, setCookieLine, signIn, tokenLogin, bearer } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

/** A page's CSRF token and the cookie that goes with it, as a browser would hold them. */
async function formSession(t: TestApp, path = '/login') {
  const agent = request.agent(t.server);
  const page = await agent.get(path).expect(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
  return { agent, csrf, page };
}

describe('web pages (HTML)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('GET /login serves the form with its CSRF field, labels and autocomplete hints', async () => {
    const { page } = await formSession(t);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toMatch(/<input type="hidden" name="_csrf" value="[^"]{40,}">/);
    expect(page.text).toMatch(/<label for="username">/);
    expect(page.text).toMatch(/autocomplete="username"/);
    expect(page.text).toMatch(/autocomplete="current-password"/);
    expect(page.text).toMatch(/name="rememberMe"/);
    expect(page.text).not.toMatch(/https?:\/\/(?!localhost)/); // nothing loaded from elsewhere
    await request(t.server).get('/assets/authkit.css').expect(200).expect('Content-Type', /css/);
  });

  it('GET /register serves the sign-up form with new-password', async () => {
    const { page } = await formSession(t, '/register');
    expect(page.text).toMatch(/autocomplete="new-password"/);
    expect(page.text).toMatch(/name="_csrf"/);
  });

  it('GET /account without a session redirects to /login?next=/account', async () => {
    const res = await request(t.server).get('/account').expect(302);
    expect(res.headers.location).toBe('/login?next=/account');
  });

  it('POST /login without the CSRF field is refused (403) and signs nobody in', async () => {
    const user = await createUser(t);
    const { agent } = await formSession(t);
    const res = await agent.post('/login').type('form').send({ username: user.username, password: user.password }).expect(403);
    expect(setCookieLine(res.headers['set-cookie'], 'sid')).toBeUndefined();
  });

  it('a failed sign-in re-renders the form with the error and the username, never the password', async () => {
    const user = await createUser(t);
    const { agent, csrf } = await formSession(t);
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrf, username: user.username, password: 'Wrong-Secret-123' })
      .expect(401);
    expect(res.text).toContain('Invalid username or password.');
    expect(res.text).toContain(`value="${user.username}"`);
    expect(res.text).not.toContain('Wrong-Secret-123');
  });

  it('a successful sign-in redirects (303) to /account, or to a safe local next', async () => {
    const user = await createUser(t);
    let { agent, csrf } = await formSession(t);
    let res = await agent.post('/login').type('form').send({ _csrf: csrf, username: user.username, password: user.password }).expect(303);
    expect(res.headers.location).toBe('/account');
    const account = await agent.get('/account').expect(200);
    expect(account.text).toContain(user.username);
    expect(account.text).toContain('this device');

    ({ agent, csrf } = await formSession(t));
    res = await agent.post('/login').type('form').send({ _csrf: csrf, username: user.username, password: user.password, next: '/account?tab=x' }).expect(303);
    expect(res.headers.location).toBe('/account?tab=x');
  });

  it.each(['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)'])(
    'never redirects off-site after sign-in (next=%s)',
    async (next) => {
      const user = await createUser(t);
      const { agent, csrf } = await formSession(t, `/login?next=${encodeURIComponent(next)}`);
      const res = await agent.post('/login').type('form').send({ _csrf: csrf, username: user.username, password: user.password, next }).expect(303);
      expect(res.headers.location).toBe('/account');
    },
  );

  it('shows the brute-force lockout as a human message with the wait time', async () => {
    const user = await createUser(t);
    const { agent, csrf } = await formSession(t);
    for (let i = 0; i < 5; i++) {
      await agent.post('/login').type('form').send({ _csrf: csrf, username: user.username, password: 'nope nope nope' }).expect(401);
    }
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, username: user.username, password: user.password }).expect(429);
    expect(res.text).toMatch(/Too many failed sign-in attempts\. Try again in \d+ minutes\./);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('sign-up shows the API validation messages, keeps the fields, and signs the new user in', async () => {
    const { agent, csrf } = await formSession(t, '/register');
    const bad = await agent.post('/register').type('form').send({ _csrf: csrf, username: 'x', email: 'not-email', password: 'password' }).expect(400);
    expect(bad.text).toContain('username must be longer than or equal to 3 characters');
    expect(bad.text).toContain('email must be a valid email address');
    expect(bad.text).toContain('value="not-email"');
    const common = await agent.post('/register').type('form').send({ _csrf: csrf, username: 'webby', email: 'webby@example.com', password: 'password1' }).expect(400);
    expect(common.text).toContain('too common');
    const ok = await agent.post('/register').type('form').send({ _csrf: csrf, username: 'webby', email: 'webby@example.com', password: 'a fine new passphrase' }).expect(303);
    expect(ok.headers.location).toBe('/account');
    expect((await agent.get('/account').expect(200)).text).toContain('webby');
    const taken = await formSession(t, '/register');
    const dup = await taken.agent.post('/register').type('form').send({ _csrf: taken.csrf, username: 'WEBBY', email: 'w2@example.com', password: 'a fine new passphrase' }).expect(409);
    expect(dup.text).toContain('already exists');
  });

  it('the account page lists both kinds of session and every form carries the CSRF token', async () => {
    const user = await createUser(t);
    const browser = await signIn(t, user);
    const phone = await tokenLogin(t, user, 'Test phone');
    const page = await browser.agent.get('/account').expect(200);
    expect(page.text).toContain('Test phone');
    expect(page.text).toContain(`data-session-id="${phone.sessionId}"`);
    const forms = page.text.match(/<form [^>]*method="post"[\s\S]*?<\/form>/g)!;
    expect(forms.length).toBeGreaterThanOrEqual(5);
    for (const form of forms) expect(form).toMatch(/name="_csrf" value="[^"]{40,}"/);

    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    await browser.agent.post(`/account/sessions/${phone.sessionId}/end`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await request(t.server).get('/auth/me').set(...bearer(phone.accessToken))).status).toBe(401);
    await browser.agent.post(`/account/sessions/${phone.sessionId}/end`).type('form').send({}).expect(403);
  });
});

describe('the account page’s change-password form under the brute-force limit', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('after 5 wrong current passwords shows how long to wait (429), not a JSON error', async () => {
    const user = await createUser(t);
    const browser = await signIn(t, user);
    const account = await browser.agent.get('/account').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(account.text)![1];
    const change = (currentPassword: string) =>
      browser.agent.post('/account/password').type('form').send({ _csrf: csrf, currentPassword, newPassword: 'A brand new passphrase' });
    for (let i = 0; i < 5; i++) expect((await change(`wrong guess ${i}`)).status).toBe(401);
    const res = await change(user.password).expect(429);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toMatch(/Too many wrong passwords\. Try again in \d+ minutes\./);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});
