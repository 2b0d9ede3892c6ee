import { type CfnElement, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { ScheduleDefinition } from '../../shared/resources.ts';
import type { MusterFunction } from './muster-function.ts';

function expression(definition: ScheduleDefinition): ScheduleExpression {
  if ('everyMinutes' in definition) return ScheduleExpression.rate(Duration.minutes(definition.everyMinutes));
  const { minute, hour, weekDay } = definition.cron;
  return ScheduleExpression.cron({
    minute: String(minute),
    hour: String(hour),
    ...(weekDay ? { weekDay } : { day: '*' }),
    timeZone: TimeZone.ETC_UTC,
  });
}

/**
 * An EventBridge Scheduler schedule that invokes its function at the definition's rate or cron (UTC),
 * with `{ "time": <scheduled time> }`.
 */
export class ScheduledInvocation extends Construct {
  constructor(scope: Construct, id: string, definition: ScheduleDefinition, target: MusterFunction) {
    super(scope, id);
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    new Schedule(this, 'Schedule', {
      description: `Muster ${definition.name}`,
      schedule: expression(definition),
      target: new LambdaInvoke(target.function, {
        // The time the run was due, not when it ran: a retried run still knows which week it is for.
        input: ScheduleTargetInput.fromObject({ time: ContextAttribute.scheduledTime }),
        role,
      }),
    });
    const functionId = Stack.of(this).getLogicalId(target.function.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason:
        'The schedule may invoke only its one function; the :* suffix stands for that function’s versions.',
    });
  }
}
