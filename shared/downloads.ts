/**
 * An answer too large for one HTTP response (a CSV lookup, an SBOM) is written to the payload bucket
 * under this prefix and downloaded through a presigned URL. The functions that publish downloads may
 * write and read this prefix and nothing else of the bucket for them; the bucket's expiry removes the
 * files.
 */
export const downloadPrefix = 'exports';

export const downloadKey = (org: string, id: string, extension: string): string =>
  `${downloadPrefix}/${org}/${id}.${extension}`;

/** How long the URL of a download works. */
export const downloadUrlSeconds = 15 * 60;
