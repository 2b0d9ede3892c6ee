import { vi } from 'vitest';

/**
 * What functions write to stdout and stderr, where Lambda sends both to CloudWatch: Powertools' log
 * lines (warnings and errors on stderr) and metrics in the embedded metric format. Tests that read
 * them enable both before importing handlers.
 */
export function captureOutput(): { lines: () => string[]; restore: () => void } {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  return {
    lines: () => written.flatMap((text) => text.split('\n')).filter((line) => line.trim() !== ''),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

export interface EmittedMetric {
  namespace: string;
  /** Each dimension of the line's one dimension set, with its value. */
  dimensions: Record<string, string>;
  name: string;
  value: number;
}

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** Every metric of the EMF lines, one entry per metric, with its line's dimensions. */
export function emittedMetrics(lines: string[]): EmittedMetric[] {
  return lines
    .filter((line) => line.includes('"_aws"'))
    .flatMap((line) => {
      const entry = JSON.parse(line) as EmfLine;
      return entry._aws.CloudWatchMetrics.flatMap(({ Namespace, Dimensions, Metrics }) => {
        if (Dimensions.length !== 1) throw new Error(`expected one dimension set: ${line}`);
        const dimensions = Object.fromEntries(Dimensions[0]!.map((name) => [name, String(entry[name])]));
        return Metrics.map(({ Name }) => ({
          namespace: Namespace,
          dimensions,
          name: Name,
          value: entry[Name] as number,
        }));
      });
    });
}

/** The JSON log lines with this message. */
export function logged(lines: string[], message: string): Record<string, unknown>[] {
  return lines
    .filter((line) => line.startsWith('{') && !line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.message === message);
}
