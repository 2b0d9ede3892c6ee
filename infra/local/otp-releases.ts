/**
 * Representative Erlang/OTP releases with the versions of the applications a Phoenix release loads
 * from them: the demo fleet and the benchmark's fleets run on these.
 */
export interface OtpRelease {
  otp: string;
  erts: string;
  apps: Record<string, string>;
}

export const otpReleases: OtpRelease[] = [
  {
    otp: '25.3.2.12',
    erts: '13.2.2.7',
    apps: {
      kernel: '8.5.4.2',
      stdlib: '4.3.1.3',
      compiler: '8.2.6.4',
      crypto: '5.1.4.2',
      public_key: '1.13.3.2',
      ssl: '10.9.1.3',
      ssh: '4.15.3.3',
      inets: '8.3.1.2',
      asn1: '5.0.21.1',
      sasl: '4.2',
      runtime_tools: '1.19',
      os_mon: '2.8.2',
    },
  },
  {
    otp: '26.2.5.4',
    erts: '14.2.5.4',
    apps: {
      kernel: '9.2.4.2',
      stdlib: '5.2.3.2',
      compiler: '8.4.3',
      crypto: '5.4.2.1',
      public_key: '1.15.1.3',
      ssl: '11.1.4.3',
      ssh: '5.1.4.2',
      inets: '9.1.0.1',
      asn1: '5.2.2',
      sasl: '4.2.1',
      runtime_tools: '2.0.1',
      os_mon: '2.9.1',
    },
  },
  {
    otp: '27.1.2',
    erts: '15.1.2',
    apps: {
      kernel: '10.1.1',
      stdlib: '6.1.2',
      compiler: '8.5.3',
      crypto: '5.5.1',
      public_key: '1.16.3',
      ssl: '11.2.3',
      ssh: '5.2.3',
      inets: '9.3',
      asn1: '5.3.1',
      sasl: '4.2.2',
      runtime_tools: '2.1.1',
      os_mon: '2.10.1',
    },
  },
];
