import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import { mergeVulnerabilities } from '../../shared/advisories/merge.ts';
import type { Vulnerability } from '../../shared/advisories/vulnerability.ts';
import { appEnvironmentDetail } from '../../shared/app-environment-detail.ts';
import { ecosystemOf } from '../../shared/ecosystem.ts';
import { appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import { type DependencyItem, dependencyKey } from '../../shared/entities/dependency.ts';
import { type FindingItem, findingKeys, type Suppression } from '../../shared/entities/finding.ts';
import { type InstanceItem, instanceKey } from '../../shared/entities/instance.ts';
import { computeFindings } from '../../shared/findings.ts';
import type { Lifecycle } from '../../shared/instance-status.ts';
import { packageUrl, platformCpe } from '../../shared/package-url.ts';
import { runtimeSbom, type Sbom, type SbomComponent, sourceOf } from '../../shared/sbom.ts';
import { cyclonedxErrors } from '../support/cyclonedx.ts';
import {
  advisoryFiles,
  haveSharedAdvisories,
  packageIndex,
  readAdvisory,
} from '../support/shared-advisories.ts';

/**
 * The runtime SBOM of an app-environment, built from the same view as its detail and the real
 * advisories in ../shared/advisories, and checked against the official CycloneDX 1.6 schema.
 */

const now = new Date('2026-12-05T12:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
const lifecycle: Lifecycle = {
  staleAfterSeconds: 3 * 3600,
  retentionSeconds: 7 * 24 * 3600,
  stoppedRetentionSeconds: 24 * 3600,
};
const [org, app, environment] = ['acme', 'billing', 'production'];

/** A Phoenix app on OTP 26 as a release loads it. */
const release240 = {
  otp: '26.2.5.8',
  erts: '14.2.5.8',
  kernel: '9.2.4.4',
  stdlib: '5.2.3.3',
  public_key: '1.15.1.3',
  ssl: '11.1.4.6',
  elixir: '1.16.3',
  logger: '1.16.3',
  phoenix: '1.7.10',
  plug: '1.14.0',
  cowlib: '2.11.0',
};
/** The next release, rolling out: a newer plug and cowlib, and a package built with metadata. */
const release250 = { ...release240, plug: '1.16.1', cowlib: '2.13.0', tz_data: '1.0.0+build.7' };

/** An agent's strings are data: a hostile instance name must come back exactly as sent. */
const hostileInstance = 'web-3 "</script><img src=x onerror=alert(1)>\u2028🦀';

function head(
  instance: string,
  release: string,
  sha: string,
  seen: Partial<InstanceItem> = { last_seen: minutesAgo(5) },
): InstanceItem {
  return {
    ...instanceKey(org, app, environment, instance),
    app,
    environment,
    instance,
    ...seen,
    runtime: { otp: '26.2.5.8', erts: '14.2.5.8', elixir: '1.16.3' },
    release: { name: app, version: release },
    git_sha: sha,
    host: `${instance}.internal`,
  };
}

function dependencies(instance: string, applications: Record<string, string>): DependencyItem[] {
  return Object.entries(applications).map(([name, version]) => ({
    ...dependencyKey(org, app, environment, instance, name),
    app,
    environment,
    instance,
    name,
    version,
    ecosystem: ecosystemOf(name),
    started: true,
    expires_at: 0,
  }));
}

const suppression: Suppression = {
  reason: 'We never call the vulnerable function',
  author: 'ana@acme.example',
  created_at: minutesAgo(60),
  expires_at: new Date(now.getTime() + 30 * 24 * 3600_000).toISOString(),
  state: 'not_affected',
  justification: 'code_not_reachable',
};

const propertyValues = (owner: { properties?: { name: string; value: string }[] }, name: string) =>
  (owner.properties ?? []).filter((entry) => entry.name === `muster:${name}`).map((entry) => entry.value);

describe.skipIf(!haveSharedAdvisories)('runtime SBOM (CycloneDX 1.6)', () => {
  const vulnerabilities = haveSharedAdvisories ? mergeVulnerabilities(advisoryFiles().map(readAdvisory)) : [];
  const byId = new Map(vulnerabilities.map((vulnerability) => [vulnerability.id, vulnerability]));

  const instances = [
    head('web-1', '2.4.0', 'aaaaaaa'),
    head('web-2', '2.4.0', 'aaaaaaa'),
    head(hostileInstance, '2.5.0', 'bbbbbbb'),
    // Said goodbye: listed by the detail, in no SBOM.
    head('web-0', '2.3.0', 'ccccccc', { last_seen: minutesAgo(90), stopped_at: minutesAgo(80) }),
  ];
  const dependencyItems = [
    ...dependencies('web-1', release240),
    ...dependencies('web-2', release240),
    ...dependencies(hostileInstance, release250),
    ...dependencies('web-0', { ...release240, plug: '1.13.0' }),
  ];
  const live = dependencyItems.filter((item) => item.instance !== 'web-0');

  function findings(): FindingItem[] {
    return computeFindings(live, packageIndex(vulnerabilities)).map((computed) => ({
      ...computed,
      ...findingKeys(org, app, environment, computed.vulnerability),
      app,
      environment,
      status: 'open',
      opened_at: minutesAgo(120),
      evaluated_at: minutesAgo(5),
      ...(computed.vulnerability === 'CVE-2026-42792' ? { suppression } : {}),
    }));
  }

  /** The SBOM of billing/production holding these items, with these advisories imported. */
  function build(
    findingItems = findings(),
    {
      heads = instances,
      inventory = dependencyItems,
      advisories = byId,
    }: { heads?: InstanceItem[]; inventory?: DependencyItem[]; advisories?: Map<string, Vulnerability> } = {},
  ): Sbom {
    const detail = appEnvironmentDetail(
      {
        appEnvironment: {
          ...appEnvironmentKey(org, app, environment),
          app,
          environment,
          first_seen: minutesAgo(10_000),
          reported_sent_at: minutesAgo(5),
          reported: { internet_facing: true, handles_pii: true, urls: ['https://billing.example'] },
        },
        instances: heads,
        dependencies: inventory,
        findings: findingItems,
        latestScans: [],
        scanReports: [],
      },
      now,
      lifecycle,
    );
    return runtimeSbom({
      detail,
      vulnerabilities: advisories,
      serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
      now,
    });
  }

  const component = (sbom: Sbom, purl: string): SbomComponent => {
    const found = sbom.components.find((part) => part.purl === purl);
    if (!found) throw new Error(`no component ${purl}`);
    return found;
  };

  it('is valid against the official CycloneDX 1.6 JSON schema', async () => {
    const sbom = build();
    expect(sbom.vulnerabilities.length).toBeGreaterThan(10);
    expect(await cyclonedxErrors(JSON.stringify(sbom))).toBeNull();
  });

  it('the schema check can fail: a component without a name is refused', async () => {
    const sbom = build();
    const broken = { ...sbom, components: [{ ...sbom.components[0], name: undefined }] };
    expect(await cyclonedxErrors(JSON.stringify(broken))).not.toBeNull();
  });

  it('describes the app as the root component: its releases, git shas and live instances, not the stopped one', () => {
    const { metadata } = build();
    expect(metadata.lifecycles).toEqual([{ phase: 'operations' }]);
    expect(metadata.component).toMatchObject({ type: 'application', name: app });
    // Two releases run while one rolls out: neither is the version.
    expect(metadata.component.version).toBeUndefined();
    expect(propertyValues(metadata.component, 'release_version')).toEqual(['2.4.0', '2.5.0']);
    expect(propertyValues(metadata.component, 'git_sha')).toEqual(['aaaaaaa', 'bbbbbbb']);
    expect(propertyValues(metadata.component, 'environment')).toEqual([environment]);
    expect(propertyValues(metadata.component, 'internet_facing')).toEqual(['true']);
    expect(propertyValues(metadata.component, 'instances')).toEqual(['3']);
    expect(propertyValues(metadata.component, 'instance').sort()).toEqual(
      ['web-1', 'web-2', hostileInstance].sort(),
    );
  });

  it('gives the root component the release version when every live instance runs the same one', () => {
    const sbom = build([], {
      heads: instances.slice(0, 2),
      inventory: dependencyItems.filter((item) => ['web-1', 'web-2'].includes(item.instance)),
    });
    expect(sbom.metadata.component.version).toBe('2.4.0');
  });

  it('names each package as the EEF advisories do: Hex packages, OTP and Elixir applications, ERTS and the OTP release', () => {
    const sbom = build();
    expect(component(sbom, 'pkg:hex/plug@1.14.0')).toMatchObject({ type: 'library', name: 'plug' });
    expect(component(sbom, 'pkg:otp/ssl@11.1.4.6')).toMatchObject({ type: 'library', name: 'ssl' });
    expect(component(sbom, 'pkg:otp/logger@1.16.3').properties).toContainEqual({
      name: 'muster:ecosystem',
      value: 'elixir',
    });
    expect(component(sbom, 'pkg:otp/erts@14.2.5.8').type).toBe('platform');
    expect(component(sbom, 'pkg:github/erlang/otp@26.2.5.8')).toMatchObject({
      type: 'platform',
      name: 'otp',
      cpe: 'cpe:2.3:a:erlang:erlang\\/otp:26.2.5.8:*:*:*:*:*:*:*',
    });
    expect(component(sbom, 'pkg:otp/elixir@1.16.3').cpe).toBe(
      'cpe:2.3:a:elixir-lang:elixir:1.16.3:*:*:*:*:*:*:*',
    );
    // Build metadata is percent-encoded: a bare `+` would read as a space.
    expect(component(sbom, 'pkg:hex/tz_data@1.0.0%2Bbuild.7').version).toBe('1.0.0+build.7');
  });

  it('round-trips every purl through a Package URL parser to the name and version the agents sent', () => {
    const sbom = build();
    const sent = new Set(live.map((item) => `${item.name}@${item.version}`));
    expect(sbom.components).toHaveLength(sent.size);
    for (const part of sbom.components) {
      const parsed = PackageURL.fromString(part.purl!);
      expect(parsed.type).toBe(
        part.name === 'otp' ? 'github' : ecosystemOf(part.name) === 'hex' ? 'hex' : 'otp',
      );
      expect(`${part.name === 'otp' ? 'otp' : parsed.name}@${parsed.version}`).toBe(
        `${part.name}@${part.version}`,
      );
      expect(sent.has(`${part.name}@${part.version}`)).toBe(true);
      expect(part['bom-ref']).toBe(part.purl);
    }
  });

  it('shows drift: a version not every live instance loads names the instances that do', () => {
    const sbom = build();
    const oldPlug = component(sbom, 'pkg:hex/plug@1.14.0');
    expect(propertyValues(oldPlug, 'instances')).toEqual(['2']);
    expect(propertyValues(oldPlug, 'instance')).toEqual(['web-1', 'web-2']);
    expect(propertyValues(component(sbom, 'pkg:hex/plug@1.16.1'), 'instance')).toEqual([hostileInstance]);
    // Everywhere the same: counted, not listed.
    const kernel = component(sbom, 'pkg:otp/kernel@9.2.4.4');
    expect(propertyValues(kernel, 'instances')).toEqual(['3']);
    expect(propertyValues(kernel, 'instance')).toEqual([]);
    // What only the stopped instance loaded is not there.
    expect(sbom.components.find((part) => part.purl === 'pkg:hex/plug@1.13.0')).toBeUndefined();
  });

  it('keeps an agent’s strings as data: the hostile instance name comes back exactly through JSON', () => {
    const parsed = JSON.parse(JSON.stringify(build())) as Sbom;
    expect(propertyValues(parsed.metadata.component, 'instance')).toContain(hostileInstance);
    expect(propertyValues(component(parsed, 'pkg:hex/cowlib@2.13.0'), 'instance')).toEqual([hostileInstance]);
  });

  it('lists each finding that is not fixed, with its ids, ratings, advice and the components it affects', () => {
    const items = findings();
    const fixedId = items[0]!.vulnerability;
    const sbom = build(
      items.map((item) =>
        item.vulnerability === fixedId ? { ...item, status: 'fixed', fixed_at: minutesAgo(1) } : item,
      ),
    );
    expect(sbom.vulnerabilities.map((entry) => entry.id)).not.toContain(fixedId);
    expect(sbom.vulnerabilities).toHaveLength(items.length - 1);

    const plug = sbom.vulnerabilities.find((entry) => entry.id === 'CVE-2026-8468')!;
    const advisory = byId.get('CVE-2026-8468')!;
    expect(plug.source).toEqual(sourceOf('CVE-2026-8468'));
    expect(plug.source.url).toBe('https://nvd.nist.gov/vuln/detail/CVE-2026-8468');
    expect(plug.references?.map((reference) => reference.id)).toEqual(advisory.aliases);
    expect(plug.ratings).toEqual([
      { score: advisory.score, severity: advisory.severity, method: 'CVSSv4', vector: advisory.vector },
    ]);
    expect(plug.recommendation).toMatch(/^upgrade plug to /);
    expect(plug.affects.map((affect) => affect.ref)).toEqual(['pkg:hex/plug@1.14.0', 'pkg:hex/plug@1.16.1']);
    expect(plug.properties).toContainEqual({ name: 'muster:status', value: 'open' });
    expect(plug.analysis).toBeUndefined();

    const refs = new Set(sbom.components.map((part) => part['bom-ref']));
    for (const entry of sbom.vulnerabilities) {
      expect(entry.affects.length, entry.id).toBeGreaterThan(0);
      for (const affect of entry.affects) expect(refs.has(affect.ref), affect.ref).toBe(true);
    }
  });

  it('finds every affected version from the advisory, beyond the instances a finding lists', () => {
    // A finding lists at most 100 instances: here, as if it listed only web-1.
    const sbom = build(
      findings().map((item) =>
        item.vulnerability === 'CVE-2026-43970'
          ? { ...item, instances: item.instances.filter((row) => row.instance === 'web-1') }
          : item,
      ),
    );
    const cowlib = sbom.vulnerabilities.find((entry) => entry.id === 'CVE-2026-43970')!;
    expect(cowlib.affects.map((affect) => affect.ref)).toEqual([
      'pkg:hex/cowlib@2.11.0',
      'pkg:hex/cowlib@2.13.0',
    ]);
  });

  it('falls back to the listed instances for a finding whose advisory is no longer imported', () => {
    const detailOnly = build(findings(), { advisories: new Map() });
    const ssl = detailOnly.vulnerabilities.find((entry) => entry.id === 'CVE-2026-55953')!;
    expect(ssl.affects.map((affect) => affect.ref)).toEqual(['pkg:otp/ssl@11.1.4.6']);
    expect(ssl.ratings).toEqual([{ severity: 'critical' }]);
    expect(ssl.advisories).toBeUndefined();
  });

  it('turns an active suppression into the VEX analysis, and an expired one into none', () => {
    const suppressed = build().vulnerabilities.find((entry) => entry.id === 'CVE-2026-42792')!;
    expect(suppressed.analysis).toEqual({
      state: 'not_affected',
      justification: 'code_not_reachable',
      detail: suppression.reason,
      firstIssued: suppression.created_at,
      lastUpdated: suppression.created_at,
    });
    expect(suppressed.properties).toContainEqual({ name: 'muster:status', value: 'suppressed' });
    expect(suppressed.properties).toContainEqual({
      name: 'muster:suppressed_until',
      value: suppression.expires_at,
    });

    const expired = build(
      findings().map((item) =>
        item.suppression ? { ...item, suppression: { ...suppression, expires_at: minutesAgo(1) } } : item,
      ),
    ).vulnerabilities.find((entry) => entry.id === 'CVE-2026-42792')!;
    expect(expired.analysis).toBeUndefined();
    expect(expired.properties).toContainEqual({ name: 'muster:status', value: 'open' });
  });

  it('takes a suppression from before VEX states as accepted risk (exploitable), without a justification', () => {
    const { state: _state, justification: _justification, ...older } = suppression;
    const accepted = build(
      findings().map((item) => (item.suppression ? { ...item, suppression: older } : item)),
    ).vulnerabilities.find((entry) => entry.id === 'CVE-2026-42792')!;
    expect(accepted.analysis).toMatchObject({ state: 'exploitable', detail: suppression.reason });
    expect(accepted.analysis).not.toHaveProperty('justification');
  });
});

describe('package URLs and CPEs', () => {
  it('encodes what a purl must and nothing else', () => {
    expect(packageUrl({ name: 'plug', version: '1.16.1', ecosystem: 'hex' })).toBe('pkg:hex/plug@1.16.1');
    expect(packageUrl({ name: 'ssl', version: '11.1.4.7', ecosystem: 'otp' })).toBe('pkg:otp/ssl@11.1.4.7');
    expect(packageUrl({ name: 'eex', version: '1.18.3-rc.0', ecosystem: 'elixir' })).toBe(
      'pkg:otp/eex@1.18.3-rc.0',
    );
    expect(packageUrl({ name: 'otp', version: '27.3.4.2', ecosystem: 'otp' })).toBe(
      'pkg:github/erlang/otp@27.3.4.2',
    );
    expect(packageUrl({ name: 'x', version: '1.0.0+a~b', ecosystem: 'hex' })).toBe('pkg:hex/x@1.0.0%2Ba~b');
  });

  it('gives a CPE to the OTP release and Elixir only, escaping what CPE 2.3 escapes', () => {
    expect(platformCpe({ name: 'otp', version: '27.3.4.2', ecosystem: 'otp' })).toBe(
      'cpe:2.3:a:erlang:erlang\\/otp:27.3.4.2:*:*:*:*:*:*:*',
    );
    expect(platformCpe({ name: 'elixir', version: '1.18.0+x', ecosystem: 'elixir' })).toBe(
      'cpe:2.3:a:elixir-lang:elixir:1.18.0\\+x:*:*:*:*:*:*:*',
    );
    expect(platformCpe({ name: 'ssl', version: '11.1.4.7', ecosystem: 'otp' })).toBeUndefined();
    expect(platformCpe({ name: 'plug', version: '1.16.1', ecosystem: 'hex' })).toBeUndefined();
  });

  it('points each id at the database that describes it', () => {
    expect(sourceOf('GHSA-32p9-57cr-4x65')).toEqual({
      name: 'GitHub',
      url: 'https://github.com/advisories/GHSA-32p9-57cr-4x65',
    });
    expect(sourceOf('EEF-CVE-2025-4748')).toEqual({
      name: 'OSV',
      url: 'https://osv.dev/vulnerability/EEF-CVE-2025-4748',
    });
  });
});
