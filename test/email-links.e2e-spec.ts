import { Logger } from '@nestjs/common';
import request from 'supertest';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { EmailLinkToken } from '../src/email-links/email-link-token.entity';
import { EmailLinkTokens } from '../src/email-links/email-link-tokens.service';
import { hashSecret } from '../src/sessions/secret-hash';
import { Session } from '../src/sessions/session.entity';
import { User } from '../src/users/user.entity';
import { bearer, createUser, flushAudit, newBrowser, setCookieLine, signIn, tokenLogin, TestUser } from './helpers/factories';
import { linkToken, Mailbox } from './helpers/mailbox';
import { startTestApp, TestApp } from './helpers/test-app';

const APP_URL = 'https://auth.example.test';

async function startWithMailbox(env: Record<string, string> = {}): Promise<{ t: TestApp; mailbox: Mailbox }> {
  const mailbox = await Mailbox.start();
  const t = await startTestApp({ SMTP_URL: mailbox.smtpUrl, APP_URL, MAIL_FROM: 'authkit <auth@example.test>', ...env });
  return { t, mailbox };
}

/** Starts an app with a mailbox before the tests of the enclosing describe, and stops both after. */
function withMailboxApp(env: Record<string, string>, set: (started: { t: TestApp; mailbox: Mailbox }) => void): void {
  let started: { t: TestApp; mailbox: Mailbox } | undefined;
  beforeAll(async () => set((started = await startWithMailbox(env))));
  afterAll(async () => {
    await started?.t.close();
    await started?.mailbox.close();
  });
}

const tokenRows = (t: TestApp, userId: string) => t.db.getRepository(EmailLinkToken).findBy({ userId });
const userRow = (t: TestApp, id: string) => t.db.getRepository(User).findOneByOrFail({ id });

describe('password reset (POST /auth/password/forgot, /auth/password/reset)', () => {
  let t: TestApp;
  let mailbox: Mailbox;
  withMailboxApp({ EMAIL_LINK_LIMIT: '0' }, (started) => ({ t, mailbox } = started));

  async function forgot(email: string): Promise<void> {
    await request(t.server).post('/auth/password/forgot').send({ email }).expect(202);
  }

  /** Asks for a reset link for `user` and returns the token of the email that arrived. */
  async function resetToken(user: TestUser): Promise<string> {
    const before = (await mailbox.to(t, user.email)).length;
    await forgot(user.email);
    const mails = await mailbox.to(t, user.email);
    expect(mails).toHaveLength(before + 1);
    return linkToken(mails[mails.length - 1], '/reset-password');
  }

  const reset = (token: string, newPassword: string) => request(t.server).post('/auth/password/reset').send({ token, newPassword });

  it('answers 202 for an address nobody has, and sends and stores nothing', async () => {
    const before = mailbox.received.length;
    await forgot('nobody-here@example.com');
    await mailbox.to(t, 'nobody-here@example.com');
    expect(mailbox.received).toHaveLength(before);
    expect(await t.db.getRepository(EmailLinkToken).countBy({ email: 'nobody-here@example.com' })).toBe(0);
  });

  it('rejects a malformed address with 400 validation_failed', async () => {
    const res = await request(t.server).post('/auth/password/forgot').send({ email: 'not-an-address' }).expect(400);
    expect(res.body).toMatchObject({ code: 'validation_failed', message: [expect.stringMatching(/^email/)] });
    await request(t.server).post('/auth/password/forgot').send({ email: 'a@example.com', extra: 1 }).expect(400);
  });

  it('sends nothing for a disabled account', async () => {
    const user = await createUser(t);
    await t.db.getRepository(User).update({ id: user.id }, { disabled: true });
    await forgot(user.email);
    expect((await mailbox.to(t, user.email)).filter((mail) => /reset/i.test(mail.subject))).toHaveLength(0);
  });

  it('emails a single-use link at APP_URL, from MAIL_FROM, to the address whatever its case; only its hash is stored', async () => {
    const user = await createUser(t);
    await forgot(user.email.toUpperCase());
    const [mail] = (await mailbox.to(t, user.email)).filter((m) => /reset/i.test(m.subject));
    expect(mail).toMatchObject({ from: '"authkit" <auth@example.test>', subject: 'Reset your password' });
    expect(mail.text).toContain(`${APP_URL}/reset-password?token=`);
    expect(mail.text).toContain('within 1 hour');
    const token = linkToken(mail, '/reset-password');
    const rows = (await tokenRows(t, user.id)).filter((row) => row.purpose === 'password_reset');
    expect(rows).toHaveLength(1);
    expect(rows[0].tokenHash).toBe(hashSecret(token));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('refuses a wrong token with 400 reset_token_invalid and changes nothing', async () => {
    const user = await createUser(t);
    const res = await reset('not-a-real-token', 'A brand new passphrase').expect(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'reset_token_invalid',
      message: expect.any(String),
    });
    await tokenLogin(t, user);
  });

  it('refuses a common new password (400 password_too_common) without spending the token', async () => {
    const user = await createUser(t);
    const token = await resetToken(user);
    const res = await reset(token, 'password1').expect(400);
    expect(res.body.code).toBe('password_too_common');
    await tokenLogin(t, user); // the old password still works
    await reset(token, 'A brand new passphrase').expect(204);
  });

  it('validates the body: a short new password or a missing token is 400 validation_failed', async () => {
    expect((await reset('x', 'short').expect(400)).body.code).toBe('validation_failed');
    const res = await request(t.server).post('/auth/password/reset').send({ newPassword: 'A brand new passphrase' }).expect(400);
    expect(res.body.message.length).toBeGreaterThan(0);
    expect(res.body.message.every((message: string) => message.startsWith('token'))).toBe(true);
  });

  it('sets the new password, spends the token, ends every session of both kinds, and counts the email as verified', async () => {
    const user = await createUser(t);
    const browser = await signIn(t, user);
    const tokens = await tokenLogin(t, user);
    const token = await resetToken(user);

    await reset(token, 'A brand new passphrase').expect(204);

    // every session ended, at once, whichever way it was signed in
    expect((await browser.agent.get('/auth/me').expect(401)).body.code).toBe('session_revoked');
    expect((await request(t.server).get('/auth/me').set(...bearer(tokens.accessToken)).expect(401)).body.code).toBe('session_revoked');
    const sessions = await t.db.getRepository(Session).findBy({ userId: user.id });
    expect(sessions.filter((s) => s.revokedAt === null)).toEqual([]);
    // the old password no longer works, the new one does
    expect((await request(t.server).post('/auth/token').send({ username: user.username, password: user.password }).expect(401)).body.code).toBe(
      'invalid_credentials',
    );
    await tokenLogin(t, { ...user, password: 'A brand new passphrase' });
    expect((await userRow(t, user.id)).emailVerified).toBe(true);
    // spent: the same link again is refused
    expect((await reset(token, 'Yet another passphrase').expect(400)).body.code).toBe('reset_token_invalid');
    await flushAudit(t);
    const audit = await t.db.getRepository(AuditEvent).findBy({ userId: user.id, type: 'password_reset' });
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0].detail as unknown as string)).toEqual({ sessionsEnded: 2 });
  });

  it('refuses an expired token', async () => {
    const user = await createUser(t);
    const token = await resetToken(user);
    await t.db.getRepository(EmailLinkToken).update({ tokenHash: hashSecret(token) }, { expiresAt: new Date(Date.now() - 1000) });
    expect((await reset(token, 'A brand new passphrase').expect(400)).body.code).toBe('reset_token_invalid');
    await tokenLogin(t, user);
  });

  it('using one link spends the older ones too', async () => {
    const user = await createUser(t);
    const first = await resetToken(user);
    const second = await resetToken(user);
    await reset(second, 'A brand new passphrase').expect(204);
    expect((await reset(first, 'Yet another passphrase').expect(400)).body.code).toBe('reset_token_invalid');
    await tokenLogin(t, { ...user, password: 'A brand new passphrase' });
  });

  it('lets only one of two simultaneous uses of a link through', async () => {
    const user = await createUser(t);
    const token = await resetToken(user);
    const results = await Promise.all([reset(token, 'First new passphrase'), reset(token, 'Second new passphrase')]);
    expect(results.map((res) => res.status).sort()).toEqual([204, 400]);
    const winner = results.find((res) => res.status === 204) === results[0] ? 'First new passphrase' : 'Second new passphrase';
    await tokenLogin(t, { ...user, password: winner });
  });

  it('a link of a since-disabled account is refused', async () => {
    const user = await createUser(t);
    const token = await resetToken(user);
    await t.db.getRepository(User).update({ id: user.id }, { disabled: true });
    expect((await reset(token, 'A brand new passphrase').expect(400)).body.code).toBe('reset_token_invalid');
  });

  it('is listed in the OpenAPI document', async () => {
    const doc = await request(t.server).get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/auth/password/forgot', '/auth/password/reset', '/auth/email/verify', '/auth/email/resend']),
    );
    expect(doc.body.paths['/auth/password/forgot'].post.responses).toHaveProperty('202');
  });
});

describe('email verification (POST /auth/email/verify, /auth/email/resend)', () => {
  let t: TestApp;
  let mailbox: Mailbox;
  withMailboxApp({ EMAIL_LINK_LIMIT: '0' }, (started) => ({ t, mailbox } = started));

  const verify = (token: string) => request(t.server).post('/auth/email/verify').send({ token });
  const verificationMails = async (user: TestUser) =>
    (await mailbox.to(t, user.email)).filter((mail) => mail.subject === 'Confirm your email address');

  it('registration sends a verification link; the new user is not verified yet', async () => {
    const user = await createUser(t);
    const [mail] = await verificationMails(user);
    expect(mail.text).toContain(`${APP_URL}/verify-email?token=`);
    expect(mail.text).toContain('within 48 hours');
    const me = await request(t.server).get('/auth/me').set(...bearer((await tokenLogin(t, user)).accessToken)).expect(200);
    expect(me.body.emailVerified).toBe(false);
  });

  it('refuses a wrong token with 400 verification_token_invalid and verifies nothing', async () => {
    const user = await createUser(t);
    expect((await verify('nope').expect(400)).body.code).toBe('verification_token_invalid');
    expect((await verify('').expect(400)).body.code).toBe('validation_failed');
    expect((await userRow(t, user.id)).emailVerified).toBe(false);
  });

  it('verifies the address (seen at once by a signed-in session), and the link works once', async () => {
    const user = await createUser(t);
    const browser = await signIn(t, user);
    expect((await browser.agent.get('/auth/me').expect(200)).body.emailVerified).toBe(false);
    const token = linkToken((await verificationMails(user))[0], '/verify-email');

    await verify(token).expect(204);

    expect((await browser.agent.get('/auth/me').expect(200)).body.emailVerified).toBe(true);
    expect((await verify(token).expect(400)).body.code).toBe('verification_token_invalid');
    await flushAudit(t);
    expect(await t.db.getRepository(AuditEvent).countBy({ userId: user.id, type: 'email_verified' })).toBe(1);
  });

  it('refuses a link whose address is no longer the account’s', async () => {
    const user = await createUser(t);
    const token = linkToken((await verificationMails(user))[0], '/verify-email');
    await t.db.getRepository(User).update({ id: user.id }, { email: `changed-${user.email}` });
    expect((await verify(token).expect(400)).body.code).toBe('verification_token_invalid');
    expect((await userRow(t, user.id)).emailVerified).toBe(false);
  });

  it('resend needs a signed-in caller, and CSRF on a cookie session', async () => {
    expect((await request(t.server).post('/auth/email/resend').expect(401)).body.code).toBe('unauthenticated');
    const user = await createUser(t);
    const browser = await signIn(t, user);
    expect((await browser.agent.post('/auth/email/resend').expect(403)).body.code).toBe('csrf_invalid');
    await browser.agent.post('/auth/email/resend').set('X-CSRF-Token', browser.csrf).expect(202);
    expect(await verificationMails(user)).toHaveLength(2);
  });

  it('resend with a bearer token sends a new link; once verified, resend sends nothing', async () => {
    const user = await createUser(t);
    const { accessToken } = await tokenLogin(t, user);
    await request(t.server).post('/auth/email/resend').set(...bearer(accessToken)).expect(202);
    const mails = await verificationMails(user);
    expect(mails).toHaveLength(2);
    await verify(linkToken(mails[1], '/verify-email')).expect(204);
    await request(t.server).post('/auth/email/resend').set(...bearer(accessToken)).expect(202);
    expect(await verificationMails(user)).toHaveLength(2);
  });
});

describe('at most EMAIL_LINK_LIMIT (3) emails of a kind per account per EMAIL_LINK_WINDOW (15 min)', () => {
  let t: TestApp;
  let mailbox: Mailbox;
  withMailboxApp({}, (started) => ({ t, mailbox } = started));

  const subjects = async (user: TestUser) => (await mailbox.to(t, user.email)).map((mail) => mail.subject);

  it('a resend right after registering sends a new link', async () => {
    const user = await createUser(t);
    const { accessToken } = await tokenLogin(t, user);
    await request(t.server).post('/auth/email/resend').set(...bearer(accessToken)).expect(202);
    expect(await subjects(user)).toEqual(['Confirm your email address', 'Confirm your email address']);
  });

  it('a fourth reset request within the window answers as usual but sends nothing, and stores no link', async () => {
    const user = await createUser(t);
    for (let i = 0; i < 4; i++) await request(t.server).post('/auth/password/forgot').send({ email: user.email }).expect(202);
    expect((await subjects(user)).filter((subject) => subject === 'Reset your password')).toHaveLength(3);
    expect((await tokenRows(t, user.id)).filter((row) => row.purpose === 'password_reset')).toHaveLength(3);
  });

  it('counts each kind apart, and links made before the window no longer count', async () => {
    const user = await createUser(t); // its first verification link
    for (let i = 0; i < 3; i++) await request(t.server).post('/auth/password/forgot').send({ email: user.email }).expect(202);
    const { accessToken } = await tokenLogin(t, user);
    await request(t.server).post('/auth/email/resend').set(...bearer(accessToken)).expect(202); // verification: 2 of 3
    // The window passes (moved back in the table rather than waited for): a fourth reset goes out.
    await t.db.getRepository(EmailLinkToken).update({ userId: user.id }, { createdAt: new Date(Date.now() - 16 * 60_000) });
    await request(t.server).post('/auth/password/forgot').send({ email: user.email }).expect(202);
    const sent = await subjects(user);
    expect(sent.filter((subject) => subject === 'Reset your password')).toHaveLength(4);
    expect(sent.filter((subject) => subject === 'Confirm your email address')).toHaveLength(2);
  });

  it('the sweep keeps expired links while they still count, so a short link lifetime does not lift the limit', async () => {
    const user = await createUser(t);
    const repo = t.db.getRepository(EmailLinkToken);
    for (let i = 0; i < 3; i++) await request(t.server).post('/auth/password/forgot').send({ email: user.email }).expect(202);
    await mailbox.to(t, user.email); // all sent
    // All three expired a second ago, as they would with PASSWORD_RESET_TTL under 15 min.
    await repo.update({ userId: user.id }, { expiresAt: new Date(Date.now() - 1000) });
    await t.app.get(EmailLinkTokens).sweepExpired();
    expect(await repo.countBy({ userId: user.id, purpose: 'password_reset' })).toBe(3);
    await request(t.server).post('/auth/password/forgot').send({ email: user.email }).expect(202);
    expect((await subjects(user)).filter((subject) => subject === 'Reset your password')).toHaveLength(3);
    // Once made before the window, they go.
    await repo.update({ userId: user.id }, { createdAt: new Date(Date.now() - 16 * 60_000) });
    await t.app.get(EmailLinkTokens).sweepExpired();
    expect(await repo.countBy({ userId: user.id })).toBe(0);
  });
});

describe('REQUIRE_EMAIL_VERIFICATION=true', () => {
  let t: TestApp;
  let mailbox: Mailbox;
  withMailboxApp({ REQUIRE_EMAIL_VERIFICATION: 'true', EMAIL_LINK_LIMIT: '0' }, (started) => ({ t, mailbox } = started));

  it('a wrong password of an unverified account is still 401 invalid_credentials (nothing revealed)', async () => {
    const user = await createUser(t);
    const res = await request(t.server).post('/auth/token').send({ username: user.username, password: 'Wrong-password-123' }).expect(401);
    expect(res.body.code).toBe('invalid_credentials');
  });

  it('the right password of an unverified account is 403 email_not_verified on both logins, starts no session, and sends a new link', async () => {
    const user = await createUser(t);
    const token = await request(t.server).post('/auth/token').send({ username: user.username, password: user.password }).expect(403);
    expect(token.body).toMatchObject({ statusCode: 403, error: 'Forbidden', code: 'email_not_verified' });
    const browser = await newBrowser(t);
    const login = await browser.agent
      .post('/auth/login')
      .set('X-CSRF-Token', browser.csrf)
      .send({ username: user.email, password: user.password })
      .expect(403);
    expect(login.body.code).toBe('email_not_verified');
    expect(setCookieLine(login.headers['set-cookie'], 'sid')).toBeUndefined();
    expect(await t.db.getRepository(Session).countBy({ userId: user.id })).toBe(0);
    // one link from registration, one from each refused login
    const mails = (await mailbox.to(t, user.email)).filter((mail) => mail.subject === 'Confirm your email address');
    expect(mails).toHaveLength(3);

    await request(t.server).post('/auth/email/verify').send({ token: linkToken(mails[2], '/verify-email') }).expect(204);
    await tokenLogin(t, user);
    await signIn(t, user);
  });

  it('the sign-in page shows an unverified account what to do (403), and signs nobody in', async () => {
    const user = await createUser(t);
    const agent = request.agent(t.server);
    const page = await agent.get('/login').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, username: user.username, password: user.password }).expect(403);
    expect(res.text).toContain('Confirm your email address first');
    expect(setCookieLine(res.headers['set-cookie'], 'sid')).toBeUndefined();
  });

  it('the sign-up page does not sign an unverified account in: it asks to check the email', async () => {
    const agent = request.agent(t.server);
    const page = await agent.get('/register').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const res = await agent
      .post('/register')
      .type('form')
      .send({ _csrf: csrf, username: 'page_signup', email: 'page_signup@example.com', password: 'A brand new passphrase' })
      .expect(303);
    expect(res.headers.location).toBe('/login?done=check-email');
    expect(setCookieLine(res.headers['set-cookie'], 'sid')).toBeUndefined();
    const notice = await agent.get('/login?done=check-email').expect(200);
    expect(notice.text).toContain('We have sent a link to your email address');
  });
});

describe('sending email when it fails, or with no SMTP_URL', () => {
  it('an email still being sent when the app shuts down goes out before it stops', async () => {
    const mailbox = await Mailbox.start();
    const t = await startTestApp({ SMTP_URL: mailbox.smtpUrl });
    try {
      const user = await createUser(t); // its verification email is sent after the response
      await t.close();
      expect(mailbox.received.map((mail) => mail.to)).toEqual([user.email]);
    } finally {
      await mailbox.close();
    }
  });

  it('a mail server that refuses the credentials: still 202, the failure is logged without the password', async () => {
    const mailbox = await Mailbox.start();
    const badUrl = mailbox.smtpUrl.replace('mail-pass', 'wrong-pass');
    const t = await startTestApp({ SMTP_URL: badUrl });
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const user = await createUser(t);
      await request(t.server).post('/auth/password/forgot').send({ email: user.email }).expect(202);
      await mailbox.to(t, user.email);
      expect(mailbox.received).toHaveLength(0);
      const logged = errors.mock.calls.map((call) => String(call[0]));
      expect(logged).toEqual(expect.arrayContaining([expect.stringContaining('Sending the password reset email failed')]));
      expect(logged.join('\n')).not.toContain('wrong-pass');
    } finally {
      errors.mockRestore();
      await t.close();
      await mailbox.close();
    }
  });

  it('outside production, without SMTP_URL, the email (with its link) is written to the log', async () => {
    const t = await startTestApp({ APP_URL });
    const logs = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    try {
      const user = await createUser(t);
      await request(t.server).post('/auth/password/forgot').send({ email: user.email }).expect(202);
      const { EmailSender } = await import('../src/email-links/email-sender');
      await t.app.get(EmailSender).settled();
      const logged = logs.mock.calls.map((call) => String(call[0])).join('\n');
      expect(logged).toContain(`To: ${user.email}`);
      expect(logged).toContain(`${APP_URL}/reset-password?token=`);
    } finally {
      logs.mockRestore();
      await t.close();
    }
  });
});

describe('the pages behind the links (/forgot-password, /reset-password, /verify-email)', () => {
  let t: TestApp;
  let mailbox: Mailbox;
  withMailboxApp({ EMAIL_LINK_LIMIT: '0' }, (started) => ({ t, mailbox } = started));

  /** A browser on `path`, with the page's CSRF field. */
  async function onPage(path: string, status = 200) {
    const agent = request.agent(t.server);
    const page = await agent.get(path).expect(status);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    return { agent, csrf, page };
  }

  it('the sign-in page links to "Forgot your password?"', async () => {
    expect((await onPage('/login')).page.text).toContain('href="/forgot-password"');
  });

  it('forgot → email → reset page → new password: signed out everywhere, then in with the new password', async () => {
    const user = await createUser(t);
    const { accessToken } = await tokenLogin(t, user);
    const forgot = await onPage('/forgot-password');
    expect((await forgot.agent.post('/forgot-password').type('form').send({ email: user.email }).expect(403)).text).not.toContain(user.email);
    const sent = await forgot.agent.post('/forgot-password').type('form').send({ _csrf: forgot.csrf, email: user.email }).expect(200);
    expect(sent.text).toContain('If an account has this address, we have sent it a link');
    const [mail] = (await mailbox.to(t, user.email)).filter((m) => m.subject === 'Reset your password');
    const token = linkToken(mail, '/reset-password');

    const resetPage = await onPage(`/reset-password?token=${token}`);
    expect(resetPage.page.headers['cache-control']).toBe('no-store');
    expect(resetPage.page.text).toContain('autocomplete="new-password"');
    const common = await resetPage.agent.post('/reset-password').type('form').send({ _csrf: resetPage.csrf, token, newPassword: 'password1' }).expect(400);
    expect(common.text).toContain('too common');
    const done = await resetPage.agent
      .post('/reset-password')
      .type('form')
      .send({ _csrf: resetPage.csrf, token, newPassword: 'A brand new passphrase' })
      .expect(303);
    expect(done.headers.location).toBe('/login?done=password-reset');
    expect((await request(t.server).get('/auth/me').set(...bearer(accessToken)).expect(401)).body.code).toBe('session_revoked');
    await tokenLogin(t, { ...user, password: 'A brand new passphrase' });

    // the used link now shows why it does not work, with no form
    const again = await onPage(`/reset-password?token=${token}`, 400);
    expect(again.page.text).toContain('wrong, expired or already used');
    expect(again.page.text).not.toContain('name="newPassword"');
  });

  it('a malformed address on the forgot page is shown as an error, and nothing is sent', async () => {
    const forgot = await onPage('/forgot-password');
    const res = await forgot.agent.post('/forgot-password').type('form').send({ _csrf: forgot.csrf, email: 'nope' }).expect(400);
    expect(res.text).toContain('Enter a valid email address.');
  });

  it('the verify page confirms the address with a button (a mail scanner fetching the link confirms nothing)', async () => {
    const user = await createUser(t);
    const browser = await signIn(t, user);
    const account = await browser.agent.get('/account').expect(200);
    expect(account.text).toContain('not verified');
    const [mail] = (await mailbox.to(t, user.email)).filter((m) => m.subject === 'Confirm your email address');
    const token = linkToken(mail, '/verify-email');

    await request(t.server).get(`/verify-email?token=${token}`).expect(200);
    expect((await userRow(t, user.id)).emailVerified).toBe(false);

    const page = await browser.agent.get(`/verify-email?token=${token}`).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const done = await browser.agent.post('/verify-email').type('form').send({ _csrf: csrf, token }).expect(303);
    expect(done.headers.location).toBe('/account?done=email-verified');
    const after = await browser.agent.get('/account?done=email-verified').expect(200);
    expect(after.text).toContain('Your email address is confirmed.');
    expect(after.text).not.toContain('not verified');
    const spent = await browser.agent.post('/verify-email').type('form').send({ _csrf: csrf, token }).expect(400);
    expect(spent.text).toContain('wrong, expired or already used');
  });

  it('the account page sends the link again', async () => {
    const user = await createUser(t);
    const browser = await signIn(t, user);
    const account = await browser.agent.get('/account').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(account.text)![1];
    const res = await browser.agent.post('/account/email/resend').type('form').send({ _csrf: csrf }).expect(303);
    expect(res.headers.location).toBe('/account?done=link-sent');
    expect((await mailbox.to(t, user.email)).filter((m) => m.subject === 'Confirm your email address')).toHaveLength(2);
  });
});

describe('EMAIL_LINK_LIMIT under simultaneous requests', () => {
  let t: TestApp;
  let mailbox: Mailbox;
  withMailboxApp({}, (started) => ({ t, mailbox } = started));

  it('ten reset requests at once for one account send three emails', async () => {
    const user = await createUser(t);
    await Promise.all(Array.from({ length: 10 }, () => request(t.server).post('/auth/password/forgot').send({ email: user.email }).expect(202)));
    const resets = (await mailbox.to(t, user.email)).filter((mail) => mail.subject === 'Reset your password');
    expect(resets).toHaveLength(3);
    expect((await tokenRows(t, user.id)).filter((row) => row.purpose === 'password_reset')).toHaveLength(3);
  });
});
