import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, LessThan, MoreThan, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { inTransaction } from '../database/transaction';
import { hashSecret, newSecret } from '../sessions/secret-hash';
import { addSeconds } from '../sessions/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { EmailLinkPurpose, EmailLinkToken } from './email-link-token.entity';

/** The single-use tokens of links sent by email: made, spent once, swept when expired. */
@Injectable()
export class EmailLinkTokens implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EmailLinkTokens.name);
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(EmailLinkToken) private readonly tokens: Repository<EmailLinkToken>,
    private readonly users: UsersService,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.sweepTimer = setInterval(() => {
      this.sweepExpired().catch((error: Error) => this.logger.error(`Sweeping email-link tokens failed: ${error.message}`));
    }, this.config.session.sweepInterval * 1000);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /**
   * A new token for a link to `user`'s address, valid `ttl` seconds, or null when EMAIL_LINK_LIMIT
   * links of the same purpose were made within EMAIL_LINK_WINDOW (so nobody can flood a mailbox,
   * while a user who asks again, or resends right after registering, still gets an email).
   */
  async issue(purpose: EmailLinkPurpose, user: User, ttl: number): Promise<string | null> {
    const { limit, limitWindow } = this.config.emailLinks;
    const token = newSecret();
    // Check and insert as one transaction (see inTransaction); on PostgreSQL, requests for one
    // account and purpose also take turns under an advisory lock. So two requests at once cannot
    // both count the same links and both send one past the limit.
    const issued = await inTransaction(this.dataSource, async (manager) => {
      if (manager.connection.options.type === 'postgres') {
        await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`email-link:${purpose}:${user.id}`]);
      }
      const now = new Date();
      if (limit > 0) {
        const since = addSeconds(now, -limitWindow);
        if ((await manager.count(EmailLinkToken, { where: { userId: user.id, purpose, createdAt: MoreThan(since) } })) >= limit) return false;
      }
      await manager.insert(EmailLinkToken, {
        tokenHash: hashSecret(token),
        purpose,
        userId: user.id,
        email: user.email,
        createdAt: now,
        expiresAt: addSeconds(now, ttl),
        spentAt: null,
      });
      return true;
    });
    return issued ? token : null;
  }

  /** The unspent, unexpired token row for `token`, without spending it. */
  async findUsable(purpose: EmailLinkPurpose, token: string): Promise<EmailLinkToken | null> {
    const row = await this.tokens.findOneBy({ tokenHash: hashSecret(token), purpose });
    return row && row.spentAt === null && row.expiresAt > new Date() ? row : null;
  }

  /**
   * Spends `token` and, in the same transaction, makes the change it allows (`change`), so the
   * two happen together or not at all. Every other unspent link of the same user and purpose is
   * spent too (one used makes its older siblings useless). Returns the user, or null when the
   * token is wrong, expired or spent (also by a request racing this one), when the account's
   * address is no longer the one the link was sent to, or when `accept` refuses the user.
   */
  async redeem(
    purpose: EmailLinkPurpose,
    token: string,
    change: (user: User, manager: EntityManager) => Promise<void>,
    accept: (user: User) => boolean = () => true,
  ): Promise<User | null> {
    const row = await this.findUsable(purpose, token);
    const user = row && (await this.users.findByEmail(row.email));
    if (!row || !user || user.id !== row.userId || !accept(user)) return null;
    const redeemed = await inTransaction(this.dataSource, async (manager) => {
      const now = new Date();
      const spent = await manager.update(EmailLinkToken, { tokenHash: row.tokenHash, spentAt: IsNull(), expiresAt: MoreThan(now) }, { spentAt: now });
      if (spent.affected !== 1) return false;
      await manager.update(EmailLinkToken, { userId: user.id, purpose, spentAt: IsNull() }, { spentAt: now });
      await change(user, manager);
      return true;
    });
    if (!redeemed) return null;
    await this.users.evictCached(user.id); // again, now that the change is committed
    return user;
  }

  /**
   * Deletes expired tokens (spent or not) that no longer count against EMAIL_LINK_LIMIT (made
   * before EMAIL_LINK_WINDOW: a link that expires sooner still counts until then); returns how many.
   */
  async sweepExpired(now = new Date()): Promise<number> {
    const countedSince = addSeconds(now, -this.config.emailLinks.limitWindow);
    const result = await this.tokens.delete({ expiresAt: LessThan(now), createdAt: LessThan(countedSince) });
    return result.affected ?? 0;
  }
}
