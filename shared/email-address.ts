/**
 * Addresses Muster sends to: a plain `local@domain` of printable ASCII, without the characters that
 * would let an address carry a second recipient, a display name or a header into a message.
 */
const addressPattern =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const maxRecipients = 50;

export function isEmailAddress(text: string): boolean {
  return text.length <= 254 && addressPattern.test(text);
}

/** Addresses compare without case: the domain's case never matters, and no mail system uses the local part's. */
export const normalizeAddress = (address: string): string => address.toLowerCase();
