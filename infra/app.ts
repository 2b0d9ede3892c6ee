import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defaultAdvisorySources, parseAdvisorySources } from '../shared/advisory-sources.ts';
import { buildDashboard } from './dashboard/build.ts';
import { MusterStack } from './muster-stack.ts';

// Synthesis is synchronous and the build is not: the dashboard is built first, and the stack uploads it.
const dashboard = await buildDashboard();
const app = new App();
new MusterStack(app, 'Muster', {
  summaryFrom: app.node.tryGetContext('summaryFrom') ?? 'muster@example.com',
  dashboardUrl: app.node.tryGetContext('dashboardUrl'),
  dashboard,
  advisorySources: parseAdvisorySources(app.node.tryGetContext('advisorySources') ?? defaultAdvisorySources),
  gitHubApp: app.node.tryGetContext('githubAppId')
    ? {
        appId: String(app.node.tryGetContext('githubAppId')),
        apiUrl: app.node.tryGetContext('githubApiUrl') ?? 'https://api.github.com',
      }
    : undefined,
  alarmEmail: app.node.tryGetContext('alarmEmail'),
  description: 'Muster: runtime inventory of Elixir apps and their vulnerable dependencies',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
