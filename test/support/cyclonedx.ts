import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';

const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

/**
 * What the official CycloneDX 1.6 JSON schema, as the CycloneDX library ships it, finds wrong with a
 * document: null when it is valid. Strict: a property the schema does not define is an error.
 */
export const cyclonedxErrors = (document: string): Promise<unknown> => validator.validate(document);

const library = dirname(createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-library/package.json'));

/** The schema's definitions: its enumerations are what Muster's VEX names must match. */
export const cyclonedxDefinitions = (
  JSON.parse(readFileSync(join(library, 'res/schema/bom-1.6.SNAPSHOT.schema.json'), 'utf8')) as {
    definitions: Record<string, { enum?: string[] }>;
  }
).definitions;
