import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { type MailMessage, mimeMessage } from '../../shared/email/mime.ts';

const ses = new SESClient({});

/**
 * Sends one email to its one recipient. Raw, because only a raw message carries the List-Unsubscribe
 * headers that mail providers ask bulk senders for; the MIME is built in shared/email/mime.ts.
 */
export async function sendEmail(message: MailMessage): Promise<void> {
  await ses.send(
    new SendRawEmailCommand({
      Source: message.from,
      Destinations: [message.to],
      RawMessage: { Data: Buffer.from(mimeMessage(message)) },
    }),
  );
}
