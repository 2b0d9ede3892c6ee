import { randomBytes } from 'node:crypto';

/** One email to one recipient, with a plain-text and an HTML part of the same content. */
export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Further headers, such as List-Unsubscribe; names and values of printable ASCII. */
  headers?: Record<string, string>;
  date: Date;
}

const printableAscii = /^[\x20-\x7e]*$/;

function headerLine(name: string, value: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(name) || !printableAscii.test(value) || value.length > 900) {
    throw new Error(`header ${name} must be printable ASCII on one line`);
  }
  return `${name}: ${value}`;
}

/**
 * A header value as RFC 2047 encoded words, each at most 75 characters: the subject carries names
 * from agents, in any script, and encoding it whole means no character can end the header early.
 */
function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const character of text) {
    // 45 bytes of UTF-8 make 60 of base64, which with `=?UTF-8?B?` and `?=` stays within 75.
    if (Buffer.byteLength(chunk + character) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += character;
  }
  words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word).toString('base64')}?=`).join('\r\n ');
}

/** Base64 in lines of 76 characters, as MIME requires of a body. */
const base64Lines = (text: string): string =>
  (
    Buffer.from(text)
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');

/**
 * The raw message that SES's SendRawEmail takes: multipart/alternative, text first so that clients
 * without HTML show it, both parts base64-encoded UTF-8 so that no line of either can break the MIME
 * structure. SES adds its own Message-ID and signs the message.
 */
export function mimeMessage(message: MailMessage): string {
  const boundary = `muster-${randomBytes(12).toString('hex')}`;
  const part = (type: string, content: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=UTF-8`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(content),
    ].join('\r\n');
  return [
    headerLine('From', message.from),
    headerLine('To', message.to),
    `Subject: ${encodedWords(message.subject)}`,
    headerLine('Date', message.date.toUTCString()),
    'MIME-Version: 1.0',
    ...Object.entries(message.headers ?? {}).map(([name, value]) => headerLine(name, value)),
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    part('text/plain', message.text),
    part('text/html', message.html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
