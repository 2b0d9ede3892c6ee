import { describe, expect, it } from 'vitest';
import {
  advisoriesHash,
  appHash,
  lookupHash,
  overviewHash,
  parseRoute,
  section,
} from '../../infra/dashboard/app/router.ts';

/** The dashboard's hash routes: each page and its state can be linked and reloaded. */

describe('hash routes', () => {
  it('reads each page and its parameters', () => {
    expect(parseRoute('')).toEqual({ page: 'overview', params: {} });
    expect(parseRoute('#/')).toEqual({ page: 'overview', params: {} });
    expect(parseRoute('#/?environment=prod&q=bill')).toEqual({
      page: 'overview',
      params: { environment: 'prod', q: 'bill' },
    });
    expect(parseRoute('#/apps/billing/prod')).toEqual({
      page: 'app',
      app: 'billing',
      environment: 'prod',
      params: {},
    });
    expect(parseRoute('#/lookup?package=plug&requirement=%3C+1.16.2')).toEqual({
      page: 'lookup',
      params: { package: 'plug', requirement: '< 1.16.2' },
    });
    expect(parseRoute('#/advisories?page=2')).toEqual({ page: 'advisories', params: { page: '2' } });
    expect(parseRoute('#/apps/only-one')).toMatchObject({ page: 'not-found' });
    expect(parseRoute('#/apps/%E0%A4%A/prod')).toMatchObject({ page: 'not-found' });
    expect(parseRoute('#main')).toMatchObject({ page: 'not-found' });
  });

  it('writes hashes that read back the same', () => {
    const hash = appHash('back-office', 'prod.eu-1');
    expect(parseRoute(hash)).toMatchObject({ app: 'back-office', environment: 'prod.eu-1' });
    const lookup = lookupHash({ package: 'plug', range: '>= 1.3.0, < 1.3.2 || >= 2.0.0', environment: '' });
    expect(lookup).not.toContain('environment');
    expect(parseRoute(lookup).params).toEqual({ package: 'plug', range: '>= 1.3.0, < 1.3.2 || >= 2.0.0' });
    expect(overviewHash()).toBe('#/');
    expect(overviewHash({ q: 'a b' })).toBe('#/?q=a+b');
    expect(advisoriesHash()).toBe('#/advisories');
  });

  it('says which navigation entry a page belongs to', () => {
    expect(section(parseRoute('#/apps/a/b'))).toBe('overview');
    expect(section(parseRoute('#/lookup'))).toBe('lookup');
    expect(section(parseRoute('#/nowhere'))).toBeUndefined();
  });
});
