/** `bindAttempts` → `BindAttempts`, `list-devices` → `ListDevices`: construct ids and output names. */
export function pascalCase(name: string): string {
  return name.replace(/(^|[-_])([a-zA-Z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
