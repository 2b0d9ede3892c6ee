import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../shared/errors.ts';
import { KeyRateLimiter, keyRateLimits } from '../../shared/rate-limit.ts';

describe('KeyRateLimiter', () => {
  it('allows the burst, then refuses with the seconds to wait', () => {
    const limiter = new KeyRateLimiter();
    const { burst, perSecond } = keyRateLimits.read;
    for (let i = 0; i < burst; i++) limiter.take('k', 'read', 0);
    let refused: unknown;
    try {
      limiter.take('k', 'read', 0);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).status).toBe(429);
    expect((refused as RateLimitedError).headers['retry-after']).toBe('1');
    expect(() => limiter.take('k', 'read', 1000 / perSecond)).not.toThrow();
  });

  it('keeps one bucket per key', () => {
    const limiter = new KeyRateLimiter();
    for (let i = 0; i < keyRateLimits.admin.burst; i++) limiter.take('a', 'admin', 0);
    expect(() => limiter.take('a', 'admin', 0)).toThrow(RateLimitedError);
    expect(() => limiter.take('b', 'admin', 0)).not.toThrow();
  });

  it('forgets the oldest keys beyond its capacity', () => {
    const limiter = new KeyRateLimiter(2);
    for (let i = 0; i < keyRateLimits.admin.burst; i++) limiter.take('a', 'admin', 0);
    limiter.take('b', 'admin', 0);
    limiter.take('c', 'admin', 0);
    expect(() => limiter.take('a', 'admin', 0)).not.toThrow();
  });

  it('keeps the bucket of a key in use when it forgets one, so that a flood cannot refill it', () => {
    const limiter = new KeyRateLimiter(2);
    for (let i = 0; i < keyRateLimits.admin.burst; i++) limiter.take('a', 'admin', 0);
    limiter.take('b', 'admin', 0);
    expect(() => limiter.take('a', 'admin', 0)).toThrow(RateLimitedError);
    limiter.take('c', 'admin', 0);
    expect(() => limiter.take('a', 'admin', 0)).toThrow(RateLimitedError);
  });
});
