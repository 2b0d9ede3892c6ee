/**
 * Whether one running instance is exposed to one vulnerability, and through what.
 *
 * The EEF's CVE records of Erlang/OTP flaws name each affected application (`pkg:otp/ssh`, with the
 * first fixed version on every maintenance branch) and also the OTP release (`pkg:github/erlang/otp`,
 * package `otp`). The application entries are the precise ones: an app on an affected OTP release that
 * never loads ssh does not run the vulnerable code. So:
 *
 * - an instance is exposed through an application entry when it loads that application at an affected
 *   version (basis `application`), whether or not the application was started: a loaded module can be
 *   called;
 * - the release entry decides only when the record has no application entry, or when the instance
 *   reports no OTP application at all (nothing beyond the release and ERTS), so that whether it loads
 *   the affected application is unknown (basis `release`);
 * - the release entry still gives the advice for an application: upgrading ssh to 5.1.4.12 means the
 *   OTP release that ships it, the release entry's fix on the instance's own branch.
 */
import { ecosystemOf } from '../ecosystem.ts';
import { affects, upgradeTo } from './affected.ts';
import type { AdvisoryEcosystem, AffectedPackage } from './vulnerability.ts';

/** The package under which the OTP release itself is kept, as a dependency and as an advisory entry. */
export const otpRelease = 'otp';

export type Basis = 'application' | 'release';

export interface LoadedApplication {
  version: string;
  ecosystem: AdvisoryEcosystem;
  started: boolean;
}

export interface PackageExposure {
  package: string;
  version: string;
  started: boolean;
  basis: Basis;
  /** The version of the package that fixes this instance, null when no fix is known. */
  fixed_in: string | null;
  /** For an OTP application: the OTP release on the instance's branch that ships the fix. */
  fixed_in_otp: string | null;
  /** The advisory entry that matched, for its vulnerable code. */
  entry: AffectedPackage;
}

/** Applications that say nothing about which other OTP applications an instance loads. */
const runtimeOnly = new Set([otpRelease, 'erts']);

/** Whether an instance lists the OTP applications it loads (kernel is in every node), not only its release. */
export function reportsApplications(loaded: Map<string, LoadedApplication>): boolean {
  for (const [name, application] of loaded) {
    if (application.ecosystem === 'otp' && !runtimeOnly.has(name)) return true;
  }
  return false;
}

/**
 * How an instance is exposed to a vulnerability: one entry per affected package it loads, or one for
 * its OTP release (see above); empty when it is not exposed.
 *
 * @param entries the vulnerability's advisory entries for the packages this app-environment loads
 * @param packages every package the vulnerability affects, loaded or not
 * @param instance the instance's applications by name, and whether they include its OTP applications
 */
export function instanceExposure(
  entries: Map<string, AffectedPackage>,
  packages: string[],
  instance: { loaded: Map<string, LoadedApplication>; describesApplications: boolean },
): PackageExposure[] {
  const { loaded, describesApplications } = instance;
  const release = entries.get(otpRelease);
  const otp = loaded.get(otpRelease);
  const releaseAffected = release !== undefined && otp !== undefined && affects(release, otp.version);
  const releaseFix = releaseAffected ? upgradeTo(release, otp.version) : null;

  const exposures: PackageExposure[] = [];
  for (const [name, entry] of entries) {
    const application = loaded.get(name);
    if (name === otpRelease || !application || application.ecosystem !== entry.ecosystem) continue;
    if (!affects(entry, application.version)) continue;
    exposures.push({
      package: name,
      version: application.version,
      started: application.started,
      basis: 'application',
      fixed_in: upgradeTo(entry, application.version),
      fixed_in_otp: entry.ecosystem === 'otp' ? releaseFix : null,
      entry,
    });
  }
  if (exposures.length > 0 || !releaseAffected) return exposures;

  const applications = packages.filter((name) => name !== otpRelease);
  const unknowable =
    !describesApplications &&
    applications.some((name) => ecosystemOf(name) === 'otp' && !runtimeOnly.has(name));
  if (applications.length > 0 && !unknowable) return [];
  return [
    {
      package: otpRelease,
      version: otp.version,
      started: otp.started,
      basis: 'release',
      fixed_in: releaseFix,
      fixed_in_otp: null,
      entry: release,
    },
  ];
}

/** What a re-match knows of an app-environment: the versions its live instances run (its usage rows). */
export interface RunningVersion {
  package: string;
  version: string;
  ecosystem: string;
  /** For the OTP release: an instance on it reports nothing but its release. */
  release_only: boolean;
}

/**
 * Whether any instance of an app-environment is exposed, by the rules of instanceExposure applied to
 * the versions its instances run: an affected application at an affected version, or an affected OTP
 * release where the release decides (no application entries, or an instance that reports none of its
 * OTP applications). A re-match evaluates only app-environments where this, or their findings, say
 * something may change.
 */
export function appEnvironmentExposed(affected: AffectedPackage[], running: RunningVersion[]): boolean {
  const applications = affected.filter((entry) => entry.package !== otpRelease);
  const runs = (entry: AffectedPackage) =>
    running.filter(
      (row) =>
        row.package === entry.package && row.ecosystem === entry.ecosystem && affects(entry, row.version),
    );
  if (applications.some((entry) => runs(entry).length > 0)) return true;
  const release = affected.find((entry) => entry.package === otpRelease);
  const onAffectedRelease = release
    ? running.filter((row) => row.package === otpRelease && affects(release, row.version))
    : [];
  if (onAffectedRelease.length === 0) return false;
  const namesOtpApplications = applications.some(
    (entry) => ecosystemOf(entry.package) === 'otp' && !runtimeOnly.has(entry.package),
  );
  return (
    applications.length === 0 || (namesOtpApplications && onAffectedRelease.some((row) => row.release_only))
  );
}
