/**
 * Key parts are joined with '#'. Organization, app, environment and package names cannot contain it;
 * instance ids are free text, so '%' and '#' in them are percent-encoded to keep keys unambiguous.
 */
export function encodeKeyPart(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('#', '%23');
}

export function decodeKeyPart(text: string): string {
  return text.replaceAll('%23', '#').replaceAll('%25', '%');
}

export interface TableKey {
  pk: string;
  sk: string;
}
