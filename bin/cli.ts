import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadedOutputs } from './outputs';

// The AWS SDK warns on every client it makes under Node 20 that later versions will need 22: nine
// lines an operator can do nothing about here (the README says which Node we support). This is
// the SDK's own switch, read when a client is made; each tool imports this module first.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The operator got the command line wrong: said with the usage, exit code 2. */
export class UsageError extends Error {}

/** A tool's usage: one entry per subcommand (its lines), and what applies to all of them. */
export interface Usage {
  tool: string;
  commands: Record<string, string>;
  footer?: string;
}

export function usageText(usage: Usage, command?: string): string {
  const lines =
    command && command in usage.commands ? [usage.commands[command]!] : Object.values(usage.commands);
  return ['Usage:', ...lines, ...(usage.footer ? [usage.footer] : [])].join('\n');
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a subcommand and its flags. `--help`/`-h` prints the usage (the subcommand's, if one is
 * named) and ends the process with 0. A string flag takes a following negative number as its
 * value (`--amount -5`), which parseArgs would otherwise call ambiguous.
 */
export function parseCommand<O extends Options>(usage: Usage, options: O, args = process.argv.slice(2)) {
  const command = args.find((a) => !a.startsWith('-'));
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usageText(usage, command));
    process.exit(0);
  }
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const next = args[i + 1];
    const name = flag.startsWith('--') ? flag.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${flag}=${next}`);
      i++;
    } else joined.push(flag);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: joined, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [first] = parsed.positionals;
  if (!first || !(first in usage.commands)) {
    throw new UsageError(first ? `Unknown command ${first}` : `Name a command`);
  }
  return { command: first, values: parsed.values };
}

/** Whether an error (or what caused it) is a refused connection, however the SDK wrapped it. */
function refusedConnection(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown; errors?: unknown[] } | undefined; e;) {
    if (e.code === 'ECONNREFUSED') return true;
    if (e.errors?.some(refusedConnection)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * Runs a tool's main and turns its failure into one plain message and an exit code: 2 for a
 * command line it cannot use, 1 for anything else. A cloud that does not answer is named, with
 * what to do about it, rather than a bare ECONNREFUSED.
 */
export function runTool(usage: Usage, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${usageText(usage)}`);
      process.exitCode = 2;
      return;
    }
    const outputs = loadedOutputs();
    if (refusedConnection(err) && outputs) {
      console.error(
        outputs.kind === 'local'
          ? `The local cloud at ${outputs.url} is not answering (${outputs.file} is from a local cloud that is not running). ` +
              `Start it with npm start, or name a deployed stack's outputs with --outputs outputs.json.`
          : `AWS did not answer (${(err as Error).message}); check the network and the region in ${outputs.file}.`,
      );
      process.exitCode = 1;
      return;
    }
    console.error((err as Error).message);
    process.exitCode = 1;
  });
}
