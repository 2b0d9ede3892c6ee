import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MusterStack } from './muster-stack.ts';

const app = new App();
new MusterStack(app, 'Muster', {
  summaryFrom: app.node.tryGetContext('summaryFrom') ?? 'muster@example.com',
  dashboardUrl: app.node.tryGetContext('dashboardUrl'),
  // OSV's Hex export carries the Erlang Ecosystem Foundation's and GitHub's advisories for Hex.
  advisorySources: (
    app.node.tryGetContext('advisorySources') ??
    'https://osv-vulnerabilities.storage.googleapis.com/Hex/all.zip'
  ).split(','),
  description: 'Muster: runtime inventory of Elixir apps and their vulnerable dependencies',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
