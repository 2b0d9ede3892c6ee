/**
 * `sbom --dependency-track`: hands an SBOM to a Dependency-Track server with `PUT /api/v1/bom`, its
 * JSON upload (BomSubmitRequest): the project by name and version, created when it does not exist
 * yet, and the document base64-encoded. Dependency-Track answers at once with a token and analyses
 * the document in the background. The API key needs the BOM_UPLOAD permission, and
 * PROJECT_CREATION_UPLOAD (or PORTFOLIO_MANAGEMENT) for a project it creates.
 */

export interface DependencyTrackProject {
  name: string;
  version: string;
}

/** The request body of `PUT /api/v1/bom`, as Dependency-Track's BomSubmitRequest names its fields. */
export interface BomSubmitRequest {
  projectName: string;
  projectVersion: string;
  autoCreate: true;
  /** The document's exact bytes, in standard base64 with padding and no line breaks. */
  bom: string;
}

export interface BomUpload {
  /** Where Dependency-Track serves its API, without `/api`: `https://dtrack.example.com`. */
  server: string;
  apiKey: string;
  /** The document as Muster answered it. */
  document: Buffer;
  project: DependencyTrackProject;
}

/** The longest part of a refusal's body shown: enough for a problem-details answer, not a whole page. */
const shownBodyCharacters = 500;

export function bomSubmitRequest(document: Buffer, project: DependencyTrackProject): BomSubmitRequest {
  return {
    projectName: project.name,
    projectVersion: project.version,
    autoCreate: true,
    bom: document.toString('base64'),
  };
}

/** `<server>/api/v1/bom`, below the path the server is given with (a reverse proxy's prefix, say). */
export function bomUploadUrl(server: string): URL {
  return new URL('api/v1/bom', server.endsWith('/') ? server : `${server}/`);
}

const bodyStart = (body: string) => [...body.trim()].slice(0, shownBodyCharacters).join('');

/** What a refused upload says: its status, and the start of what Dependency-Track answered. */
export function uploadRefusal(status: number, statusText: string, body: string): string {
  const shown = bodyStart(body);
  return `Dependency-Track answered ${status}${statusText ? ` ${statusText}` : ''}${shown ? `: ${shown}` : ''}`;
}

/** Uploads the document; answers the token Dependency-Track tracks its processing under. */
export async function uploadBom(upload: BomUpload): Promise<string> {
  const url = bomUploadUrl(upload.server);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'PUT',
      headers: { 'x-api-key': upload.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(bomSubmitRequest(upload.document, upload.project)),
      signal: AbortSignal.timeout(300_000),
    });
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    throw new Error(
      `Dependency-Track at ${url.origin} could not be reached: ${cause?.message ?? (error as Error).message}`,
    );
  }
  const body = await response.text();
  if (!response.ok) throw new Error(uploadRefusal(response.status, response.statusText, body));
  let token: unknown;
  try {
    token = (JSON.parse(body) as { token?: unknown }).token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string')
    throw new Error(`${url} answered ${response.status} without an upload token: ${bodyStart(body)}`);
  return token;
}
