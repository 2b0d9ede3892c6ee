import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import type { Scope } from '../../shared/api-keys.ts';
import type { FunctionName, RouteDefinition } from '../../shared/resources.ts';

/**
 * Requests for any route of the API: valid ones, near-valid ones (one field wrong) and hostile ones
 * (broken encodings, characters no field takes, duplicate headers, deep nesting, truncated JSON), built
 * from the route's definition so that a new route is covered without a line here.
 */

export interface HostileRequest {
  method: string;
  /** The request target as sent, percent-encoded. */
  target: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** What valid requests are built from: real keys, a real session, the valid body of each route. */
export interface RequestFixtures {
  keys: Record<Scope, string[]>;
  session: { cookie: string; csrf: string };
  /** A valid JSON body of each route that takes one, by `METHOD /path`. */
  bodies: Record<string, fc.Arbitrary<unknown>>;
  /** Valid values of each path parameter, by name. */
  pathValues: Record<string, string[]>;
  /** Valid query parameters of each route that takes some, by `METHOD /path`. */
  queries: Record<string, fc.Arbitrary<[string, string][]>>;
  /** Values of query parameters, by name, to add where they do not belong. */
  queryValues: Record<string, string[]>;
}

/** The scope each function's routes need; a function missing here is tried with every scope. */
const scopeOf: Partial<Record<FunctionName, Scope>> = {
  'ingest-heartbeat': 'ingest',
  'ingest-scan': 'ci',
  lookup: 'read',
  apps: 'read',
  advisories: 'read',
  'update-app': 'admin',
  'suppress-finding': 'admin',
  organization: 'admin',
};

/** Characters that no stored or shown field takes, and others that fields must take as they are. */
const awkwardCharacters = [
  '\uFFFE',
  '\uFFFF',
  '\uFDD0',
  '\u{1FFFE}',
  '\u{10FFFF}',
  '\uD800',
  '\uDFFF',
  '\u0000',
  '\u001b',
  '\u2028',
  '\u202E',
  '\u200D',
  '\u{1F600}',
  '\u{10FFFD}',
  '\u8A9E',
  '%',
  '#',
  '/',
  '"',
  '\\',
];

/** A string with awkward characters among ordinary ones. */
const awkwardString = fc
  .array(fc.oneof(fc.constantFrom(...awkwardCharacters), fc.string({ maxLength: 4, unit: 'binary' })), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

/** The longest a field may be, and one more, in characters of one to four UTF-8 bytes. */
const longString = fc
  .tuple(
    fc.constantFrom(64, 65, 100, 101, 200, 201, 255, 256, 1000, 1001, 2048, 2049, 4097),
    fc.constantFrom('a', '\u00e9', '\u8A9E', '\u{1F600}', '%'),
  )
  .map(([length, character]) => character.repeat(Math.ceil(length / character.length)));

/** JSON nested `depth` deep, as text: deeper than any parser's recursion would survive. */
const deeplyNested = fc
  .tuple(fc.constantFrom(100, 10_000, 200_000), fc.constantFrom(['[', ']'], ['{"a":', '}']))
  .map(([depth, [open, close]]) => ({ rawJson: `${open!.repeat(depth)}1${close!.repeat(depth)}` }));

/** A value for any field: wrong types, extreme numbers, awkward and over-long text, odd shapes. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 2, 0.5, '', ' ', [], {}),
  fc.integer(),
  awkwardString,
  longString,
  deeplyNested,
  fc.constantFrom(
    '../../etc/passwd',
    'javascript:alert(1)',
    'https://example.com/\uFFFE',
    '2026-02-30T10:00:00Z',
    '9999999999999999999.0.0',
    'prod',
    'CVE-2025-4748',
    'mk_aaaaaaaa_',
  ),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 6 }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'a'), fc.integer(), {
    maxKeys: 3,
  }),
  // One more dependency than a heartbeat may list.
  fc.constant(null).map(() => Array.from({ length: 5001 }, (_, i) => ({ name: `p${i}`, version: '1.0.0' }))),
);

/** Every path to a value inside a JSON value, the value itself first. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object' || prefix.length > 6) return [prefix];
  return [
    prefix,
    ...Object.entries(value).flatMap(([key, child]) =>
      pathsOf(child, [...prefix, Array.isArray(value) ? Number(key) : key]),
    ),
  ];
}

/** The value with the one at `path` replaced (a new field added where it leads nowhere yet). */
function replaced(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  // Defined as an own property, so that `__proto__` becomes a key of the JSON and not a prototype.
  Object.defineProperty(copy, head!, {
    value: replaced(copy[head!], rest, replacement),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** JSON text whose `{ "rawJson": text }` values are written as that text, unquoted. */
function toJson(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_, field: unknown) => {
    if (field && typeof field === 'object' && 'rawJson' in field && typeof field.rawJson === 'string') {
      marks.push(field.rawJson);
      return `\u0000raw${marks.length - 1}\u0000`;
    }
    return field;
  });
  return (text ?? 'null').replace(/"\\u0000raw(\d+)\\u0000"/g, (_, index: string) => marks[Number(index)]!);
}

/** A valid body with one field changed, one added, or none, written as JSON. */
const mutatedJson = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
  fc
    .tuple(
      valid,
      fc.nat(),
      fc.oneof(fc.constant(undefined), hostileValue),
      fc.constantFrom('', 'extra', '__proto__'),
    )
    .map(([body, pick, value, added]) => {
      if (value === undefined) return toJson(body);
      const paths = pathsOf(body);
      const path = paths[pick % paths.length]!;
      return toJson(replaced(body, added === '' ? path : [...path.slice(0, -1), added], value));
    });

/** JSON text made wrong: truncated, a key given twice, a byte-order mark, bytes that are no UTF-8. */
const brokenJson = (json: string): fc.Arbitrary<Buffer> =>
  fc.oneof(
    fc.nat({ max: Math.max(0, json.length - 1) }).map((at) => Buffer.from(json.slice(0, at))),
    fc.constant(Buffer.from(json.replace(/^\{/, '{"app":"first","app":"second",'))),
    fc.constant(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)])),
    fc.constant(
      Buffer.concat([
        Buffer.from(json.slice(0, 1)),
        Buffer.from([0xff, 0xfe, 0xc0]),
        Buffer.from(json.slice(1)),
      ]),
    ),
    fc.constant(Buffer.from(Buffer.from(json).toString('base64'))),
  );

const bodyOf = (route: RouteDefinition, fixtures: RequestFixtures): fc.Arbitrary<Buffer | undefined> => {
  const valid = fixtures.bodies[`${route.method} ${route.path}`] ?? fc.jsonValue({ maxDepth: 3 });
  const json = mutatedJson(valid);
  return fc.oneof(
    { weight: 6, arbitrary: json.map((text) => Buffer.from(text)) },
    { weight: 2, arbitrary: json.chain(brokenJson) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(Buffer.from('List-Unsubscribe=One-Click')) },
  );
};

/** A string's UTF-8 bytes, percent-encoded as a client would (half a surrogate pair becomes U+FFFD). */
const percentEncoded = (text: string): string =>
  [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/** Percent-escapes no decoder takes, and ones that decode to what no field takes. */
const malformedEscape = fc.constantFrom(
  '%',
  '%Z',
  '%ZZ',
  '%E0%A4%A',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%EF%BF%BE',
  '%F4%8F%BF%BF',
  '%2F',
  '%252F',
  '%00',
  '..',
  '.',
);

const segmentOf = (name: string, fixtures: RequestFixtures): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(fixtures.pathValues[name] ?? ['x'])).map(percentEncoded) },
    { weight: 2, arbitrary: fc.oneof(awkwardString, longString).map(percentEncoded) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 3 }), malformedEscape)
        .map(([a, b]) => percentEncoded(a) + b),
    },
  );

const pathOf = (route: RouteDefinition, fixtures: RequestFixtures): fc.Arbitrary<string> => {
  const parts = route.path.split('/').map((part) => {
    const parameter = /^\{(\w+)\}$/.exec(part);
    return parameter ? segmentOf(parameter[1]!, fixtures) : fc.constant(part);
  });
  return fc.tuple(...parts).map((segments) => segments.join('/'));
};

const queryValue = (fixtures: RequestFixtures): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(...Object.values(fixtures.queryValues).flat()).map(percentEncoded),
    },
    { weight: 2, arbitrary: fc.oneof(awkwardString, longString).map(percentEncoded) },
    { weight: 1, arbitrary: malformedEscape },
  );

/** The route's valid query, or one with a parameter added, changed, repeated, or broken. */
const queryOf = (route: RouteDefinition, fixtures: RequestFixtures): fc.Arbitrary<string> => {
  const valid = (fixtures.queries[`${route.method} ${route.path}`] ?? fc.constant([])).map((pairs) =>
    pairs.map(([name, value]) => `${percentEncoded(name)}=${percentEncoded(value)}`),
  );
  const names = [...Object.keys(fixtures.queryValues), 'unknown', '', '__proto__'];
  const added = fc
    .tuple(fc.constantFrom(...names), queryValue(fixtures))
    .map(([name, value]) => `${percentEncoded(name)}=${value}`);
  return fc
    .tuple(valid, fc.nat(), added, fc.constantFrom('keep', 'keep', 'keep', 'add', 'change', 'repeat', 'bare'))
    .map(([valid, pick, pair, how]) => {
      const pairs = [...valid];
      const at = pick % Math.max(1, pairs.length);
      if (how === 'add') pairs.push(pair);
      else if (how === 'change' && pairs.length > 0)
        pairs[at] = `${pairs[at]!.split('=')[0]}=${pair.split('=')[1]}`;
      else if (how === 'repeat' && pairs.length > 0) pairs.push(pairs[at]!);
      else if (how === 'bare') pairs.push(pair.split('=')[0]!);
      return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
    });
};

const authorizationOf = (
  route: RouteDefinition,
  fixtures: RequestFixtures,
): fc.Arbitrary<string | string[] | undefined> => {
  const scope = scopeOf[route.function];
  const own = scope ? fixtures.keys[scope] : Object.values(fixtures.keys).flat();
  const any = Object.values(fixtures.keys).flat();
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...own).map((key) => `Bearer ${key}`) },
    { weight: 2, arbitrary: fc.constantFrom(...any).map((key) => `Bearer ${key}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constantFrom(...own).map((key) => [`Bearer ${key}`, `Bearer ${key}`]),
        fc.constantFrom(...own).map((key) => `Bearer ${key},Bearer ${key}`),
        fc.constantFrom(...own).map((key) => `bearer   ${key}  `),
        fc.constantFrom(...own).map((key) => `Bearer ${key} extra`),
        fc.constantFrom(
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          `Bearer ${'k'.repeat(8000)}`,
          'Bearer mk_aaaaaaaa_',
        ),
      ),
    },
  );
};

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json, text/plain',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
];

const headersOf = (
  route: RouteDefinition,
  fixtures: RequestFixtures,
): fc.Arbitrary<Record<string, string | string[]>> =>
  fc
    .record(
      {
        authorization: authorizationOf(route, fixtures),
        cookie: fc.oneof(
          fc.constant(fixtures.session.cookie),
          fc.constantFrom('muster_session=ms_junk', 'a=b; muster_session=; c', `x=${'y'.repeat(3000)}`),
        ),
        'x-csrf-token': fc.oneof(fc.constant(fixtures.session.csrf), fc.constantFrom('', 'junk')),
        'content-type': fc.oneof(
          { weight: 4, arbitrary: fc.constant('application/json') },
          { weight: 2, arbitrary: fc.constantFrom(...contentTypes) },
          { weight: 1, arbitrary: fc.constant(['application/json', 'application/json']) },
        ),
      },
      { requiredKeys: ['content-type'] },
    )
    .map(
      (headers) =>
        Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<
          string,
          string | string[]
        >,
    );

/** Any request for the route: valid most of the time in every part but one, hostile in some. */
export function requestFor(route: RouteDefinition, fixtures: RequestFixtures): fc.Arbitrary<HostileRequest> {
  return fc
    .record({
      path: pathOf(route, fixtures),
      query: queryOf(route, fixtures),
      headers: headersOf(route, fixtures),
      body: route.method === 'GET' ? fc.constant(undefined) : bodyOf(route, fixtures),
    })
    .map(({ path, query, headers, body }) => ({ method: route.method, target: path + query, headers, body }));
}

/** Sends a request as any HTTP client could, answering undefined when no answer came within `timeoutMs`. */
export function send(base: string, request: HostileRequest, timeoutMs: number): Promise<Answer | undefined> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      `${base}${request.target}`,
      {
        method: request.method,
        // Without a length, Node sends a GET's or DELETE's body unframed, and it reads as a second request.
        headers: request.body
          ? { ...request.headers, 'content-length': request.body.length }
          : request.headers,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            contentType: String(response.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', (error) => (error.name === 'AbortError' ? resolve(undefined) : reject(error)));
    outgoing.end(request.body);
  });
}
