import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../auth/decorators/public.decorator';
import { RedisConnection } from '../redis/redis-connection';

type DependencyState = 'up' | 'down';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly redis: RedisConnection,
  ) {}

  /** The process answers. No I/O. */
  @Get('live')
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Each dependency's state (`redis` only when REDIS_URL is set); 503 when one is down. */
  @Get('ready')
  @ApiOkResponse({ schema: { example: { status: 'ok', database: 'up', redis: 'up' } } })
  @ApiServiceUnavailableResponse({ schema: { example: { status: 'error', database: 'up', redis: 'down' } } })
  async ready(@Res({ passthrough: true }) res: Response): Promise<{ status: 'ok' | 'error'; database: DependencyState; redis?: DependencyState }> {
    const [database, redis] = await Promise.all([this.databaseState(), this.redis.client ? this.redis.state() : undefined]);
    const up = database === 'up' && redis !== 'down';
    if (!up) res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: up ? 'ok' : 'error', database, ...(redis ? { redis } : {}) };
  }

  private async databaseState(): Promise<DependencyState> {
    try {
      await this.dataSource.query('SELECT 1');
      return 'up';
    } catch {
      return 'down';
    }
  }
}
