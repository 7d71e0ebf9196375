#!/usr/bin/env node
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../lib/config';
import { stackName } from '../lib/naming';
import { SightlineStack } from '../lib/sightline-stack';

const app = new App();
const config = loadConfig(app);
new SightlineStack(app, stackName(config.stage), {
  config,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT },
});
// Every AwsSolutions finding is an error at synth unless suppressed, with a reason, where it arises.
Aspects.of(app).add(new AwsSolutionsChecks());
