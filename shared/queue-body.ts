/**
 * A message's body as every send path writes it: JSON with each character beyond ASCII escaped as
 * `\uXXXX`. SQS takes only #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF in a body,
 * and local servers differ from it and from each other over the rest; escaped, a body is the same bytes
 * everywhere and parses back to the very same strings, emoji and all. Its length is its size in bytes.
 */
export function queueBody(message: object): string {
  return JSON.stringify(message).replace(
    /[\u007f-\uffff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
