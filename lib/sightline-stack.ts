import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { TableKey } from '../lambda/contract/types';
import type { SightlineConfig } from './config';
import { Api } from './constructs/api';
import { Auth } from './constructs/auth';
import { Data } from './constructs/data';
import { DeviceFleet } from './constructs/device-fleet';
import { WebHosting } from './constructs/web-hosting';
import { pascalCase } from './naming';

export interface SightlineStackProps extends StackProps {
  /** The checked configuration; its `region` is the stack's region. */
  readonly config: SightlineConfig;
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

  constructor(scope: Construct, id: string, props: SightlineStackProps) {
    const { config } = props;
    super(scope, id, {
      description: `Sightline (${config.stage}): live video for home cameras and emergency call centres`,
      ...props,
      // The region comes from the configuration, so the page's CSP and the stack cannot disagree.
      env: { account: props.env?.account, region: config.region },
    });
    const { retainData, logRetentionDays, logLevel } = config;

    this.auth = new Auth(this, 'Auth', { retainData });
    this.data = new Data(this, 'Data', { retainData });
    this.fleet = new DeviceFleet(this, 'Fleet', {
      stage: config.stage,
      devicesTable: this.data.tables.devices,
      logRetentionDays,
      logLevel,
    });
    this.web = new WebHosting(this, 'Web', { region: config.region, logRetentionDays, retainData });
    this.api = new Api(this, 'Api', {
      userPool: this.auth.userPool,
      tables: this.data.tables,
      webOrigin: this.web.url,
      throttle: config.apiThrottle,
      logRetentionDays,
      logLevel,
      retainData,
      apiName: `sightline-${config.stage}`,
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
    for (const [key, table] of Object.entries(this.data.tables) as [TableKey, { tableName: string }][]) {
      new CfnOutput(this, `${pascalCase(key)}TableName`, { value: table.tableName });
    }
  }
}
