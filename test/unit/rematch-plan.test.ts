import { describe, expect, it } from 'vitest';
import { appEnvironmentExposed, type RunningVersion } from '../../shared/advisories/exposure.ts';
import type { AffectedPackage } from '../../shared/advisories/vulnerability.ts';
import { needsEvaluation } from '../../shared/rematch-plan.ts';

const entry = (name: string, ecosystem: AffectedPackage['ecosystem'], introduced: string, fixed: string) =>
  ({
    package: name,
    ecosystem,
    ranges: [{ type: 'events', events: [{ introduced }, { fixed }] }],
    versions: [],
    fixed: [fixed],
    functions: [],
    modules: [],
    files: [],
  }) as unknown as AffectedPackage;

const running = (name: string, version: string, ecosystem = 'otp', releaseOnly = false): RunningVersion => ({
  package: name,
  version,
  ecosystem,
  release_only: releaseOnly,
});

describe('appEnvironmentExposed', () => {
  const ssh = entry('ssh', 'otp', '5.0.0', '5.2.11.6');
  const otp = entry('otp', 'otp', '27.0', '27.3.4.1');

  it('is exposed through an affected application at an affected version', () => {
    expect(appEnvironmentExposed([ssh, otp], [running('ssh', '5.2.11'), running('otp', '27.3.4')])).toBe(
      true,
    );
    expect(appEnvironmentExposed([ssh, otp], [running('ssh', '5.2.11.6'), running('otp', '27.3.4')])).toBe(
      false,
    );
  });

  it('counts the OTP release only where it decides: no application named, or none reported', () => {
    expect(appEnvironmentExposed([ssh, otp], [running('otp', '27.3.4')])).toBe(false);
    expect(appEnvironmentExposed([ssh, otp], [running('otp', '27.3.4', 'otp', true)])).toBe(true);
    expect(appEnvironmentExposed([otp], [running('otp', '27.3.4')])).toBe(true);
    expect(appEnvironmentExposed([otp], [running('otp', '27.3.4.1')])).toBe(false);
  });

  it('matches only the ecosystem the advisory names', () => {
    const plug = entry('plug', 'hex', '1.0.0', '1.16.2');
    expect(appEnvironmentExposed([plug], [running('plug', '1.16.1', 'hex')])).toBe(true);
    expect(appEnvironmentExposed([plug], [running('plug', '1.16.1', 'otp')])).toBe(false);
  });
});

describe('needsEvaluation', () => {
  const current = { id: 'CVE-2026-1', revision: 'r2' };
  const finding = (vulnerability: string, status: 'open' | 'fixed', revision = 'r2') => ({
    vulnerability,
    status,
    advisory_revision: revision,
  });

  it('leaves an app-environment whose findings already say what the advisory says', () => {
    expect(needsEvaluation(current, true, [finding('CVE-2026-1', 'open')])).toBe(false);
    expect(needsEvaluation(current, false, [])).toBe(false);
    expect(needsEvaluation(current, false, [finding('CVE-2026-1', 'fixed', 'r1')])).toBe(false);
  });

  it('evaluates where a finding opens, changes, closes or moves to another id', () => {
    expect(needsEvaluation(current, true, [])).toBe(true);
    expect(needsEvaluation(current, true, [finding('CVE-2026-1', 'fixed')])).toBe(true);
    expect(needsEvaluation(current, true, [finding('CVE-2026-1', 'open', 'r1')])).toBe(true);
    expect(needsEvaluation(current, false, [finding('CVE-2026-1', 'open')])).toBe(true);
    expect(
      needsEvaluation(current, true, [finding('GHSA-xxxx', 'open'), finding('CVE-2026-1', 'open')]),
    ).toBe(true);
  });

  it('closes the open findings of a withdrawn vulnerability, and nothing else', () => {
    expect(needsEvaluation(undefined, false, [finding('CVE-2026-1', 'open')])).toBe(true);
    expect(needsEvaluation(undefined, false, [finding('CVE-2026-1', 'fixed')])).toBe(false);
  });
});
