import type * as z from 'zod';

/**
 * The text Muster accepts from clients in every field it stores or shows, in one place so that every
 * field refuses the same characters for the same reasons:
 *
 * - lone surrogates: half of a character, which UTF-8 cannot encode; DynamoDB and SQS would replace or
 *   refuse them, so what is read back would differ from what was accepted;
 * - noncharacters (U+FDD0–U+FDEF and the last two code points of every plane, U+FFFE, U+FFFF,
 *   U+1FFFE … U+10FFFF): reserved by Unicode for a program's own use, never for interchange, and
 *   refused by SQS (U+FFFE, U+FFFF) and by XML, and so by every tool that reads them back that way;
 * - control characters, and in text of one line the line and paragraph separators (U+2028, U+2029);
 *   only text of several lines may hold tabs and line breaks;
 * - in names (an instance, a host, an author), also the invisible formatting characters (zero-width
 *   joiners and spaces, bidirectional overrides), which make one name look like another.
 *
 * Everything else is accepted and stored as sent: characters outside the Basic Multilingual Plane
 * (emoji), private-use characters, and code points that this version of Unicode leaves unassigned,
 * so that what is accepted does not change with the Unicode version of the runtime.
 */
export type TextKind = 'name' | 'line' | 'lines';

const refused: Record<TextKind, RegExp> = {
  name: /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/u,
  line: /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/u,
  lines: /(?![\t\n\r])[\p{Cc}\p{Cs}\p{Noncharacter_Code_Point}]/u,
};

const codePointName = (codePoint: number): string =>
  `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

function whatIs(character: string): string {
  const codePoint = character.codePointAt(0)!;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 'half of a surrogate pair, not a character';
  if (/\p{Noncharacter_Code_Point}/u.test(character)) return 'a noncharacter';
  if (/\p{Cc}/u.test(character)) return 'a control character';
  if (/[\p{Zl}\p{Zp}]/u.test(character)) return 'a line break';
  return 'an invisible formatting character';
}

/** Why a value is not text of this kind, naming the first character refused; undefined when it is. */
export function textProblem(value: string, kind: TextKind): string | undefined {
  const match = refused[kind].exec(value);
  if (!match) return undefined;
  return `must be printable text: ${codePointName(match[0].codePointAt(0)!)} is ${whatIs(match[0])}`;
}

/** The value's size in UTF-8, as DynamoDB and SQS measure it. */
export const utf8Bytes = (value: string): number => Buffer.byteLength(value, 'utf8');

/**
 * Refines a string schema to text of this kind: `.check(acceptedText('name'))`. The issue names the
 * character, so that a client can find it.
 */
export const acceptedText =
  (kind: TextKind) =>
  (context: z.core.ParsePayload<string>): void => {
    const problem = textProblem(context.value, kind);
    if (problem) context.issues.push({ code: 'custom', message: problem, input: context.value });
  };

/** Refines a string schema to at most `max` bytes of UTF-8, for values whose size in storage is bounded. */
export const atMostBytes =
  (max: number) =>
  (context: z.core.ParsePayload<string>): void => {
    if (utf8Bytes(context.value) > max)
      context.issues.push({
        code: 'custom',
        message: `must be at most ${max} bytes in UTF-8`,
        input: context.value,
      });
  };
