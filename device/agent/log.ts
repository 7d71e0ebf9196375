/**
 * One JSON object per line on stdout, which journald keeps as is. Callers pass facts, never
 * secrets: no keys, ownership tokens or credentials reach a log line.
 */
export type LogFields = Record<string, string | number | boolean | undefined>;
export type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: LogFields) => void;

export function createLog(component: string, quiet = process.env.SIGHTLINE_AGENT_LOG === 'quiet'): Log {
  return (level, message, fields) => {
    if (quiet && (level === 'debug' || level === 'info')) return;
    if (level === 'debug' && process.env.SIGHTLINE_AGENT_LOG !== 'debug') return;
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, component, message, ...fields })}\n`,
    );
  };
}
