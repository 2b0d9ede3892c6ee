import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appsQuerySchema } from '../../shared/apps-query.ts';
import { lookupQuerySchema } from '../../shared/lookup.ts';

const openapi = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as {
  paths: Record<string, { get: { parameters?: { name: string }[]; responses: Record<string, unknown> } }>;
};

describe('docs/openapi.yaml, GET /v1/lookup', () => {
  const lookup = openapi.paths['/v1/lookup']!.get;

  it('documents every parameter the route takes, and no other (any other is a 400)', () => {
    expect(lookup.parameters!.map((parameter) => parameter.name).sort()).toEqual(
      [...lookupQuerySchema.keyof().options].sort(),
    );
  });

  it('documents the redirect to a large CSV', () => {
    expect(lookup.responses).toHaveProperty('303');
  });
});

describe('docs/openapi.yaml, GET /v1/apps', () => {
  it('documents every parameter the route takes, and no other (any other is a 400)', () => {
    const parameters = openapi.paths['/v1/apps']!.get.parameters ?? [];
    expect(parameters.map((parameter) => parameter.name).sort()).toEqual(
      [...appsQuerySchema.keyof().options].sort(),
    );
  });
});
