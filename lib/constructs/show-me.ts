import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { LogLevel, LogRetentionDays, SightlineConfig } from '../config';
import type { ScheduledHandlerResources } from '../handler-resources';
import { pascalCase } from '../naming';
import { PhotosBucket } from './photos-bucket';
import { SightlineFunction, type HandlerDependencies } from './sightline-function';
import { Sms } from './sms';

export interface ShowMeProps {
  /** The deployment's configuration: stage, region, SMS, photo retention, logs. */
  readonly config: SightlineConfig;
  /** Receives the photos bucket's server access logs. */
  readonly accessLogsBucket: IBucket;
  /** The web client's origin: the only one browsers may post photos from or fetch them from. */
  readonly webOrigin: string;
}

/**
 * The AWS resources of "show me" that are not the API's: the caller photos' bucket and
 * the invite SMS. Handlers reach them through their flags in lib/handler-resources.ts.
 */
export class ShowMe extends Construct {
  public readonly photos: PhotosBucket;
  public readonly sms: Sms;

  constructor(scope: Construct, id: string, props: ShowMeProps) {
    super(scope, id);
    const { config } = props;
    this.photos = new PhotosBucket(this, 'Photos', {
      stage: config.stage,
      region: config.region,
      retentionDays: config.photoRetentionDays,
      accessLogsBucket: props.accessLogsBucket,
      retainData: config.retainData,
    });
    this.photos.allowBrowsersFrom(props.webOrigin);
    this.sms = new Sms(this, 'Sms', {
      stage: config.stage,
      config: config.sms,
      logRetentionDays: config.logRetentionDays,
      retainData: config.retainData,
    });
  }
}

export interface ScheduledHandlersProps {
  /** The handlers to run, by name; only `live` ones are deployed. */
  readonly handlers: Readonly<Record<string, ScheduledHandlerResources>>;
  /** What their needs are granted from. */
  readonly dependencies: HandlerDependencies;
  /** The web client's origin, as the API's functions get it. */
  readonly webOrigin: string;
  readonly logRetentionDays: LogRetentionDays;
  readonly logLevel?: LogLevel;
  /**
   * Keep the functions' log groups when the stack is destroyed.
   * @default false
   */
  readonly retainData?: boolean;
}

/** Handlers run by an EventBridge schedule, such as `expire-invites` every 5 minutes. */
export class ScheduledHandlers extends Construct {
  /** One function per live scheduled handler, by handler name. */
  public readonly functions: Readonly<Record<string, SightlineFunction>>;
  /** The schedule of each, by handler name. */
  public readonly rules: Readonly<Record<string, Rule>>;

  constructor(scope: Construct, id: string, props: ScheduledHandlersProps) {
    super(scope, id);
    const functions: Record<string, SightlineFunction> = {};
    const rules: Record<string, Rule> = {};
    for (const [handler, needs] of Object.entries(props.handlers)) {
      if (needs.stage !== 'live') continue;
      if (!Number.isInteger(needs.everyMinutes) || needs.everyMinutes < 1) {
        throw new Error(`Scheduled handler ${handler}: everyMinutes must be a whole number of at least 1`);
      }
      const fn = new SightlineFunction(this, `${pascalCase(handler)}Function`, {
        handler,
        description: `Sightline scheduled: ${handler}`,
        logRetentionDays: props.logRetentionDays,
        logLevel: props.logLevel,
        retainLogs: props.retainData,
        memorySize: needs.memorySize,
        // A run that overlaps the next one would only do the same work twice.
        timeout: Duration.minutes(Math.min(needs.everyMinutes, 5)),
        environment: { WEB_URL: props.webOrigin },
      }).applyResources(needs, props.dependencies);
      // EventBridge invokes asynchronously; a failed run is retried by the next one, not by Lambda.
      fn.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(needs.everyMinutes) });
      rules[handler] = new Rule(this, `${pascalCase(handler)}Schedule`, {
        description: `Runs the ${handler} handler every ${needs.everyMinutes} minutes`,
        schedule: Schedule.rate(Duration.minutes(needs.everyMinutes)),
        targets: [new LambdaFunction(fn.fn, { retryAttempts: 0 })],
      });
      functions[handler] = fn;
    }
    this.functions = functions;
    this.rules = rules;
  }
}
