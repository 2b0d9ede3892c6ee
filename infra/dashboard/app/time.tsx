import { agoText, utcText } from './format.ts';

/** "9 days ago", with the exact time in UTC for those who hover or read the markup. */
export function Ago({
  iso,
  now,
  never = 'never',
}: {
  iso: string | null | undefined;
  now: Date;
  never?: string;
}) {
  if (!iso) return <span class="muted">{never}</span>;
  return (
    <time dateTime={iso} title={utcText(iso)}>
      {agoText(iso, now, never)}
    </time>
  );
}
