import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { TableKey } from '../lambda/contract/types';
import type { SightlineConfig } from './config';
import { scheduledHandlerResources } from './handler-resources';
import { Api, API_STAGE, type ApiProps } from './constructs/api';
import { ApiFirewall } from './constructs/api-firewall';
import { photosBucketOrigin } from './constructs/photos-bucket';
import { ScheduledHandlers, ShowMe, type ScheduledHandlersProps } from './constructs/show-me';
import { Auth } from './constructs/auth';
import { Data } from './constructs/data';
import { DeviceFleet } from './constructs/device-fleet';
import { Operations } from './constructs/operations';
import { SightlineFunction } from './constructs/sightline-function';
import { WebHosting } from './constructs/web-hosting';
import { pascalCase } from './naming';
import { regionProblem } from './regions';
import { retainedResources } from './retained';

export interface SightlineStackProps extends StackProps {
  /** The checked configuration; its `region` is the stack's region. */
  readonly config: SightlineConfig;
  /**
   * The routes to serve (tests).
   * @default liveRoutes()
   */
  readonly routes?: ApiProps['routes'];
  /**
   * What each route's handler may touch (tests).
   * @default handlerResources of lib/handler-resources.ts
   */
  readonly handlerResources?: ApiProps['handlerResources'];
  /**
   * The scheduled handlers (tests).
   * @default scheduledHandlerResources of lib/handler-resources.ts
   */
  readonly scheduledHandlers?: ScheduledHandlersProps['handlers'];
}

/**
 * The whole platform in one stack. It only wires the constructs together; what each one makes
 * and why lives in the construct.
 */
export class SightlineStack extends Stack {
  public readonly auth: Auth;
  public readonly data: Data;
  public readonly fleet: DeviceFleet;
  public readonly web: WebHosting;
  public readonly api: Api;
  public readonly showMe: ShowMe;
  public readonly firewall: ApiFirewall;
  public readonly scheduled: ScheduledHandlers;
  public readonly operations: Operations;

  constructor(scope: Construct, id: string, props: SightlineStackProps) {
    const { config } = props;
    // Also here, for a configuration that did not come through parseConfig.
    const problem = regionProblem(config.region);
    if (problem) throw new Error(`Cannot synthesize ${id}: ${problem}`);
    super(scope, id, {
      description: `Sightline (${config.stage}): live video for home cameras and emergency call centres`,
      ...props,
      // The region comes from the configuration, so the page's CSP and the stack cannot disagree.
      env: { account: props.env?.account, region: config.region },
    });
    const { retainData, logRetentionDays, logLevel } = config;

    this.auth = new Auth(this, 'Auth', {
      retainData,
      email: config.cognitoEmail,
      logRetentionDays,
      logLevel,
    });
    this.data = new Data(this, 'Data', { retainData });
    this.fleet = new DeviceFleet(this, 'Fleet', {
      stage: config.stage,
      devicesTable: this.data.tables.devices,
      auditTable: this.data.tables.audit,
      invitesTable: this.data.tables.invites,
      logRetentionDays,
      logLevel,
      retainData,
    });
    this.web = new WebHosting(this, 'Web', {
      region: config.region,
      logRetentionDays,
      retainData,
      // Callers post photos to the bucket, dispatchers fetch them (by presigned URLs).
      extraConnectSrc: [photosBucketOrigin(config.stage, config.region, this.account)],
    });
    this.showMe = new ShowMe(this, 'ShowMe', {
      config,
      accessLogsBucket: this.web.logsBucket,
      webOrigin: this.web.url,
    });
    this.web.emptiesBeforeItsLogs(this.showMe.photos.bucket);
    this.api = new Api(this, 'Api', {
      userPool: this.auth.userPool,
      tables: this.data.tables,
      webOrigin: this.web.url,
      throttle: config.apiThrottle,
      logRetentionDays,
      logLevel,
      retainData,
      apiName: `sightline-${config.stage}`,
      sms: this.showMe.sms,
      photos: this.showMe.photos,
      deviceShadows: this.fleet.shadows,
      routes: props.routes,
      handlerResources: props.handlerResources,
    });
    // On destroy, no invite may be sent (a new channel) once the teardown has listed them.
    const createInvite = this.api.functions['create-invite'];
    if (createInvite) createInvite.fn.node.addDependency(this.fleet.teardownResource);
    this.firewall = new ApiFirewall(this, 'Firewall', {
      stage: config.stage,
      apiStage: this.api.restApi.deploymentStage,
      apiStageName: API_STAGE,
      webOrigin: this.web.url,
      limits: config.firewall,
      logRetentionDays,
      retainData,
    });
    this.scheduled = new ScheduledHandlers(this, 'Scheduled', {
      handlers: props.scheduledHandlers ?? scheduledHandlerResources,
      dependencies: { tables: this.data.tables, sms: this.showMe.sms, photos: this.showMe.photos },
      webOrigin: this.web.url,
      logRetentionDays,
      logLevel,
      retainData,
    });
    this.operations = new Operations(this, 'Operations', {
      alarmEmail: config.alarmEmail,
      thresholds: config.alarms,
      api: this.api.restApi,
      functions: this.node.findAll().filter((c): c is SightlineFunction => c instanceof SightlineFunction),
      // The IoT rules' targets; a scheduled run that fails is redone by the next one.
      asyncFunctions: [this.fleet.registered, this.fleet.presence, this.fleet.refusals],
    });
    // After the API: config.json carries the API's URL, and the API's CORS the site's origin.
    this.web.publish({
      region: config.region,
      apiUrl: this.api.url,
      userPoolId: this.auth.userPool.userPoolId,
      userPoolClientId: this.auth.userPoolClient.userPoolClientId,
      authFlow: 'USER_SRP_AUTH',
    });

    // `cdk deploy` writes these to outputs.json (cdk.json "outputsFile") for the CLIs and tests.
    new CfnOutput(this, 'Region', { value: config.region });
    new CfnOutput(this, 'WebUrl', { value: this.web.url });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.userPoolClient.userPoolClientId });
    // What imaging a camera needs: where it connects, the template it provisions with, and the
    // secret that holds the batch's claim certificate and key.
    new CfnOutput(this, 'IotEndpoint', { value: this.fleet.claim.dataEndpoint });
    new CfnOutput(this, 'ProvisioningTemplateName', { value: this.fleet.names.template });
    new CfnOutput(this, 'ClaimSecretArn', { value: this.fleet.claim.secret.secretArn });
    new CfnOutput(this, 'PhotosBucketName', { value: this.showMe.photos.bucket.bucketName });
    new CfnOutput(this, 'SmsConfigurationSetName', { value: this.showMe.sms.configurationSetName });
    for (const [key, table] of Object.entries(this.data.tables) as [TableKey, { tableName: string }][]) {
      new CfnOutput(this, `${pascalCase(key)}TableName`, { value: table.tableName });
    }

    // What outlives the stack, on screen at every deploy and synth (so also before `cdk destroy`),
    // and in the README's Deploy section.
    const retained = retainedResources(this);
    new CfnOutput(this, 'LeftAfterDestroy', {
      description: 'What cdk destroy leaves behind (deletion policy Retain); delete it by hand if unwanted',
      value: retained.join('; ') || 'nothing',
    });
    if (retained.length > 0) {
      Annotations.of(this).addInfo(`cdk destroy leaves behind: ${retained.join('; ')}`);
    }
  }
}
