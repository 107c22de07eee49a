import { Logger } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load-config';
import { Mailer } from './mailer';

const email = { to: 'ada@example.com', subject: 'Reset your password', text: 'https://x.example/reset-password?token=SECRET-TOKEN' };

describe('Mailer without SMTP_URL', () => {
  afterEach(() => jest.restoreAllMocks());

  it('in production, drops the email with a warning that carries neither the link nor the address', async () => {
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'k3v9Qm2x8LrT5wYz1NcB7hJd4Fg6Sp0aUe', DATA_DIR: mkdtempSync(join(tmpdir(), 'authkit-mail-')) });
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await new Mailer(config).send(email);
    expect(log).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).not.toMatch(/SECRET-TOKEN|ada@example.com/);
  });

  it('in development, writes the whole email to the log', async () => {
    const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'authkit-mail-')) });
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    await new Mailer(config).send(email);
    expect(String(log.mock.calls[0][0])).toContain('SECRET-TOKEN');
  });
});
