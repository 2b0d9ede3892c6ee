import { Spec, Validation } from '@cyclonedx/cyclonedx-library';

const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

/**
 * What the official CycloneDX 1.6 JSON schema, as the CycloneDX library ships it, finds wrong with a
 * document: null when it is valid. Strict: a property the schema does not define is an error.
 */
export const cyclonedxErrors = (document: string): Promise<unknown> => validator.validate(document);
