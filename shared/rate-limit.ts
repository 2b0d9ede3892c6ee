import type { Scope } from './api-keys.ts';
import { RateLimitedError } from './errors.ts';
import { LruCache } from './lru-cache.ts';

/**
 * Requests per second a key may make, with the burst it may spend at once. An ingest key is shared by
 * a whole fleet, whose instances all report within a minute of a deploy, hence its large burst.
 */
export const keyRateLimits: Record<Scope, { perSecond: number; burst: number }> = {
  ingest: { perSecond: 50, burst: 500 },
  ci: { perSecond: 5, burst: 50 },
  read: { perSecond: 20, burst: 100 },
  admin: { perSecond: 5, burst: 20 },
};

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * Token buckets per key. Each function container keeps its own, so the limit holds per container;
 * API Gateway's stage throttling bounds the whole API. When full, it drops the bucket of the key
 * idle longest: dropping a busy key's instead would refill it.
 */
export class KeyRateLimiter {
  private readonly buckets: LruCache<string, Bucket>;

  constructor(maxKeys = 10_000) {
    this.buckets = new LruCache(maxKeys);
  }

  /** Spends one token of the key's bucket, or throws RateLimitedError with the seconds to wait. */
  take(key: string, scope: Scope, nowMs: number): void {
    const { perSecond, burst } = keyRateLimits[scope];
    const bucket = this.buckets.get(key) ?? { tokens: burst, refilledAt: nowMs };
    bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.refilledAt) / 1000) * perSecond);
    bucket.refilledAt = nowMs;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      throw new RateLimitedError(
        `this key may make ${perSecond} requests per second`,
        Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)),
      );
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
  }
}
