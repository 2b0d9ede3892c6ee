import { otpRelease } from './advisories/exposure.ts';
import type { Ecosystem } from './ecosystem.ts';

/**
 * How tools outside Muster name what an instance runs: a Package URL (purl) for each application, as
 * the Erlang Ecosystem Foundation's advisories name them, and a CPE where the NVD's records match on one.
 *
 * - Hex packages: `pkg:hex/plug@1.16.1`. Muster knows the application's name, which is the Hex
 *   package's name for all but a few packages.
 * - Erlang/OTP's applications and Elixir's own (elixir, logger, eex, mix, ex_unit, iex): `pkg:otp/ssl@11.1.4.7`,
 *   `pkg:otp/elixir@1.18.3`; ERTS likewise (`pkg:otp/erts@15.2.7`).
 * - The OTP release itself, which Muster keeps as the dependency `otp`: `pkg:github/erlang/otp@27.3.4.2`,
 *   as the EEF's CVE records name it beside the applications.
 */

export interface RunningPackage {
  name: string;
  version: string;
  ecosystem: Ecosystem;
}

/**
 * A purl's name and version are percent-encoded: what a heartbeat may hold needs it only for `+`
 * (build metadata, `1.0.0+build.1`), which a purl reads as a space otherwise.
 */
const encoded = (part: string): string => encodeURIComponent(part);

export function packageUrl({ name, version, ecosystem }: RunningPackage): string {
  if (name === otpRelease) return `pkg:github/erlang/otp@${encoded(version)}`;
  const type = ecosystem === 'hex' ? 'hex' : 'otp';
  return `pkg:${type}/${encoded(name)}@${encoded(version)}`;
}

/**
 * CPE 2.3's formatted string escapes every character of a value but letters, digits, `_`, `-` and `.`
 * with a backslash (NISTIR 7695, 6.2).
 */
const cpeValue = (text: string): string => text.replace(/[^A-Za-z0-9_.-]/g, (character) => `\\${character}`);

/** The NVD's products of Erlang/OTP and Elixir, which the EEF's CVE records also name. */
const cpeProducts: Record<string, string> = {
  [otpRelease]: 'erlang:erlang\\/otp',
  elixir: 'elixir-lang:elixir',
};

/**
 * The CPE of the OTP release and of Elixir, through which tools that match on the NVD's records (such as
 * Dependency-Track's NVD analyzer) find their advisories. The NVD gives Erlang/OTP's flaws the release's
 * version, never an application's, so an application such as ssl gets none.
 */
export function platformCpe({ name, version }: RunningPackage): string | undefined {
  const product = cpeProducts[name];
  return product ? `cpe:2.3:a:${product}:${cpeValue(version)}:*:*:*:*:*:*:*` : undefined;
}
