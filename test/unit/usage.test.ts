import { describe, expect, it } from 'vitest';
import type { UsageRow } from '../../shared/entities/usage.ts';
import {
  type CountDelta,
  contributionOf,
  diffUsage,
  exposureRank,
  type PendingUsage,
  rowId,
  usageRows,
} from '../../shared/usage.ts';

const exposed = { internet_facing: true, handles_pii: true, urls: ['https://shop.example.com'] };

const dependency = (instance: string, name: string, version: string) => ({
  instance,
  name,
  version,
  ecosystem: 'hex' as const,
  expires_at: 1_800_000_000,
});

describe('exposureRank', () => {
  it('ranks production first, then internet-facing, then personal data', () => {
    expect(exposureRank('prod', { internet_facing: true, handles_pii: true })).toBe(0);
    expect(exposureRank('prod', { internet_facing: true, handles_pii: false })).toBe(1);
    expect(exposureRank('production', { internet_facing: false, handles_pii: true })).toBe(2);
    expect(exposureRank('staging', { internet_facing: true, handles_pii: true })).toBe(4);
    expect(exposureRank('dev', { internet_facing: false, handles_pii: false })).toBe(7);
  });
});

describe('usageRows', () => {
  it('makes one row per package and version, counting and naming its instances, and marks drift', () => {
    const rows = usageRows('shop', 'prod', exposed, [
      dependency('shop@4', 'plug', '1.16.1'),
      dependency('shop@2', 'plug', '1.16.1'),
      dependency('shop@3', 'plug', '1.16.1'),
      dependency('shop@1', 'plug', '1.16.1'),
      dependency('shop@5', 'plug', '1.16.2'),
      dependency('shop@1', 'jason', '1.4.4'),
      dependency('shop@2', 'jason', '1.4.4'),
    ]);
    expect(
      rows.map((row) => [row.package, row.version, row.instance_count, row.instances, row.drift]),
    ).toEqual([
      ['jason', '1.4.4', 2, ['shop@1', 'shop@2'], false],
      ['plug', '1.16.1', 4, ['shop@1', 'shop@2', 'shop@3'], true],
      ['plug', '1.16.2', 1, ['shop@5'], true],
    ]);
    expect(rows[0]).toMatchObject({ app: 'shop', environment: 'prod', rank: 0, urls: exposed.urls });
  });
});

/** A DynamoDB stand-in for the counts: each token's delta is applied once, as the conditional update does. */
class Counts {
  readonly values = new Map<string, number>();
  private readonly applied = new Set<string>();

  apply(token: string, deltas: CountDelta[]): void {
    for (const delta of deltas) {
      const marker = `${token}/${rowId(delta)}`;
      if (this.applied.has(marker)) continue;
      this.applied.add(marker);
      for (const [field, by] of Object.entries(delta.add)) {
        const key = `${rowId(delta)}/${field}`;
        this.values.set(key, (this.values.get(key) ?? 0) + by);
      }
    }
  }

  nonZero(): Record<string, number> {
    return Object.fromEntries([...this.values].filter(([, value]) => value !== 0).sort());
  }
}

/** What the counts should be: each row's contribution, added up. */
function expectedCounts(rows: UsageRow[]): Record<string, number> {
  const counts = new Counts();
  counts.apply('truth', diffUsage([], rows).deltas);
  return counts.nonZero();
}

/**
 * One evaluation as the store runs it (stores/usage-store.ts): finish an unfinished outbox, record its
 * own, write rows, apply its deltas, clear the outbox. It may die after any step.
 */
function evaluate(
  state: { rows: Map<string, UsageRow>; pending?: PendingUsage; counts: Counts },
  next: UsageRow[],
  token: string,
  dieAfter: number,
): void {
  const unfinished = state.pending;
  const changes = diffUsage([...state.rows.values()], next, unfinished);
  if (unfinished) state.counts.apply(unfinished.token, unfinished.deltas);
  if (dieAfter === 0) return;
  if (changes.deltas.length > 0)
    state.pending = { token, deltas: changes.deltas, intended: changes.intended };
  if (dieAfter === 1) return;
  const writes: (() => void)[] = [
    ...changes.puts.map((row) => () => void state.rows.set(rowId(row), row)),
    ...changes.deletes.map((row) => () => void state.rows.delete(rowId(row))),
  ];
  // Rows are written in batches: a death can fall between two of them.
  for (const [index, write] of writes.entries()) {
    if (dieAfter === 2 && index === Math.floor(writes.length / 2)) return;
    write();
  }
  if (changes.deltas.length > 0) {
    const half = Math.ceil(changes.deltas.length / 2);
    state.counts.apply(token, changes.deltas.slice(0, half));
    if (dieAfter === 3) return;
    state.counts.apply(token, changes.deltas.slice(half));
  }
  if (dieAfter === 4) return;
  state.pending = undefined;
}

describe('diffUsage', () => {
  const rows = (versions: Record<string, string>, instances = ['shop@1', 'shop@2'], environment = 'prod') =>
    usageRows(
      'shop',
      environment,
      exposed,
      instances.flatMap((instance) =>
        Object.entries(versions).map(([name, version]) => dependency(instance, name, version)),
      ),
    );

  it('writes nothing and counts nothing when the rows are unchanged', () => {
    const stored = rows({ plug: '1.16.1', jason: '1.4.4' });
    expect(diffUsage(stored, rows({ plug: '1.16.1', jason: '1.4.4' }))).toMatchObject({
      puts: [],
      deletes: [],
      deltas: [],
    });
  });

  it('moves a changed version, and counts the app-environment under its new version', () => {
    const changes = diffUsage(rows({ plug: '1.16.1' }), rows({ plug: '1.16.2' }));
    expect(changes.puts.map((row) => row.version)).toEqual(['1.16.2']);
    expect(changes.deletes).toEqual([expect.objectContaining({ package: 'plug', version: '1.16.1' })]);
    expect(changes.deltas).toEqual([
      { package: 'plug', version: '1.16.1', add: { a0: -1, i0: -2 } },
      { package: 'plug', version: '1.16.2', add: { a0: 1, i0: 2 } },
    ]);
  });

  it('counts a drifting app-environment from its drift copies, not its counts', () => {
    const drifting = usageRows('shop', 'prod', exposed, [
      dependency('shop@1', 'plug', '1.16.1'),
      dependency('shop@2', 'plug', '1.16.2'),
    ]);
    const changes = diffUsage(rows({ plug: '1.16.1' }), drifting);
    expect(changes.driftPuts.map((row) => row.version)).toEqual(['1.16.1', '1.16.2']);
    expect(changes.deltas).toEqual([{ package: 'plug', version: '1.16.1', add: { a0: -1, i0: -2 } }]);
    expect(
      diffUsage(drifting, rows({ plug: '1.16.2' }))
        .driftDeletes.map((row) => row.version)
        .sort(),
    ).toEqual(['1.16.1', '1.16.2']);
    expect(contributionOf(drifting[0]!)).toBeNull();
  });

  it('keeps the counts exact whatever step an evaluation dies after', () => {
    const history = [
      rows({ plug: '1.16.1', jason: '1.4.4' }),
      rows({ plug: '1.16.1', jason: '1.4.4' }, ['shop@1', 'shop@2', 'shop@3']),
      rows({ plug: '1.16.2', jason: '1.4.4' }),
      usageRows('shop', 'prod', exposed, [
        dependency('shop@1', 'plug', '1.16.2'),
        dependency('shop@2', 'plug', '1.17.0'),
      ]),
      rows({ plug: '1.17.0', phoenix: '1.7.14' }, ['shop@1'], 'staging'),
      [],
      rows({ plug: '1.17.0' }),
    ];
    for (let seed = 0; seed < 200; seed++) {
      const state = { rows: new Map<string, UsageRow>(), counts: new Counts() } as {
        rows: Map<string, UsageRow>;
        pending?: PendingUsage;
        counts: Counts;
      };
      let random = seed + 1;
      const roll = () => {
        random = (random * 48271) % 2147483647;
        return random % 7;
      };
      for (const [step, next] of history.entries()) {
        // Dies now and then (rolls 0-4), and is then evaluated again to the end, as SQS redelivers.
        const dieAfter = roll();
        evaluate(state, next, `t${step}a`, dieAfter);
        if (dieAfter <= 4) evaluate(state, next, `t${step}b`, 9);
        expect(state.pending).toBeUndefined();
        expect(state.counts.nonZero()).toEqual(expectedCounts(next));
        const byId = (a: UsageRow, b: UsageRow) => rowId(a).localeCompare(rowId(b));
        expect([...state.rows.values()].sort(byId)).toEqual([...next].sort(byId));
      }
    }
  });
});
