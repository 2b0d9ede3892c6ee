import * as z from 'zod';
import { maxVersionPartDigits } from './version-key.ts';

/**
 * The heartbeat an agent sends: one running instance's real inventory and its classification.
 * The ingest function validates requests with this schema and the consumer parses queue messages
 * with the same one, so both ends agree on what a heartbeat is.
 */

const slug = z
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

const printable = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]+$/u;

const url = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const protocol = new URL(value).protocol;
      return protocol === 'http:' || protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http or https URL');

export const dependencySchema = z.object({ name: applicationName, version });

export const heartbeatSchema = z
  .object({
    app: slug,
    environment: slug,
    instance: z.string().min(1).max(200).regex(printable, 'must be 1-200 printable characters'),
    sent_at: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }),
    internet_facing: z.boolean().optional(),
    handles_pii: z.boolean().optional(),
    urls: z.array(url).max(50).optional(),
    runtime: z
      .object({ elixir: version.optional(), otp: version.optional(), erts: version.optional() })
      .optional(),
    release: z.object({ name: z.string().min(1).max(100).regex(printable), version }).optional(),
    git_sha: z
      .string()
      .regex(/^[0-9a-fA-F]{7,64}$/, 'must be a hexadecimal commit id')
      .optional(),
    host: z.string().min(1).max(255).regex(printable, 'must be printable').optional(),
    started_apps: z.array(applicationName).max(5000).optional(),
    tags: z
      .record(
        z.string().min(1).max(64).regex(printable),
        z
          .string()
          .max(256)
          .regex(/^[^\p{Cc}]*$/u),
      )
      .refine((tags) => Object.keys(tags).length <= 50, 'at most 50 tags')
      .optional(),
    deps: z.array(dependencySchema).max(5000),
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
export type Dependency = z.infer<typeof dependencySchema>;

/** What the ingest function puts on the queue: the heartbeat plus what only the server knows. */
export const heartbeatMessageSchema = z.object({
  id: z.string(),
  org: z.string(),
  received_at: z.iso.datetime({ offset: true }),
  heartbeat: heartbeatSchema,
});

export type HeartbeatMessage = z.infer<typeof heartbeatMessageSchema>;
