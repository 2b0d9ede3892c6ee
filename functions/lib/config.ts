import * as z from 'zod';
import type { Lifecycle } from '../../shared/instance-status.ts';

/** Settings from the environment, validated once at cold start so a misdeployment fails loudly. */
const environmentSchema = z.object({
  TABLE_NAME: z.string().min(1).default('muster'),
  WORK_QUEUE_URL: z.url().optional(),
  /** An unchanged heartbeat refreshes last_seen at most this often per instance. */
  LAST_SEEN_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(600),
  /** Heartbeats are expected this often. */
  HEARTBEAT_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** An instance is stale after this long without a heartbeat; three missed heartbeats when unset. */
  STALE_AFTER_SECONDS: z.coerce.number().int().min(1).optional(),
  /** An instance leaves the running inventory this long after its last heartbeat. */
  RETENTION_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  /** How long an API key record is trusted from memory, which bounds how late a revocation bites. */
  KEY_CACHE_SECONDS: z.coerce.number().int().min(0).max(60).default(30),
  /**
   * A CSV lookup larger than this goes to the payload bucket and the answer redirects to it: a Lambda
   * behind API Gateway answers at most 6 MB, headers and encoding included.
   */
  LOOKUP_CSV_INLINE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(5 * 1024 * 1024),
  /** An SBOM larger than this goes to the payload bucket and the answer redirects to it, as a CSV lookup. */
  SBOM_INLINE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(5 * 1024 * 1024),
  /** Sender of alerts and weekly summaries. */
  SUMMARY_FROM: z.string().default('muster@example.com'),
  /** Linked from alerts and summaries when set. */
  DASHBOARD_URL: z.string().default(''),
  /**
   * Whether the dashboard's session cookie is Secure (and `__Host-` prefixed): everywhere but the local
   * mode, whose gateway speaks plain HTTP on loopback.
   */
  SESSION_COOKIE_SECURE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((text) => text === 'true'),
  /** The API's public URL, which unsubscribe links in emails point at. */
  API_URL: z.url().optional(),
});

export type Config = z.infer<typeof environmentSchema>;

export const config: Config = environmentSchema.parse(process.env);

/** When instances count as stale or retired, as the domain's instanceStatus reads it. */
export const lifecycle: Lifecycle = {
  staleAfterSeconds: config.STALE_AFTER_SECONDS ?? 3 * config.HEARTBEAT_INTERVAL_SECONDS,
  retentionSeconds: config.RETENTION_SECONDS,
  stoppedRetentionSeconds: Math.min(config.RETENTION_SECONDS, 24 * 3600),
};
