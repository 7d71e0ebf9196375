import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an operator tool as `npm run devices`/`npm run orgs` does (tsx on bin/<tool>.ts, from the
 * repository's root), with an environment that does not silence the AWS SDK itself, so a test
 * sees exactly what an operator sees.
 */
export function runTool(tool: 'devices' | 'orgs', args: readonly string[]): Promise<CliRun> {
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join('bin', `${tool}.ts`), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
