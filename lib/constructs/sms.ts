import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnConfigurationSet, CfnProtectConfiguration } from 'aws-cdk-lib/aws-smsvoice';
import { getCountries } from 'libphonenumber-js';
import { Construct } from 'constructs';
import type { LogRetentionDays, SmsConfig } from '../config';

export interface SmsProps {
  /** The deployment's stage: part of the configuration set's name. */
  readonly stage: string;
  /** Origination identities, allowed countries and the price ceiling. */
  readonly config: SmsConfig;
  /** How long the delivery events are kept. */
  readonly logRetentionDays: LogRetentionDays;
  /**
   * Keep the delivery events when the stack is destroyed.
   * @default false
   */
  readonly retainData?: boolean;
}

/**
 * Codes libphonenumber knows that are not ISO 3166-1 countries (Ascension, Tristan da Cunha,
 * Kosovo): End User Messaging names destinations by ISO code only.
 */
const NOT_ISO_3166 = new Set(['AC', 'TA', 'XK']);

/**
 * The invites' SMS (AWS End User Messaging SMS): a configuration set whose delivery events go to
 * CloudWatch Logs, and a protect configuration, associated with it, that allows only the
 * deployment's countries. Every invite is sent through this configuration set, and the handler
 * may send through nothing else (`grantSend`).
 */
export class Sms extends Construct {
  public readonly configurationSet: CfnConfigurationSet;
  public readonly protectConfiguration: CfnProtectConfiguration;
  /** Delivery, failure and block events of every message (they carry the destination number). */
  public readonly eventsLogGroup: LogGroup;
  /** The configuration set's name, as SendTextMessage takes it. */
  public readonly configurationSetName: string;
  private readonly config: SmsConfig;

  constructor(scope: Construct, id: string, props: SmsProps) {
    super(scope, id);
    this.config = props.config;
    const retain = props.retainData ?? false;

    // A protect configuration allows every country it does not name, so the allow-list is a
    // rule for every country: ALLOW for the configured ones, BLOCK for all others.
    const allowed = new Set(props.config.allowedCountries);
    const countries = [...new Set([...getCountries(), ...allowed])]
      .filter((code) => !NOT_ISO_3166.has(code))
      .sort();
    this.protectConfiguration = new CfnProtectConfiguration(this, 'ProtectConfiguration', {
      countryRuleSet: {
        sms: countries.map((countryCode) => ({
          countryCode,
          protectStatus: allowed.has(countryCode) ? 'ALLOW' : 'BLOCK',
        })),
      },
      deletionProtectionEnabled: retain,
    });

    this.eventsLogGroup = new LogGroup(this, 'Events', {
      retention: props.logRetentionDays as RetentionDays,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // End User Messaging writes the events with this role; only this account's service may use it.
    const eventsRole = new Role(this, 'EventsRole', {
      assumedBy: new ServicePrincipal('sms-voice.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      }),
      description: 'Writes the invite SMS delivery events to their log group',
    });
    this.eventsLogGroup.grantWrite(eventsRole);

    this.configurationSetName = `sightline-${props.stage}-invites`;
    this.configurationSet = new CfnConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: this.configurationSetName,
      protectConfigurationId: this.protectConfiguration.attrProtectConfigurationId,
      eventDestinations: [
        {
          eventDestinationName: 'cloudwatch-logs',
          enabled: true,
          matchingEventTypes: ['ALL'],
          cloudWatchLogsDestination: {
            iamRoleArn: eventsRole.roleArn,
            logGroupArn: this.eventsLogGroup.logGroupArn,
          },
        },
      ],
    });
    this.configurationSet.node.addDependency(eventsRole);
  }

  /** What may send: this configuration set, its protect configuration and the configured identities. */
  public sendResources(): string[] {
    return [
      this.configurationSet.attrArn,
      this.protectConfiguration.attrArn,
      ...this.config.originationIdentities,
    ];
  }

  /** The statement that lets a handler send invites, and nothing else in End User Messaging. */
  public sendStatement(): PolicyStatement {
    return new PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources: this.sendResources() });
  }

  /** The environment of a handler that sends invites. */
  public environment(): Record<string, string> {
    const [defaultIdentity] = this.config.originationIdentities;
    return {
      SMS_CONFIGURATION_SET: this.configurationSetName,
      SMS_MAX_PRICE: this.config.maxPrice,
      ...(defaultIdentity ? { SMS_ORIGINATION_IDENTITY: defaultIdentity } : {}),
    };
  }
}
