/**
 * Reads configuration from the environment once, at cold start, and fails fast when something
 * is missing, so a misconfigured function never answers a request.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is not set`);
  return value;
}
