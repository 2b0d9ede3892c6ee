/**
 * Erlang/OTP versions: OTP releases (27.3.4.2) and OTP application versions (ssh 5.2.11.6) have any
 * number of numeric parts and no pre-releases. A missing part counts as 0, so 27.3 equals 27.3.0.
 */

export type OtpVersion = number[];

const otpPattern = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

export function parseOtpVersion(text: string): OtpVersion | undefined {
  return otpPattern.test(text) ? text.split('.').map(Number) : undefined;
}

export function compareOtpVersions(a: OtpVersion, b: OtpVersion): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const order = (a[i] ?? 0) - (b[i] ?? 0);
    if (order !== 0) return order;
  }
  return 0;
}

/** The version `~>` stops before: the next-to-last part raised by one (~> 5.2.11 means < 5.3). */
export function otpApproximateUpper(version: OtpVersion): OtpVersion {
  if (version.length === 1) return [version[0]! + 1];
  const upper = version.slice(0, -1);
  upper[upper.length - 1]! += 1;
  return upper;
}
