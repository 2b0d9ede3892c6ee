/** Where a running application comes from, which decides the advisories that apply to it. */
export type Ecosystem = 'otp' | 'elixir' | 'hex';

/**
 * Applications shipped in Erlang/OTP releases (current and retired ones still found in old releases),
 * and `otp` itself: the release an instance runs is kept as a dependency of that name.
 */
const otpApplications = new Set([
  'otp',
  'asn1',
  'common_test',
  'compiler',
  'cosevent',
  'coseventdomain',
  'cosfiletransfer',
  'cosnotification',
  'cosproperty',
  'costime',
  'costransactions',
  'crypto',
  'debugger',
  'dialyzer',
  'diameter',
  'edoc',
  'eldap',
  'erl_docgen',
  'erl_interface',
  'erts',
  'et',
  'eunit',
  'ftp',
  'gs',
  'hipe',
  'ic',
  'inets',
  'jinterface',
  'kernel',
  'megaco',
  'mnesia',
  'observer',
  'odbc',
  'orber',
  'os_mon',
  'otp_mibs',
  'parsetools',
  'percept',
  'public_key',
  'reltool',
  'runtime_tools',
  'sasl',
  'snmp',
  'ssh',
  'ssl',
  'stdlib',
  'syntax_tools',
  'tftp',
  'tools',
  'typer',
  'webtool',
  'wx',
  'xmerl',
]);

/** Applications shipped with Elixir itself. */
const elixirApplications = new Set(['elixir', 'logger', 'eex', 'mix', 'ex_unit', 'iex']);

export function ecosystemOf(application: string): Ecosystem {
  if (otpApplications.has(application)) return 'otp';
  if (elixirApplications.has(application)) return 'elixir';
  return 'hex';
}
