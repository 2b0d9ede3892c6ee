/**
 * A CSV lookup too large for one HTTP answer is written to the payload bucket under this prefix and
 * downloaded through a presigned URL. The lookup function may write and read this prefix and nothing
 * else of the bucket; the bucket's expiry removes the files.
 */
export const lookupExportPrefix = 'exports';

export const lookupExportKey = (org: string, id: string): string => `${lookupExportPrefix}/${org}/${id}.csv`;

/** How long the URL of an export works. */
export const lookupExportUrlSeconds = 15 * 60;
