import { parseCommand, runTool, UsageError, type Usage } from './cli';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tables } from '../lambda/core/tables';
import { loadOutputs } from './outputs';

/**
 * The organisations tool for operators of "show me".
 *
 *   npm run orgs -- add --id org_brussels --name "Brussels 112" --countries BE,FR,NL [--credits 500]
 *   npm run orgs -- credit --id org_brussels --amount 1000
 *   npm run orgs -- add-dispatcher --id org_brussels --email agent@example.org
 *   npm run orgs -- list
 *
 * Like `npm run devices`, it finds the tables through `.local/outputs.json` (the local cloud),
 * `outputs.json` (a deployed stack), or the file named with --outputs.
 */
const USAGE: Usage = {
  tool: 'orgs',
  commands: {
    add: `  npm run orgs -- add --id <org_id> --name <name> --countries <CC,CC,...> [--credits <n>]
                      [--lifetime <seconds>] [--retention <days>] [--sender <sender id>] [--locale en|fr|nl|de|es]`,
    credit: `  npm run orgs -- credit --id <org_id> --amount <n>       (negative to remove; never below zero)`,
    'add-dispatcher': `  npm run orgs -- add-dispatcher --id <org_id> --email <email>`,
    list: `  npm run orgs -- list`,
  },
  footer: `  Any of them: [--outputs <file>]; -h, --help for this`,
};

interface Target {
  kind: 'local' | 'aws';
  organisationsTable: string;
  userPoolId: string;
  cognito: CognitoIdentityProviderClient;
}

function loadTarget(explicit: string | undefined): Target {
  const outputs = loadOutputs(explicit, 'OrganisationsTableName');
  if (outputs.kind === 'local') {
    const { local } = outputs;
    const agent = new Agent({ ca: readFileSync(local.caCertPath) });
    return {
      kind: 'local',
      organisationsTable: local.tables.organisations,
      userPoolId: local.userPoolId,
      cognito: new CognitoIdentityProviderClient({
        endpoint: local.cognitoEndpoint,
        region: local.region,
        requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
      }),
    };
  }
  const { stack } = outputs;
  return {
    kind: 'aws',
    organisationsTable: stack.OrganisationsTableName!,
    userPoolId: stack.UserPoolId ?? '',
    cognito: new CognitoIdentityProviderClient({}),
  };
}

function integer(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number`);
  return n;
}

/**
 * The countries an organisation may text, as ISO 3166-1 alpha-2 codes: only those the invite
 * handler's phone check knows (libphonenumber-js's full metadata, as in lambda/core/invites.ts),
 * since a code it does not know would allow nothing and only look as if it did.
 */
function countries(value: string): string[] {
  const codes = value.split(',').map((c) => c.trim().toUpperCase());
  const unknown = codes.filter((c) => !/^[A-Z]{2}$/.test(c) || !isSupportedCountry(c));
  if (unknown.length > 0) {
    throw new UsageError(
      `--countries: ${unknown.map((c) => c || '(empty)').join(', ')} ${unknown.length === 1 ? 'is not a country code' : 'are not country codes'} ` +
        'that phone numbers are checked against; give ISO 3166-1 alpha-2 codes such as BE,FR,NL',
    );
  }
  return codes;
}

async function main(): Promise<void> {
  const { command, values } = parseCommand(USAGE, {
    id: { type: 'string' },
    name: { type: 'string' },
    countries: { type: 'string' },
    credits: { type: 'string' },
    amount: { type: 'string' },
    lifetime: { type: 'string' },
    retention: { type: 'string' },
    sender: { type: 'string' },
    locale: { type: 'string' },
    email: { type: 'string' },
    outputs: { type: 'string' },
  });
  // What the command line alone can tell is checked before any cloud is asked.
  const allowedCountries = command === 'add' && values.countries ? countries(values.countries) : [];
  const amount = command === 'credit' ? integer(values.amount, 'amount') : 0;
  if (command === 'credit' && amount === 0) throw new UsageError('--amount must not be 0');
  const target = loadTarget(values.outputs);
  process.env[tables.organisations.env] = target.organisationsTable;
  // The domain core reads its configuration when first loaded, so load it after setting it.
  const orgs = await import('../lambda/core/organisations');
  const orgId = values.id;
  const needOrg = async () => {
    if (!orgId) throw new UsageError('--id is required');
    const org = await orgs.getOrganisation(orgId);
    if (!org) throw new Error(`No organisation ${orgId}`);
    return org;
  };

  try {
    if (command === 'add') {
      for (const flag of ['id', 'name', 'countries'] as const) {
        if (!values[flag]) throw new UsageError(`--${flag} is required`);
      }
      const org = {
        orgId: orgId!,
        name: values.name!,
        smsCredits: integer(values.credits, 'credits', 0),
        allowedCountries,
        inviteLifetimeSeconds: integer(values.lifetime, 'lifetime', orgs.DEFAULT_INVITE_LIFETIME_SECONDS),
        photoRetentionDays: integer(values.retention, 'retention', orgs.DEFAULT_PHOTO_RETENTION_DAYS),
        ...(values.sender ? { senderId: values.sender } : {}),
        locale: (values.locale ?? 'en') as (typeof orgs.LOCALES)[number],
      };
      const invalid = orgs.explainInvalidOrganisation(org);
      if (invalid) throw new UsageError(invalid);
      if (!(await orgs.createOrganisation(org))) throw new Error(`Organisation ${orgId} already exists`);
      console.log(`Added ${orgId} (${target.kind}): ${org.name}, ${org.smsCredits} SMS credits.`);
      return;
    }
    if (command === 'credit') {
      const org = await needOrg();
      // Credits never go below zero (the store refuses it atomically): say so rather than fail.
      const refuse = (has: number) =>
        new Error(
          `Refused: ${org.orgId} has ${has} SMS credits, so ${-amount} cannot be removed (credits never go below zero); nothing changed`,
        );
      if (org.smsCredits + amount < 0) throw refuse(org.smsCredits);
      let balance: number;
      try {
        balance = await orgs.addCredits(org.orgId, amount);
      } catch (err) {
        const { isConditionFailure } = await import('../lambda/core/errors');
        if (amount < 0 && isConditionFailure(err)) throw refuse((await needOrg()).smsCredits);
        throw err;
      }
      console.log(
        `${amount > 0 ? 'Added' : 'Removed'} ${Math.abs(amount)}: ${org.orgId} now has ${balance} SMS credits.`,
      );
      return;
    }
    if (command === 'add-dispatcher') {
      const org = await needOrg();
      if (!values.email) throw new UsageError('--email is required');
      if (!/^[^\s@]+@[^\s@]+$/.test(values.email))
        throw new UsageError(`--email: ${values.email} is not an email address`);
      const { ensureDispatcher } = await import('../lambda/core/dispatchers');
      const { created } = await ensureDispatcher(target.cognito, target.userPoolId, values.email, org.orgId);
      console.log(
        created
          ? `Created ${values.email} as a dispatcher of ${org.orgId}; Cognito sends them a temporary password.`
          : `${values.email} is now a dispatcher of ${org.orgId}.`,
      );
      return;
    }
    const rows: string[][] = [['ORG', 'NAME', 'CREDITS', 'COUNTRIES', 'LIFETIME', 'RETENTION', 'SENDER']];
    for (const o of await orgs.listOrganisations()) {
      rows.push([
        o.orgId,
        o.name,
        String(o.smsCredits),
        o.allowedCountries.join(','),
        `${o.inviteLifetimeSeconds}s`,
        `${o.photoRetentionDays}d`,
        o.senderId ?? '-',
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
    console.log(`\n${rows.length - 1} organisation(s)`);
  } finally {
    target.cognito.destroy();
  }
}

runTool(USAGE, main);
