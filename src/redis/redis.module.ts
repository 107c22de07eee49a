import { Global, Module } from '@nestjs/common';
import { CacheInvalidation } from './cache-invalidation';
import { RedisConnection } from './redis-connection';

/** Redis when REDIS_URL is set: shared brute-force counters and cache invalidation. Global. */
@Global()
@Module({
  providers: [
    RedisConnection,
    CacheInvalidation,
  ],
  exports: [RedisConnection, CacheInvalidation],
})
export class RedisModule {}
