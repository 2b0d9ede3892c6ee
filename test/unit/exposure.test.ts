import { describe, expect, it } from 'vitest';
import { mergeVulnerabilities } from '../../shared/advisories/merge.ts';
import type { Vulnerability } from '../../shared/advisories/vulnerability.ts';
import { ecosystemOf } from '../../shared/ecosystem.ts';
import type { DependencyItem } from '../../shared/entities/dependency.ts';
import { adviceOf, computeFindings } from '../../shared/findings.ts';
import {
  advisoryFiles,
  haveSharedAdvisories,
  packageIndex,
  readAdvisory,
} from '../support/shared-advisories.ts';

/**
 * What a running instance is exposed to, on the real advisories in ../shared/advisories: Erlang/OTP
 * flaws count only where the vulnerable application is loaded, and each flaw is one finding.
 */

const readAll = (): Vulnerability[] => mergeVulnerabilities(advisoryFiles().map(readAdvisory));

/** The dependency items of one instance that loads these applications, none of them started but kernel. */
function instance(name: string, applications: Record<string, string>): DependencyItem[] {
  return Object.entries(applications).map(([application, version]) => ({
    pk: 'ORG#acme#APPENV#billing#prod',
    sk: `DEP#${name}#${application}`,
    app: 'billing',
    environment: 'prod',
    instance: name,
    name: application,
    version,
    ecosystem: ecosystemOf(application),
    expires_at: 0,
    started: application !== 'ssh',
  }));
}

/** A Phoenix app on OTP 26.2.5.8 as a release loads it: no ssh, no inets. */
const phoenixOnOtp26 = {
  otp: '26.2.5.8',
  erts: '14.2.5.8',
  kernel: '9.2.4.4',
  stdlib: '5.2.3.3',
  compiler: '8.4.3',
  crypto: '5.4.2.2',
  public_key: '1.15.1.3',
  ssl: '11.1.4.6',
  asn1: '5.2.2',
  sasl: '4.2.1',
  elixir: '1.16.3',
  logger: '1.16.3',
  plug: '1.16.1',
  cowlib: '2.13.0',
};

describe.skipIf(!haveSharedAdvisories)(
  'exposure to Erlang/OTP and Hex advisories (../shared/advisories)',
  () => {
    const index = haveSharedAdvisories ? packageIndex(readAll()) : new Map();
    const findingsOf = (...instances: DependencyItem[][]) => computeFindings(instances.flat(), index);
    const finding = (findings: ReturnType<typeof findingsOf>, id: string) =>
      findings.find((item) => item.vulnerability === id);

    it('reports no flaw of an application the app does not load, and no release-level copy of an application finding', () => {
      const findings = findingsOf(instance('web-1', phoenixOnOtp26));
      const otpFindings = findings.filter((item) => item.ecosystem === 'otp');
      // The release entry alone flags this release for 32 OTP flaws; the applications it loads, for far fewer.
      expect(otpFindings.length).toBeGreaterThan(5);
      expect(otpFindings.length).toBeLessThan(20);
      expect(findings.filter((item) => item.packages.includes('otp'))).toEqual([]);
      for (const item of otpFindings) {
        expect(item.basis, item.vulnerability).toBe('application');
        for (const name of item.packages) expect(Object.keys(phoenixOnOtp26), name).toContain(name);
      }
      // ssh's SFTP flaw (eef-cve-records/CVE-2025-48038.json) and inets' (CVE-2026-21620) need ssh and inets.
      expect(finding(findings, 'CVE-2025-48038')).toBeUndefined();
      expect(finding(findings, 'CVE-2026-21620')).toBeUndefined();
      // Each flaw once: no two findings of one vulnerability.
      expect(new Set(findings.map((item) => item.vulnerability)).size).toBe(findings.length);
    });

    it('flags ssh below its branch fix with the release that ships the fix, and not once patched on its branch (eef-cve-records/CVE-2025-48038.json)', () => {
      const vulnerable = findingsOf(instance('web-1', { ...phoenixOnOtp26, ssh: '5.1.4.11' }));
      expect(finding(vulnerable, 'CVE-2025-48038')).toMatchObject({
        package: 'ssh',
        packages: ['ssh'],
        basis: 'application',
        fixed_in: '5.1.4.12',
        upgrades: [{ package: 'ssh', to: '5.1.4.12', otp_release: '26.2.5.15' }],
        vulnerable_code: {
          modules: ['ssh_sftp'],
          files: ['lib/ssh/src/ssh_sftpd.erl'],
          conditions: [expect.stringContaining('The SFTP subsystem must be enabled')],
        },
        instances: [
          {
            instance: 'web-1',
            package: 'ssh',
            version: '5.1.4.11',
            started: false,
            basis: 'application',
            fixed_in: '5.1.4.12',
            fixed_in_otp: '26.2.5.15',
          },
        ],
      });
      expect(adviceOf(finding(vulnerable, 'CVE-2025-48038')!)).toBe(
        'upgrade ssh to 5.1.4.12, shipped in OTP 26.2.5.15',
      );
      // The release is still 26.2.5.8, which the release entry flags; the ssh it runs is patched.
      const patched = findingsOf(instance('web-1', { ...phoenixOnOtp26, ssh: '5.1.4.12' }));
      expect(finding(patched, 'CVE-2025-48038')).toBeUndefined();
      // Mid-deploy: only the instance still on the old ssh is exposed, whatever order they come in.
      const mixed = findingsOf(
        instance('web-2', { ...phoenixOnOtp26, ssh: '5.1.4.12' }),
        instance('web-1', { ...phoenixOnOtp26, ssh: '5.1.4.11' }),
        instance('web-3', { ...phoenixOnOtp26, ssh: '5.1.4.12' }),
      );
      expect(finding(mixed, 'CVE-2025-48038')?.instances.map((row) => row.instance)).toEqual(['web-1']);
    });

    it('falls back to the release for an instance that reports no application versions, and says so', () => {
      const findings = findingsOf(instance('web-1', { otp: '26.2.5.8', erts: '14.2.5.8' }));
      const sftp = finding(findings, 'CVE-2025-48038');
      expect(sftp).toMatchObject({
        package: 'otp',
        packages: ['otp'],
        basis: 'release',
        fixed_in: '26.2.5.15',
        instances: [expect.objectContaining({ package: 'otp', version: '26.2.5.8', basis: 'release' })],
      });
      expect(adviceOf(sftp!)).toBe('upgrade OTP to 26.2.5.15');
    });

    it('makes one finding of a flaw in two applications, listing both (eef-cve-records/CVE-2026-32144.json: public_key and ssl)', () => {
      const findings = findingsOf(
        instance('web-1', { otp: '27.3.4.2', kernel: '10.2.7', public_key: '1.17.1', ssl: '11.2.12' }),
        instance('web-2', { otp: '27.3.4.2', kernel: '10.2.7', public_key: '1.17.1', ssl: '11.2.12' }),
      );
      const flaw = findings.filter((item) => item.vulnerability === 'CVE-2026-32144');
      expect(flaw).toHaveLength(1);
      expect(flaw[0]).toMatchObject({
        package: 'public_key',
        packages: ['public_key', 'ssl'],
        upgrades: [
          { package: 'public_key', to: '1.17.1.2', otp_release: '27.3.4.10' },
          { package: 'ssl', to: '11.2.12.7', otp_release: '27.3.4.10' },
        ],
      });
      expect(flaw[0]!.instances.map((row) => `${row.instance} ${row.package}`)).toEqual([
        'web-1 public_key',
        'web-1 ssl',
        'web-2 public_key',
        'web-2 ssl',
      ]);
    });

    it('counts the cowlib decompression bomb once though mix_audit and the EEF publish it apart (GHSA-84f2-rp86-235p, CVE-2026-43970)', () => {
      const findings = findingsOf(instance('web-1', phoenixOnOtp26));
      const bomb = findings.filter((item) =>
        [item.vulnerability, ...item.aliases].includes('GHSA-84f2-rp86-235p'),
      );
      expect(bomb).toHaveLength(1);
      expect(bomb[0]).toMatchObject({
        vulnerability: 'CVE-2026-43970',
        vulnerable_code: { functions: expect.arrayContaining(['cow_spdy:inflate/2']), modules: ['cow_spdy'] },
      });
    });

    it('names Elixir functions as Elixir engineers write them (osv-hex/EEF-CVE-2026-56813.json)', () => {
      const findings = findingsOf(instance('web-1', phoenixOnOtp26));
      expect(finding(findings, 'CVE-2026-56813')?.vulnerable_code).toMatchObject({
        functions: ['Plug.Conn.Cookies.encode/2', 'Plug.Conn.put_resp_cookie/4'],
        modules: ['Plug.Conn', 'Plug.Conn.Cookies'],
      });
    });
  },
);
