import { describe, expect, it } from 'vitest';
import { bomSubmitRequest, bomUploadUrl, uploadRefusal } from '../../infra/cli/dependency-track.ts';

/** Dependency-Track's own check of the `bom` field (BomSubmitRequest). */
const dependencyTrackBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

describe('bomSubmitRequest', () => {
  it('names the project, asks for it to be created, and carries the exact bytes in base64', () => {
    // Indented, non-ASCII, ending in a newline: what is sent must decode to these bytes and no others.
    const document = Buffer.from(
      '{\n  "bomFormat": "CycloneDX",\n  "note": "caf\u00e9 \u{1F600}"\n}\n',
      'utf8',
    );
    const request = bomSubmitRequest(document, { name: 'billing', version: 'production' });
    expect(request).toEqual({
      projectName: 'billing',
      projectVersion: 'production',
      autoCreate: true,
      bom: expect.any(String),
    });
    expect(request.bom).toMatch(dependencyTrackBase64);
    expect(Buffer.from(request.bom, 'base64').equals(document)).toBe(true);
  });

  it('encodes documents of every length modulo three without line breaks', () => {
    for (const length of [1, 2, 3, 100, 4096]) {
      const document = Buffer.alloc(length, '{');
      const { bom } = bomSubmitRequest(document, { name: 'a', version: 'b' });
      expect(bom).toMatch(dependencyTrackBase64);
      expect(Buffer.from(bom, 'base64').equals(document)).toBe(true);
    }
  });
});

describe('bomUploadUrl', () => {
  it('is /api/v1/bom below the server, with or without a trailing slash or a path prefix', () => {
    expect(bomUploadUrl('https://dtrack.example.com').href).toBe('https://dtrack.example.com/api/v1/bom');
    expect(bomUploadUrl('https://dtrack.example.com/').href).toBe('https://dtrack.example.com/api/v1/bom');
    expect(bomUploadUrl('https://example.com/dtrack').href).toBe('https://example.com/dtrack/api/v1/bom');
  });
});

describe('uploadRefusal', () => {
  it('gives the status and at most the first 500 characters of the answer', () => {
    const message = uploadRefusal(400, 'Bad Request', `${'\u{1F600}'.repeat(499)}xyz`);
    expect(message).toBe(`Dependency-Track answered 400 Bad Request: ${'\u{1F600}'.repeat(499)}x`);
  });

  it('gives the status alone when the answer has no body', () => {
    expect(uploadRefusal(401, 'Unauthorized', '')).toBe('Dependency-Track answered 401 Unauthorized');
    expect(uploadRefusal(401, '', '\n')).toBe('Dependency-Track answered 401');
  });
});
