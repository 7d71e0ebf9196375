/** `bindAttempts` → `BindAttempts`, `list-devices` → `ListDevices`: construct ids and output names. */
export function pascalCase(name: string): string {
  return name.replace(/(^|[-_])([a-zA-Z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

/**
 * One stack per stage, so a second stage in the same account (or another region) never takes
 * over the first, nor collides on account-wide names such as CloudFront policies.
 */
export function stackName(stage: string): string {
  return `Sightline-${stage}`;
}
