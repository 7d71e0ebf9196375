import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
  type Method,
  type MethodOptions,
  type Model,
  type RequestValidator,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  GATEWAY_MESSAGE,
  gatewayProblems,
  PROBLEM_CONTENT_TYPE,
  problemCodes,
  problemType,
  type GatewayProblemType,
  type ProblemCode,
} from '../../lambda/contract/problems';
import { liveRoutes, type HttpMethod, type OperationId, type RouteSpec } from '../../lambda/contract/routes';
import type { TableKey } from '../../lambda/contract/types';
import type { LogLevel, LogRetentionDays } from '../config';
import { handlerResources as defaultHandlerResources, type HandlerResources } from '../handler-resources';
import { toModelSchema } from '../json-schema';
import { pascalCase } from '../naming';
import type { PhotosBucket } from './photos-bucket';
import { SightlineFunction, type DeviceShadows } from './sightline-function';
import type { Sms } from './sms';

export interface ApiProps {
  /** The user pool whose ID tokens the authorizer accepts. */
  readonly userPool: IUserPool;
  /** The tables handlers may be given, by key. */
  readonly tables: Readonly<Record<TableKey, ITable>>;
  /** The web client's origin (`https://<host>`): the only origin CORS allows. */
  readonly webOrigin: string;
  /** Stage throttling, for all routes together. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** How long CloudWatch keeps access and handler logs. */
  readonly logRetentionDays: LogRetentionDays;
  /**
   * Handler log level.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Keep log groups (and the API Gateway CloudWatch role) when the stack is destroyed.
   * @default false
   */
  readonly retainData?: boolean;
  /**
   * The routes to serve.
   * @default liveRoutes() from lambda/contract/routes.ts
   */
  readonly routes?: readonly [OperationId, RouteSpec][];
  /**
   * What each handler may touch, by handler name.
   * @default handlerResources from lib/handler-resources.ts
   */
  readonly handlerResources?: Readonly<Record<string, HandlerResources>>;
  /**
   * The REST API's name.
   * @default 'sightline'
   */
  readonly apiName?: string;
  /** The invite SMS resources, for handlers that send SMS. */
  readonly sms?: Sms;
  /** The caller photos' bucket, for handlers that sign uploads or downloads. */
  readonly photos?: PhotosBucket;
  /** The fleet's shadows, for handlers that read or update them. */
  readonly deviceShadows?: DeviceShadows;
}

/** The stage name, part of every API URL. */
export const API_STAGE = 'v1';

/**
 * The REST API, generated from the route table: one function per route, the Cognito authorizer
 * on signed-in routes, the contract's JSON schemas as request models, and API Gateway's own
 * errors reshaped into the contract's problem+json.
 */
export class Api extends Construct {
  /** The REST API. */
  public readonly restApi: RestApi;
  /** Checks Cognito ID tokens on `user` and `dispatcher` routes. */
  public readonly authorizer: CognitoUserPoolsAuthorizer;
  /** Validates bodies against the route's model, and required path parameters. */
  public readonly requestValidator: RequestValidator;
  /** One function per handler, by handler name (`list-devices`, ...). */
  public readonly functions: Readonly<Record<string, SightlineFunction>>;
  /** One method per route, by operation id. */
  public readonly methods: Readonly<Partial<Record<OperationId, Method>>>;
  /** The stage's access logs. */
  public readonly accessLogGroup: LogGroup;
  /** The stage's execution logs (errors only). */
  public readonly executionLogGroup: LogGroup;
  /** The API's base URL, without a trailing slash: `https://<id>.execute-api.<region>.amazonaws.com/v1`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const retain = props.retainData ?? false;
    const routes = props.routes ?? liveRoutes();
    const resourcesByHandler: Readonly<Record<string, HandlerResources>> =
      props.handlerResources ?? defaultHandlerResources;

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as RetentionDays,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: props.apiName ?? 'sightline',
      description: 'Sightline API (routes from lambda/contract/routes.ts)',
      // Browsers call it directly from the CloudFront-hosted page; regional keeps it one hop.
      endpointTypes: [EndpointType.REGIONAL],
      // Execution logging (ERROR level) needs API Gateway's CloudWatch role, an account- and
      // region-wide setting that every REST API there shares. It is always retained: destroying it
      // with this stack would leave the setting pointing at nothing and break the others' logs.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: API_STAGE,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        accessLogDestination: new LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
        loggingLevel: MethodLoggingLevel.ERROR,
        // Data traces would log request bodies: binding secrets and invite tokens.
        dataTraceEnabled: false,
      },
    });

    // API Gateway writes execution logs to a group of this name, which it would otherwise create
    // itself, without retention and outside the stack, to outlive `cdk destroy`.
    this.executionLogGroup = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${API_STAGE}`,
      retention: props.logRetentionDays as RetentionDays,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.restApi.deploymentStage.node.addDependency(this.executionLogGroup);

    this.authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [props.userPool],
      identitySource: IdentitySource.header('Authorization'),
    });

    // cdk-nag APIG2 wants both flags; parameters matter for the required path parameters.
    this.requestValidator = this.restApi.addRequestValidator('BodyAndParameters', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    this.addProblemResponses(props.webOrigin);

    const functions: Record<string, SightlineFunction> = {};
    const methods: Partial<Record<OperationId, Method>> = {};
    const methodsByPath = new Map<string, Set<HttpMethod>>();
    for (const [operationId, route] of routes) {
      const handlerResources = resourcesByHandler[route.handler];
      if (!handlerResources) {
        throw new Error(
          `Route ${operationId} is live but lib/handler-resources.ts does not say what handler "${route.handler}" may use`,
        );
      }
      functions[route.handler] ??= this.makeFunction(route.handler, handlerResources, props);
      const fn = functions[route.handler]!;
      methods[operationId] = this.addRoute(operationId, route, fn);
      methodsByPath.set(route.path, (methodsByPath.get(route.path) ?? new Set()).add(route.method));
    }
    this.functions = functions;
    this.methods = methods;

    for (const [path, verbs] of methodsByPath) {
      const preflight = this.restApi.root.resourceForPath(path).addCorsPreflight({
        allowOrigins: [props.webOrigin],
        allowHeaders: ['Content-Type', 'Authorization'],
        allowMethods: [...verbs],
        // Fewer preflights: a viewer's "watch" should cost one round trip, not two.
        maxAge: Duration.hours(1),
      });
      NagSuppressions.addResourceSuppressions(preflight, [
        {
          id: 'AwsSolutions-APIG4',
          reason: 'CORS preflight (OPTIONS): browsers send it without credentials.',
        },
        {
          id: 'AwsSolutions-COG4',
          reason: 'CORS preflight (OPTIONS): browsers send it without credentials.',
        },
      ]);
    }

    // RestApi adds an `Endpoint` output with a trailing slash under a generated name; the stack
    // outputs `ApiUrl` instead, so outputs.json has one name for one thing.
    this.restApi.node.tryRemoveChild('Endpoint');
    const stack = Stack.of(this);
    this.url = `https://${this.restApi.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${API_STAGE}`;

    // The account-wide role that lets API Gateway write execution logs (cloudWatchRole above).
    const cloudWatchRole = this.restApi.node.findChild('CloudWatchRole');
    NagSuppressions.addResourceSuppressions(cloudWatchRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'The API Gateway CloudWatch role uses the AWS-maintained policy made for exactly this purpose, as the API Gateway documentation prescribes.',
        appliesTo: [
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
        ],
      },
    ]);
  }

  private makeFunction(handler: string, needs: HandlerResources, props: ApiProps): SightlineFunction {
    const fn = new SightlineFunction(this, `${pascalCase(handler)}Function`, {
      handler,
      description: `Sightline API: ${handler}`,
      logRetentionDays: props.logRetentionDays,
      logLevel: props.logLevel,
      retainLogs: props.retainData,
      memorySize: needs.memorySize,
      // The web client's origin is also where invite links point (`<WEB_URL>/c/#<token>`).
      environment: { ALLOWED_ORIGIN: props.webOrigin, WEB_URL: props.webOrigin },
    });
    return fn.applyResources(needs, {
      tables: props.tables,
      sms: props.sms,
      photos: props.photos,
      deviceShadows: props.deviceShadows,
    });
  }

  private addRoute(operationId: OperationId, route: RouteSpec, fn: SightlineFunction): Method {
    const resource = this.restApi.root.resourceForPath(route.path);
    const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    let model: Model | undefined;
    if (route.request) {
      model = this.restApi.addModel(`${pascalCase(operationId)}Request`, {
        modelName: `${pascalCase(operationId)}Request`,
        contentType: 'application/json',
        schema: toModelSchema(route.request),
      });
    }
    const signedIn = route.access !== 'link';
    const options: MethodOptions = {
      operationName: operationId,
      authorizationType: signedIn ? AuthorizationType.COGNITO : AuthorizationType.NONE,
      authorizer: signedIn ? this.authorizer : undefined,
      requestParameters: Object.fromEntries(pathParams.map((name) => [`method.request.path.${name}`, true])),
      requestValidator: model || pathParams.length > 0 ? this.requestValidator : undefined,
      requestModels: model ? { 'application/json': model } : undefined,
    };
    // allowTestInvoke false: no second permission for the console's test-invoke stage.
    const method = resource.addMethod(
      route.method,
      new LambdaIntegration(fn.fn, { allowTestInvoke: false }),
      options,
    );
    if (!signedIn) {
      NagSuppressions.addResourceSuppressions(method, [
        {
          id: 'AwsSolutions-APIG4',
          reason: `${operationId} is a link route: the invite token in its body is the credential.`,
        },
        {
          id: 'AwsSolutions-COG4',
          reason: `${operationId} is a link route: the invite token in its body is the credential.`,
        },
      ]);
    }
    return method;
  }

  /** API Gateway's own errors (bad body, no token, throttled, ...) in the contract's one error shape. */
  private addProblemResponses(webOrigin: string): void {
    for (const [type, { code, detail }] of Object.entries(gatewayProblems) as [
      GatewayProblemType,
      (typeof gatewayProblems)[GatewayProblemType],
    ][]) {
      this.restApi.addGatewayResponse(type, {
        type: ResponseType.of(type),
        statusCode: String(problemCodes[code].status),
        responseHeaders: {
          'Content-Type': `'${PROBLEM_CONTENT_TYPE}'`,
          // Without it the browser hides the problem from the page, which then sees only "failed to fetch".
          'Access-Control-Allow-Origin': `'${webOrigin}'`,
          'Cache-Control': "'no-store'",
        },
        templates: { 'application/json': problemTemplate(code, detail) },
      });
    }
  }
}

/**
 * The template of one gateway problem. Gateway response templates only substitute variables (no
 * VTL), so the gateway's own message goes in as `$context.error.messageString`, which API Gateway
 * substitutes already quoted and escaped as a JSON string.
 */
export function problemTemplate(code: ProblemCode, detail: string): string {
  const { status, title } = problemCodes[code];
  const detailJson = detail === GATEWAY_MESSAGE ? GATEWAY_MESSAGE : vtlLiteral(detail);
  return `{"type":${vtlLiteral(problemType(code))},"title":${vtlLiteral(title)},"status":${status},"detail":${detailJson},"code":${vtlLiteral(code)}}`;
}

/** A JSON string that VTL passes through unchanged: no `$` or `#`, which VTL would interpret. */
function vtlLiteral(text: string): string {
  if (/[$#\\]/.test(text)) throw new Error(`Gateway problem text may not contain $, # or \\: ${text}`);
  return JSON.stringify(text);
}

/** One JSON object per request; no bodies, headers or tokens. */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      requestTime: AccessLogField.contextRequestTime(),
      ip: AccessLogField.contextIdentitySourceIp(),
      userAgent: AccessLogField.contextIdentityUserAgent(),
      method: AccessLogField.contextHttpMethod(),
      resourcePath: AccessLogField.contextResourcePath(),
      protocol: AccessLogField.contextProtocol(),
      status: AccessLogField.contextStatus(),
      responseLength: AccessLogField.contextResponseLength(),
      responseLatency: AccessLogField.contextResponseLatency(),
      integrationLatency: AccessLogField.contextIntegrationLatency(),
      errorType: AccessLogField.contextErrorResponseType(),
    }),
  );
}
