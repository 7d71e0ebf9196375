/**
 * IoT topic rules, as far as the fleet's rules use the SQL: `SELECT` of `*`, fields and `topic(n)`
 * (each optionally `AS` a name), `FROM '<topic filter>'`, and an optional `WHERE` of
 * `[NOT] startswith(<field>, '<text>')`. The rules' SQL comes from the contract, the same text the
 * stack deploys; SQL outside this subset is refused when the cloud starts rather than misread.
 */

type Projection =
  | { kind: 'all' }
  | { kind: 'field'; field: string; as: string }
  | { kind: 'topic'; level: number; as: string };

export interface TopicRule {
  filter: string;
  /** The rule's output for a message on `topic`, or null when the rule does not fire. */
  apply(topic: string, payload: Record<string, unknown>): Record<string, unknown> | null;
}

export function parseRule(sql: string): TopicRule {
  const m = /^SELECT\s+(.+?)\s+FROM\s+'([^']+)'(?:\s+WHERE\s+(.+))?$/i.exec(sql.trim());
  if (!m) throw new Error(`Unsupported rule SQL: ${sql}`);
  const [, select, filter, where] = m as unknown as [string, string, string, string | undefined];
  const projections = select.split(',').map((item) => projection(item.trim(), sql));
  const condition = where === undefined ? () => true : whereClause(where.trim(), sql);
  return {
    filter,
    apply(topic, payload) {
      if (!topicMatches(filter, topic) || !condition(payload)) return null;
      const out: Record<string, unknown> = {};
      const levels = topic.split('/');
      for (const p of projections) {
        if (p.kind === 'all') Object.assign(out, payload);
        else if (p.kind === 'topic') out[p.as] = levels[p.level - 1];
        else out[p.as] = payload[p.field];
      }
      return out;
    },
  };
}

function projection(item: string, sql: string): Projection {
  if (item === '*') return { kind: 'all' };
  const m = /^(?:topic\((\d+)\)|([A-Za-z_][A-Za-z0-9_]*))(?:\s+AS\s+([A-Za-z_][A-Za-z0-9_]*))?$/i.exec(item);
  if (!m) throw new Error(`Unsupported rule SQL (${item}): ${sql}`);
  if (m[1]) {
    if (!m[3]) throw new Error(`topic() needs AS in: ${sql}`);
    return { kind: 'topic', level: Number(m[1]), as: m[3] };
  }
  return { kind: 'field', field: m[2]!, as: m[3] ?? m[2]! };
}

function whereClause(where: string, sql: string): (payload: Record<string, unknown>) => boolean {
  const m = /^(NOT\s+)?startswith\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,\s*'([^']*)'\s*\)$/i.exec(where);
  if (!m) throw new Error(`Unsupported rule SQL WHERE: ${sql}`);
  const negate = Boolean(m[1]);
  const field = m[2]!;
  const prefix = m[3]!;
  return (payload) => {
    const value = payload[field];
    // IoT SQL: a function of an undefined value is undefined, and a WHERE of undefined is false.
    if (typeof value !== 'string') return false;
    return value.startsWith(prefix) !== negate;
  };
}

/** MQTT topic filter matching: `+` one level, `#` the rest; `$` topics only by explicit filters. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
