import type { Severity, SeverityCounts } from './api-types.ts';
import { severityLabel, severityParts } from './format.ts';

/** A severity in words, coloured too; the words carry it, the colour only helps. */
export function SeverityBadge({ severity }: { severity: Severity | null | undefined }) {
  return <span class={`badge severity-${severity ?? 'none'}`}>{severityLabel(severity)}</span>;
}

/** Counts by severity, most severe first, each in words ("2 critical"), or "none". */
export function SeverityCountsList({ counts }: { counts: SeverityCounts }) {
  const parts = severityParts(counts);
  if (parts.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="counts">
      {parts.map(({ severity, count }) => (
        <li key={severity} class={`badge severity-${severity}`}>
          {count} {severity}
        </li>
      ))}
    </ul>
  );
}
