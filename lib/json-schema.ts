import { JsonSchemaType, JsonSchemaVersion, type JsonSchema } from 'aws-cdk-lib/aws-apigateway';

/** The keywords the contract's schemas may use (lambda/contract/schemas.ts), all draft-04. */
const SCALAR_KEYWORDS = [
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
] as const;
const TYPES = new Set<string>(Object.values(JsonSchemaType));

/**
 * Turns one of the contract's plain-object schemas into the CDK's typed `JsonSchema` for an API
 * Gateway model (draft-04). A keyword outside the contract's subset is an error rather than being
 * dropped, because a dropped keyword would silently weaken the gateway's validation.
 */
export function toModelSchema(schema: object): JsonSchema {
  return { schema: JsonSchemaVersion.DRAFT4, ...convert(schema, '#') };
}

function convert(schema: object, at: string): JsonSchema {
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    const where = `${at}/${keyword}`;
    switch (keyword) {
      case 'type':
        if (typeof value !== 'string' || !TYPES.has(value))
          throw new Error(`${where}: unsupported type ${String(value)}`);
        out.type = value as JsonSchemaType;
        break;
      case 'properties':
        out.properties = Object.fromEntries(
          Object.entries(value as Record<string, object>).map(([name, sub]) => [
            name,
            convert(sub, `${where}/${name}`),
          ]),
        );
        break;
      case 'items':
        out.items = convert(value as object, where);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof value === 'boolean' ? value : convert(value as object, where);
        break;
      case 'required':
      case 'enum':
        if (!Array.isArray(value)) throw new Error(`${where}: must be an array`);
        out[keyword] = [...(value as unknown[])];
        break;
      default:
        if (!(SCALAR_KEYWORDS as readonly string[]).includes(keyword)) {
          throw new Error(`${where}: keyword "${keyword}" is outside the contract's draft-04 subset`);
        }
        out[keyword] = value;
    }
  }
  return out as JsonSchema;
}
