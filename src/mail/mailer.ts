import { Inject, Injectable, Logger } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export interface Email {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends email over SMTP (nodemailer, `SMTP_URL`). Without SMTP_URL, outside production, a
 * message is written to the log instead, so a developer can follow a link with no mail server;
 * in production it is dropped with a warning (links are secrets: they are not logged there).
 */
@Injectable()
export class Mailer {
  private readonly logger = new Logger(Mailer.name);
  private readonly transport: Transporter | null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.transport = config.mail.smtpUrl ? createTransport(config.mail.smtpUrl, { from: config.mail.from }) : null;
  }

  async send(email: Email): Promise<void> {
    if (this.transport) {
      await this.transport.sendMail(email);
    } else if (this.config.env === 'production') {
      this.logger.warn(`Email "${email.subject}" not sent: SMTP_URL is not set`);
    } else {
      this.logger.log(`Email written here because SMTP_URL is not set\nTo: ${email.to}\nSubject: ${email.subject}\n\n${email.text}`);
    }
  }

  /** Closes the SMTP transport; EmailSender calls it at shutdown, once the emails under way are sent. */
  close(): void {
    this.transport?.close();
  }
}
