import type { ScheduleDefinition } from '../../shared/resources.ts';
import { invoke } from './handlers.ts';

const weekDays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** The next time after `from` at which a daily or weekly cron schedule (UTC) fires. */
export function nextFireTime(schedule: ScheduleDefinition, from: Date): Date {
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

/** Fires each schedule's function at its times, as EventBridge Scheduler does, while the process runs. */
export class LocalScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly schedules: ScheduleDefinition[]) {}

  start(): void {
    for (const schedule of this.schedules) this.arm(schedule);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Runs a schedule's function now, as the schedule would. */
  fire(name: string): Promise<unknown> {
    const schedule = this.schedules.find((candidate) => candidate.name === name);
    if (!schedule) throw new Error(`no schedule named ${name}`);
    return invoke(schedule.function, {});
  }

  private arm(schedule: ScheduleDefinition): void {
    const delay = nextFireTime(schedule, new Date()).getTime() - Date.now();
    this.timers.set(
      schedule.name,
      setTimeout(() => {
        this.fire(schedule.name)
          .catch((error) => console.error(`local schedule ${schedule.name} failed`, error))
          .finally(() => this.arm(schedule));
      }, delay),
    );
  }
}
