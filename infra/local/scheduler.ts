import type { ScheduleDefinition } from '../../shared/resources.ts';
import { invoke } from './handlers.ts';

const weekDays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/**
 * The next time after `from` at which a schedule fires: a daily or weekly cron (UTC), or a rate of
 * `everySeconds` (the definition's rate unless the local stack set its own).
 */
export function nextFireTime(schedule: ScheduleDefinition, from: Date, everySeconds?: number): Date {
  if ('everyMinutes' in schedule)
    return new Date(from.getTime() + (everySeconds ?? schedule.everyMinutes * 60) * 1000);
  const { minute, hour, weekDay } = schedule.cron;
  const next = new Date(from);
  next.setUTCHours(hour, minute, 0, 0);
  if (weekDay === undefined) {
    if (next.getTime() <= from.getTime()) next.setUTCDate(next.getUTCDate() + 1);
    return next;
  }
  const dayOffset = (weekDays.indexOf(weekDay) - next.getUTCDay() + 7) % 7;
  next.setUTCDate(next.getUTCDate() + dayOffset);
  if (next.getTime() <= from.getTime()) next.setUTCDate(next.getUTCDate() + 7);
  return next;
}

/**
 * Fires each schedule's function at its times, as EventBridge Scheduler does, while the process runs.
 * Schedules at a rate fire once at start as well: a machine that was off has missed their runs.
 */
export class LocalScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  /** `everySeconds` replaces the rate of a rate schedule, by name. */
  constructor(
    private readonly schedules: ScheduleDefinition[],
    private readonly everySeconds: Record<string, number> = {},
  ) {}

  start(): void {
    for (const schedule of this.schedules) {
      if ('everyMinutes' in schedule) this.run(schedule);
      else this.arm(schedule);
    }
  }

  /** Fires nothing more; a run in flight finishes on its own, and its failure is not reported. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Runs a schedule's function now, as the schedule would, with this event. */
  fire(name: string, event: unknown = {}): Promise<unknown> {
    const schedule = this.schedules.find((candidate) => candidate.name === name);
    if (!schedule) throw new Error(`no schedule named ${name}`);
    return invoke(schedule.function, event);
  }

  private run(schedule: ScheduleDefinition): void {
    this.fire(schedule.name, { time: new Date().toISOString() })
      .catch((error) => {
        if (!this.stopped) console.error(`local schedule ${schedule.name} failed`, error);
      })
      .finally(() => this.arm(schedule));
  }

  private arm(schedule: ScheduleDefinition): void {
    if (this.stopped) return;
    const next = nextFireTime(schedule, new Date(), this.everySeconds[schedule.name]);
    this.timers.set(
      schedule.name,
      setTimeout(() => this.run(schedule), next.getTime() - Date.now()),
    );
  }
}
