/** Reading IAM out of a synthesized template, as the stack tests do. */

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** The logical id of a function's role. */
export function roleOfFunction(resources: Resources, fnId: string): string {
  return (resources[fnId]!.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
}

/** Every statement a role holds: from the policies attached to it and its own inline ones. */
export function roleStatements(resources: Resources, roleId: string): Statement[] {
  const attached = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  const inline = (
    (resources[roleId]!.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
  ).flatMap((p) => p.PolicyDocument.Statement);
  return [...attached, ...inline];
}
