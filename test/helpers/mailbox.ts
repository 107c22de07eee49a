import { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { TestApp } from './test-app';

export interface ReceivedEmail {
  to: string;
  from: string;
  subject: string;
  text: string;
}

/**
 * A real SMTP server on a free local port that keeps what it receives (smtp-server, from
 * nodemailer's authors). The app under test sends to it through `smtpUrl`, with a user name and
 * password the server checks, as it would send to a real mail server.
 */
export class Mailbox {
  private constructor(
    readonly received: ReceivedEmail[],
    private readonly server: SMTPServer,
    readonly smtpUrl: string,
  ) {}

  static async start(): Promise<Mailbox> {
    const received: ReceivedEmail[] = [];
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'authkit' && auth.password === 'mail-pass') callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
            received.push({ to: to?.text ?? '', from: mail.from?.text ?? '', subject: mail.subject ?? '', text: mail.text ?? '' });
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    return new Mailbox(received, server, `smtp://authkit:mail-pass@127.0.0.1:${port}`);
  }

  /** Waits until the app has sent whatever it was sending, then returns the mails to `to`. */
  async to(t: TestApp, to: string): Promise<ReceivedEmail[]> {
    const { EmailSender } = await import('../../src/email-links/email-sender');
    await t.app.get(EmailSender).settled();
    return this.received.filter((mail) => mail.to === to);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The `token` query parameter of the first link in an email's text to `path`. */
export function linkToken(email: ReceivedEmail, path: '/reset-password' | '/verify-email'): string {
  const match = new RegExp(`https?://\\S+${path}\\?token=([A-Za-z0-9_-]+)`).exec(email.text);
  if (!match) throw new Error(`No ${path} link in: ${email.text}`);
  return match[1];
}
