import { provisioningTemplateBody, type DeviceConfiguration } from '../../lambda/core/fleet-policies';
import { FLEET } from './policies';

/**
 * The fleet provisioning template and its evaluation: parameters (with defaults), the intrinsic
 * functions fleet provisioning supports (`Ref`, `Fn::Join`, `Fn::Select`, `Fn::Split`,
 * `Fn::FindInMap`, `Fn::Sub`), and the three resource types it may name.
 */

export interface ProvisioningTemplate {
  Parameters: Record<string, { Type: 'String'; Default?: string }>;
  Mappings?: Record<string, Record<string, Record<string, string>>>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; OverrideSettings?: object }>;
  DeviceConfiguration?: Record<string, unknown>;
}

/** What RegisterThing does once the template is evaluated. */
export interface TemplatePlan {
  thing: {
    thingName: string;
    thingTypeName?: string;
    thingGroups: string[];
    attributes: Record<string, string>;
  };
  certificate: { certificateId: string; status: 'ACTIVE' | 'INACTIVE' };
  policyName: string;
  deviceConfiguration: Record<string, string>;
}

export class TemplateError extends Error {}

const CERTIFICATE_ID = 'AWS::IoT::Certificate::Id';

/** The camera fleet's template body, as the stack deploys it; the endpoints are the cloud's own. */
export function cameraTemplate(deviceConfiguration: DeviceConfiguration): ProvisioningTemplate {
  return provisioningTemplateBody({ names: FLEET, deviceConfiguration }) as unknown as ProvisioningTemplate;
}

/** Evaluates the template with the merged parameters and the new certificate's ID. */
export function evaluateTemplate(
  template: ProvisioningTemplate,
  parameters: Record<string, string>,
  certificateId: string,
): TemplatePlan {
  const values: Record<string, string> = {};
  for (const [name, def] of Object.entries(template.Parameters)) {
    const value = name === CERTIFICATE_ID ? certificateId : (parameters[name] ?? def.Default);
    if (value !== undefined) values[name] = value;
  }
  const resolve = (node: unknown): unknown => evaluate(node, values, template.Mappings ?? {});

  let thing: TemplatePlan['thing'] | undefined;
  let certificate: TemplatePlan['certificate'] | undefined;
  let policyName: string | undefined;
  for (const resource of Object.values(template.Resources)) {
    const props = resolve(resource.Properties) as Record<string, unknown>;
    if (resource.Type === 'AWS::IoT::Thing') {
      const thingName = str(props.ThingName, 'ThingName');
      if (!/^[a-zA-Z0-9:_-]{1,128}$/.test(thingName)) throw new TemplateError('Invalid ThingName');
      const attributes = (props.AttributePayload ?? {}) as Record<string, unknown>;
      const groups = props.ThingGroups ?? [];
      if (!Array.isArray(groups)) throw new TemplateError('ThingGroups must be a list');
      thing = {
        thingName,
        ...(props.ThingTypeName !== undefined
          ? { thingTypeName: str(props.ThingTypeName, 'ThingTypeName') }
          : {}),
        thingGroups: groups.map((g) => str(g, 'ThingGroups')),
        attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, str(v, k)])),
      };
    } else if (resource.Type === 'AWS::IoT::Certificate') {
      const status = str(props.Status, 'Status').toUpperCase();
      if (status !== 'ACTIVE' && status !== 'INACTIVE') throw new TemplateError('Invalid certificate Status');
      certificate = { certificateId: str(props.CertificateId, 'CertificateId'), status };
    } else if (resource.Type === 'AWS::IoT::Policy') {
      policyName = str(props.PolicyName, 'PolicyName');
    } else {
      throw new TemplateError(`Unsupported resource type ${resource.Type}`);
    }
  }
  if (!thing || !certificate || !policyName) {
    throw new TemplateError('The template must name a thing, the certificate and a policy');
  }
  if (certificate.certificateId !== certificateId) {
    throw new TemplateError('Only certificate IDs can be used with a fleet provisioning template');
  }
  const config = resolve(template.DeviceConfiguration ?? {}) as Record<string, unknown>;
  const deviceConfiguration = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, str(v, k)]));
  return { thing, certificate, policyName, deviceConfiguration };
}

function evaluate(
  node: unknown,
  values: Record<string, string>,
  mappings: NonNullable<ProvisioningTemplate['Mappings']>,
): unknown {
  const recurse = (n: unknown) => evaluate(n, values, mappings);
  if (Array.isArray(node)) return node.map(recurse);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node);
  if (entries.length === 1) {
    const [fn, arg] = entries[0]!;
    switch (fn) {
      case 'Ref': {
        const value = values[String(arg)];
        if (value === undefined) throw new TemplateError(`Parameter ${String(arg)} has no value`);
        return value;
      }
      case 'Fn::Join': {
        const [sep, items] = arg as [string, unknown[]];
        return (recurse(items) as unknown[]).map((v) => str(v, 'Fn::Join')).join(sep);
      }
      case 'Fn::Select': {
        const [index, items] = recurse(arg) as [string | number, unknown[]];
        const item = items[Number(index)];
        if (item === undefined) throw new TemplateError('Fn::Select index out of range');
        return item;
      }
      case 'Fn::Split': {
        const [sep, text] = recurse(arg) as [string, string];
        return str(text, 'Fn::Split').split(sep);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = (recurse(arg) as unknown[]).map((v) => str(v, 'Fn::FindInMap'));
        const value = mappings[map!]?.[top!]?.[second!];
        if (value === undefined) throw new TemplateError('Fn::FindInMap found no value');
        return value;
      }
      case 'Fn::Sub':
        return str(arg, 'Fn::Sub').replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          const value = values[name];
          if (value === undefined) throw new TemplateError(`Parameter ${name} has no value`);
          return value;
        });
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, recurse(v)]));
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TemplateError(`${what} must be a string`);
  return value;
}
