import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defaultAdvisorySources, parseAdvisorySources } from '../shared/advisory-sources.ts';
import { MusterStack } from './muster-stack.ts';

const app = new App();
new MusterStack(app, 'Muster', {
  summaryFrom: app.node.tryGetContext('summaryFrom') ?? 'muster@example.com',
  dashboardUrl: app.node.tryGetContext('dashboardUrl'),
  advisorySources: parseAdvisorySources(app.node.tryGetContext('advisorySources') ?? defaultAdvisorySources),
  gitHubApp: app.node.tryGetContext('githubAppId')
    ? {
        appId: String(app.node.tryGetContext('githubAppId')),
        apiUrl: app.node.tryGetContext('githubApiUrl') ?? 'https://api.github.com',
      }
    : undefined,
  description: 'Muster: runtime inventory of Elixir apps and their vulnerable dependencies',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
