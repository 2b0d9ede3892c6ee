import * as z from 'zod';
import { ValidationError } from './errors.ts';
import { acceptedText, atMostBytes, utf8Bytes } from './text.ts';
import { parseOrThrow } from './validation.ts';
import { maxVersionPartDigits } from './version-key.ts';

/**
 * The heartbeat an agent sends: one running instance's real inventory and its classification.
 * The ingest function validates requests with this schema and the consumer parses queue messages
 * with the same one, so both ends agree on what a heartbeat is.
 */

/** An app or environment name. */
export const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9_.-]+$/, 'must be 1-64 characters of a-z, 0-9, _, - and .');

/** Names as OTP application names: lower-case atoms without quoting. */
const applicationName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z][a-z0-9_]*$/, 'must be an OTP application name (a-z, 0-9 and _, starting with a letter)');

/** Numbers longer than this are refused: comparing huge version numbers is a known denial of service. */
const hugeNumber = new RegExp(`\\d{${maxVersionPartDigits + 1},}`);

const version = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Za-z][0-9A-Za-z.+_~-]*$/, 'must be a version such as 1.16.1 or 5.2.11.6')
  .refine(
    (value) => !hugeNumber.test(value),
    `each number in a version has at most ${maxVersionPartDigits} digits`,
  );

/**
 * An app's URLs, as agents report them and admins override them: each at most 2 KiB, and all of them
 * together at most 8 KiB, in UTF-8. They are copied into the app-environment, each of its usage rows,
 * and every alert it raises, several of which share one queue message and one finding item: bounded in
 * bytes, they cannot push either past its size limit, whatever characters they are written in.
 */
export const urlLimits = { maxCount: 50, maxBytes: 2048, maxTotalBytes: 8192 } as const;

const appUrl = z
  .string()
  .check(atMostBytes(urlLimits.maxBytes))
  .check(acceptedText('name'))
  .refine((value) => {
    try {
      const protocol = new URL(value).protocol;
      return protocol === 'http:' || protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http or https URL');

export const appUrls = z
  .array(appUrl)
  .max(urlLimits.maxCount)
  .refine(
    (urls) => urls.reduce((total, url) => total + utf8Bytes(url), 0) <= urlLimits.maxTotalBytes,
    `must be at most ${urlLimits.maxTotalBytes} bytes in UTF-8 together`,
  );

/**
 * An RFC 3339 date-time, stored as the instant it names in one spelling (UTC, milliseconds), so that
 * comparing two of them as strings, here and in DynamoDB's conditions, compares the instants:
 * `12:00:00+02:00` is `10:00:00.000Z`, and `10:00:00.500Z` is later than `10:00:00Z`. Digits beyond
 * the millisecond are dropped: two heartbeats of one instance within a millisecond count as one.
 */
export const instant = z
  .string()
  .max(64)
  // RFC 3339 allows a lower-case `t` and `z`.
  .transform((value) => value.toUpperCase())
  .pipe(z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }))
  .refine((value) => !Number.isNaN(Date.parse(value)), 'is not a date that exists')
  .transform((value) => new Date(Date.parse(value)).toISOString());

export const dependencySchema = z.object({ name: applicationName, version });

export const heartbeatSchema = z
  .object({
    app: slug,
    environment: slug,
    instance: z.string().min(1).max(200).check(acceptedText('name')),
    sent_at: instant,
    internet_facing: z.boolean().optional(),
    handles_pii: z.boolean().optional(),
    urls: appUrls.optional(),
    runtime: z
      .object({ elixir: version.optional(), otp: version.optional(), erts: version.optional() })
      .optional(),
    release: z.object({ name: z.string().min(1).max(100).check(acceptedText('name')), version }).optional(),
    git_sha: z
      .string()
      .regex(/^[0-9a-fA-F]{7,64}$/, 'must be a hexadecimal commit id')
      .optional(),
    host: z.string().min(1).max(255).check(acceptedText('name')).optional(),
    started_apps: z.array(applicationName).max(5000).optional(),
    tags: z
      .record(
        z.string().min(1).max(64).check(acceptedText('name')),
        z.string().max(256).check(acceptedText('line')),
      )
      .refine((tags) => Object.keys(tags).length <= 50, 'at most 50 tags')
      .optional(),
    deps: z.array(dependencySchema).max(5000),
    /** The instance's last heartbeat: it is shutting down, and stops counting as live at once. */
    stopping: z.boolean().optional(),
  })
  .superRefine((heartbeat, context) => {
    const seen = new Set<string>();
    heartbeat.deps.forEach((dependency, index) => {
      if (seen.has(dependency.name)) {
        context.addIssue({
          code: 'custom',
          path: ['deps', index, 'name'],
          message: 'appears more than once',
        });
      }
      seen.add(dependency.name);
    });
  });

export type Heartbeat = z.infer<typeof heartbeatSchema>;

/**
 * How far ahead of the server's clock a heartbeat may be sent. A later one would hold the instance:
 * every heartbeat sent before that time would count as older and be ignored until the head expires.
 */
const maxClockSkewSeconds = 300;

/** A heartbeat as the API accepts it at `receivedAt`: valid, and not sent in the future. */
export function acceptHeartbeat(body: unknown, receivedAt: Date): Heartbeat {
  const heartbeat = parseOrThrow(heartbeatSchema, body);
  if (Date.parse(heartbeat.sent_at) > receivedAt.getTime() + maxClockSkewSeconds * 1000) {
    throw new ValidationError(
      'sent_at',
      `is more than ${maxClockSkewSeconds / 60} minutes ahead of Muster's clock (${receivedAt.toISOString()}); check the host's clock`,
    );
  }
  return heartbeat;
}
export type Dependency = z.infer<typeof dependencySchema>;

/** What the ingest function puts on the queue: the heartbeat plus what only the server knows. */
export const heartbeatMessageSchema = z.object({
  id: z.string(),
  org: z.string(),
  received_at: instant,
  heartbeat: heartbeatSchema,
});

export type HeartbeatMessage = z.infer<typeof heartbeatMessageSchema>;
