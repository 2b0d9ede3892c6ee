import { createHash } from 'node:crypto';
import type { ScanFinding, ScanTool } from './scan-report.ts';

/**
 * A finding's identity from one scan to the next, so that a pull request's scan can be compared with
 * its base's: the same flaw keeps its fingerprint when unrelated lines above it move, and a
 * dependency's finding keeps it across versions of the package until the advisory no longer applies.
 */

export interface FingerprintedFinding extends ScanFinding {
  fingerprint: string;
}

/** 80 bits: no two of a scan's findings share one by chance. */
const fingerprintLength = 20;

/**
 * What identifies a finding apart from where it is among its like: a dependency's package and advisory
 * (not its version, which an upgrade that leaves the flaw changes), a retired package's name, and a
 * code finding's rule, file and place in the code (its locator, else its title), never its line.
 * The first element keeps the three kinds apart whatever their values.
 */
function identityOf(tool: ScanTool, finding: ScanFinding): string[] {
  if (finding.package !== undefined && finding.advisory !== undefined)
    return ['dependency', tool, finding.package.toLowerCase(), finding.advisory];
  if (finding.package !== undefined) return ['package', tool, finding.rule, finding.package.toLowerCase()];
  return ['code', tool, finding.rule, finding.file ?? '', finding.locator ?? finding.title];
}

const hashOf = (parts: (string | number)[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, fingerprintLength);

/**
 * Line first, so that findings alike (one check firing twice in one file) keep their order, and so
 * their occurrence index, when other lines move; then lock file and report order, which break ties.
 */
function byPlace(a: { finding: ScanFinding; index: number }, b: { finding: ScanFinding; index: number }) {
  const lineA = a.finding.line ?? -1;
  const lineB = b.finding.line ?? -1;
  if (lineA !== lineB) return lineA - lineB;
  const fileA = a.finding.file ?? '';
  const fileB = b.finding.file ?? '';
  if (fileA !== fileB) return fileA < fileB ? -1 : 1;
  return a.index - b.index;
}

/** Each finding with a fingerprint that survives unrelated line moves. */
export function fingerprintFindings(tool: ScanTool, findings: ScanFinding[]): FingerprintedFinding[] {
  const alike = new Map<string, { finding: ScanFinding; index: number }[]>();
  findings.forEach((finding, index) => {
    const identity = JSON.stringify(identityOf(tool, finding));
    const group = alike.get(identity);
    if (group) group.push({ finding, index });
    else alike.set(identity, [{ finding, index }]);
  });
  const fingerprints: string[] = new Array(findings.length);
  for (const [identity, group] of alike) {
    group.sort(byPlace);
    group.forEach(({ index }, occurrence) => {
      fingerprints[index] = hashOf([identity, occurrence]);
    });
  }
  return findings.map((finding, index) => ({ ...finding, fingerprint: fingerprints[index]! }));
}
