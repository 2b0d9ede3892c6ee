import { randomUUID } from 'node:crypto';
import { appEnvironmentDetail } from '../../shared/app-environment-detail.ts';
import { runtimeSbom, type Sbom } from '../../shared/sbom.ts';
import { lifecycle } from '../lib/config.ts';
import { readVulnerabilities } from '../stores/advisory-store.ts';
import { readRuntimeItems } from '../stores/app-environment-store.ts';

/**
 * The CycloneDX document of what an app-environment runs now: the same view as its detail (without the
 * code scans, which describe a commit rather than what runs), and the advisories of its findings that
 * are not fixed, for their scores and references.
 */
export async function exportSbom(org: string, app: string, environment: string, now: Date): Promise<Sbom> {
  const runtime = await readRuntimeItems(org, app, environment);
  const detail = appEnvironmentDetail({ ...runtime, latestScans: [], scanReports: [] }, now, lifecycle);
  const unfixed = detail.findings.filter((finding) => finding.status !== 'fixed');
  const vulnerabilities = await readVulnerabilities(unfixed.map((finding) => finding.id));
  return runtimeSbom({
    detail,
    vulnerabilities: new Map(vulnerabilities.map((vulnerability) => [vulnerability.id, vulnerability])),
    serialNumber: `urn:uuid:${randomUUID()}`,
    now,
  });
}
