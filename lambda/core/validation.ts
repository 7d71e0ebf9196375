import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * ajv over the contract's schemas. Validators are compiled on first use and kept for the life of
 * the execution environment, so each function compiles only the schemas it needs.
 */
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Returns null when `value` matches `schema`, or a short explanation a developer can act on. */
export function explainInvalid(schema: object, value: unknown): string | null {
  const validate = validatorFor(schema);
  return validate(value) ? null : describe(validate.errors ?? []);
}

function describe(errors: ErrorObject[]): string {
  return errors
    .map((e) => {
      const where = e.instancePath === '' ? 'body' : e.instancePath.slice(1).replace(/\//g, '.');
      if (e.keyword === 'additionalProperties') {
        return `${where} has an unexpected field "${String(e.params.additionalProperty)}"`;
      }
      if (e.keyword === 'required') return `${where} is missing "${String(e.params.missingProperty)}"`;
      return `${where} ${e.message ?? 'is not valid'}`;
    })
    .join('; ');
}
