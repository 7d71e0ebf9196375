import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Aspects } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig, type SightlineConfig } from '../../../lib/config';
import { SightlineStack, type SightlineStackProps } from '../../../lib/sightline-stack';

/** A configuration unlike cdk.json's in region and retention, so tests see them flow through. */
export const testConfig: SightlineConfig = parseConfig({
  stage: 'test',
  region: 'eu-west-1',
  logRetentionDays: 30,
  alarmEmail: null,
  apiThrottle: { rateLimit: 25, burstLimit: 40 },
});

/** cdk.json's context: the same feature flags as `cdk synth`, so the templates are the same. */
const cdkJsonContext = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'cdk.json'), 'utf8'),
).context;

/**
 * Synthesizes the whole stack as `bin/sightline.ts` does, but without bundling (no esbuild, no
 * web build), so a test file pays for one synth of about a second.
 */
export function synthSightline(
  options: {
    config?: Partial<SightlineConfig>;
    nag?: boolean;
    /** Routes, handler resources or scheduled handlers other than the repository's. */
    stackProps?: Omit<SightlineStackProps, 'config' | 'env'>;
  } = {},
) {
  const app = new App({ context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [] } });
  const stack = new SightlineStack(app, 'Sightline', {
    ...options.stackProps,
    config: { ...testConfig, ...options.config },
    env: { account: '123456789012' },
  });
  if (options.nag) Aspects.of(app).add(new AwsSolutionsChecks());
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical ids of the resources of one type whose properties match. */
export function logicalIds(template: Template, type: string, props?: object): string[] {
  return Object.keys(template.findResources(type, props ? { Properties: props } : undefined));
}
