import { describe, expect, it } from 'vitest';
import {
  csvFileName,
  csvHref,
  lookupParams,
  lookupQuery,
  lookupState,
} from '../../infra/dashboard/app/lookup-model.ts';

/** The lookup page's state: its address, its API query and its CSV link say the same thing. */

describe('the lookup state', () => {
  it('reads a package lookup with its one kind of versions and its filters', () => {
    const state = lookupState({
      package: 'plug',
      requirement: '< 1.16.2',
      environment: 'prod',
      handles_pii: 'true',
    });
    expect(state).toEqual({
      mode: 'package',
      package: 'plug',
      kind: 'requirement',
      versions: '< 1.16.2',
      filters: { environment: 'prod', production: '', internet_facing: '', handles_pii: 'true' },
      page: 1,
    });
    expect(lookupQuery(state)).toEqual({
      package: 'plug',
      requirement: '< 1.16.2',
      environment: 'prod',
      handles_pii: 'true',
    });
    expect(lookupState({ package: 'plug', version: '1.16.1' })).toMatchObject({
      kind: 'version',
      versions: '1.16.1',
    });
    expect(lookupState({ package: 'plug', range: '>= 1.3.0, < 1.3.2' })).toMatchObject({ kind: 'range' });
  });

  it('reads an advisory lookup', () => {
    const state = lookupState({ advisory: 'cve-2026-54892', internet_facing: 'false', page: '2' });
    expect(lookupQuery(state)).toEqual({ advisory: 'cve-2026-54892', internet_facing: 'false' });
    expect(lookupParams(state)).toEqual({ advisory: 'cve-2026-54892', internet_facing: 'false', page: '2' });
  });

  it('asks nothing of the API until the form has what it needs', () => {
    expect(lookupQuery(lookupState({}))).toBeUndefined();
    expect(lookupQuery(lookupState({ package: 'plug' }))).toBeUndefined();
    expect(lookupQuery(lookupState({ advisory: ' ' }))).toBeUndefined();
    expect(csvHref(lookupState({}))).toBeUndefined();
  });

  it('links the CSV form of the same query', () => {
    const state = lookupState({ package: 'plug', requirement: '< 1.16.2', production: 'true', page: '3' });
    const href = csvHref(state)!;
    const url = new URL(href, 'https://muster.example');
    expect(url.pathname).toBe('/v1/lookup');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      package: 'plug',
      requirement: '< 1.16.2',
      production: 'true',
      format: 'csv',
    });
    expect(csvFileName(state)).toBe('muster-plug.csv');
    expect(csvFileName(lookupState({ advisory: 'CVE-2026-54892' }))).toBe('muster-cve-2026-54892.csv');
  });
});
