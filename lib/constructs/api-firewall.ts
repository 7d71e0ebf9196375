import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { problem, type ProblemCode } from '../../lambda/contract/problems';
import type { FirewallConfig, LogRetentionDays } from '../config';

export interface ApiFirewallProps {
  /** The deployment's stage: part of the web ACL's and its log group's names. */
  readonly stage: string;
  /** The API stage the web ACL protects. */
  readonly apiStage: Stage;
  /** The stage's name, the first segment of every path WAF sees. */
  readonly apiStageName: string;
  /** The web client's origin: WAF's own answers carry it, so the page can read them. */
  readonly webOrigin: string;
  /** Rate limits per client IP in 5 minutes. */
  readonly limits: FirewallConfig;
  /** How long WAF's logs of blocked and counted requests are kept. */
  readonly logRetentionDays: LogRetentionDays;
  /**
   * Keep the log group when the stack is destroyed.
   * @default false
   */
  readonly retainData?: boolean;
}

/** Requests are counted over this window, in seconds (WAF's default and longest but one). */
export const RATE_WINDOW_SECONDS = 300;

/** The largest JSON body the API takes; the contract's bodies are far smaller. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * The API's web ACL (AWS WAF, regional, on the API stage): rate limits per client IP for all
 * requests, tighter ones for the caller routes (no sign-in, so the firewall and the link binding
 * are all that stand in front of them) and for binding a device (an offline guess of a label's
 * secret costs a scrypt), AWS's common rule set, and a body size ceiling.
 *
 * What WAF blocks with its own answer is problem+json (WAF can only label it `application/json`)
 * with the web origin's CORS header; what the managed rules block is answered by API Gateway's
 * WAF_FILTERED gateway response, which is problem+json already.
 */
export class ApiFirewall extends Construct {
  public readonly webAcl: CfnWebACL;
  public readonly association: CfnWebACLAssociation;
  /** Blocked and counted requests, with the Authorization header redacted. */
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const { limits, apiStageName } = props;
    const name = `sightline-${props.stage}-api`;
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const headers = [
      { name: 'Access-Control-Allow-Origin', value: props.webOrigin },
      { name: 'Cache-Control', value: 'no-store' },
    ];
    const throttled: CfnWebACL.RuleActionProperty = {
      block: {
        customResponse: {
          responseCode: 429,
          customResponseBodyKey: 'throttled',
          responseHeaders: [...headers, { name: 'Retry-After', value: String(RATE_WINDOW_SECONDS) }],
        },
      },
    };
    const rateRule = (
      priority: number,
      ruleName: string,
      limit: number,
      scopeDownStatement?: CfnWebACL.StatementProperty,
    ): CfnWebACL.RuleProperty => ({
      name: ruleName,
      priority,
      action: throttled,
      statement: {
        rateBasedStatement: {
          limit,
          aggregateKeyType: 'IP',
          evaluationWindowSec: RATE_WINDOW_SECONDS,
          scopeDownStatement,
        },
      },
      visibilityConfig: visibility(`${name}-${ruleName}`),
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name,
      description: 'Sightline API: rate limits, AWS common rules and a body size ceiling',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(name),
      // API Gateway sends WAF the first 16 KB of a body (no extra cost at this size), so the body
      // rules below see every byte of any body the API accepts.
      associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: 'KB_16' } } },
      customResponseBodies: {
        throttled: problemBody(
          'THROTTLED',
          'Too many requests from this address; try again in a few minutes.',
        ),
        'too-large': problemBody(
          'PAYLOAD_TOO_LARGE',
          `Request bodies may be at most ${MAX_BODY_BYTES} bytes.`,
        ),
      },
      rules: [
        rateRule(0, 'rate-all', limits.rateLimit),
        rateRule(1, 'rate-citizen', limits.citizenRateLimit, pathMatches(`^(?:/${apiStageName})?/citizen/`)),
        rateRule(2, 'rate-bind', limits.bindRateLimit, {
          andStatement: {
            statements: [methodIs('POST'), pathMatches(`^(?:/${apiStageName})?/devices/?$`)],
          },
        }),
        {
          name: 'body-size',
          priority: 3,
          action: {
            block: {
              customResponse: {
                responseCode: 413,
                customResponseBodyKey: 'too-large',
                responseHeaders: headers,
              },
            },
          },
          statement: {
            sizeConstraintStatement: {
              // A body beyond what WAF inspects is beyond MAX_BODY_BYTES: it matches, so it is blocked.
              fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
              comparisonOperator: 'GT',
              size: MAX_BODY_BYTES,
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          visibilityConfig: visibility(`${name}-body-size`),
        },
        {
          name: 'aws-common',
          priority: 4,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              // Its body rule blocks bodies above 8 KB; the body-size rule above sets our ceiling.
              ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
            },
          },
          visibilityConfig: visibility(`${name}-aws-common`),
        },
      ],
    });

    this.association = new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.apiStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    this.association.node.addDependency(props.apiStage);

    // WAF logs to CloudWatch only into groups whose names start with `aws-waf-logs-`.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${name}`,
      retention: props.logRetentionDays as RetentionDays,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The group's ARN without the `:*` of `logGroupArn`, as WAF expects it.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: this.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // The ID token of signed-in requests never reaches a log.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
      // Only what WAF acted on: allowed traffic is in the API's access logs already.
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
          },
        ],
      },
    });
  }
}

function problemBody(code: ProblemCode, detail: string): CfnWebACL.CustomResponseBodyProperty {
  // WAF's content types stop at application/json; the body is the contract's problem.
  return { contentType: 'APPLICATION_JSON', content: JSON.stringify(problem(code, detail)) };
}

/** The request path, decoded and normalised (`//`, `./`) so spelling it differently does not slip by. */
function pathMatches(regexString: string): CfnWebACL.StatementProperty {
  return {
    regexMatchStatement: {
      regexString,
      fieldToMatch: { uriPath: {} },
      textTransformations: [
        { priority: 0, type: 'URL_DECODE' },
        { priority: 1, type: 'NORMALIZE_PATH' },
      ],
    },
  };
}

function methodIs(method: string): CfnWebACL.StatementProperty {
  return {
    byteMatchStatement: {
      searchString: method,
      fieldToMatch: { method: {} },
      positionalConstraint: 'EXACTLY',
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
}
