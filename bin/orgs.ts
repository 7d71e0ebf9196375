import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { parseArgs } from 'node:util';
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
const USAGE = `Usage:
  npm run orgs -- add --id <org_id> --name <name> --countries <CC,CC,...> [--credits <n>]
                      [--lifetime <seconds>] [--retention <days>] [--sender <sender id>] [--locale en|fr|nl|de|es]
  npm run orgs -- credit --id <org_id> --amount <n>       (negative to remove)
  npm run orgs -- add-dispatcher --id <org_id> --email <email>
  npm run orgs -- list
  Any of them: [--outputs <file>]`;

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
    if (fallback === undefined) throw new Error(`--${name} is required\n\n${USAGE}`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be a whole number`);
  return n;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
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
    },
  });
  const command = positionals[0];
  if (!['add', 'credit', 'add-dispatcher', 'list'].includes(command ?? '')) throw new Error(USAGE);
  const target = loadTarget(values.outputs);
  process.env[tables.organisations.env] = target.organisationsTable;
  // The domain core reads its configuration when first loaded, so load it after setting it.
  const orgs = await import('../lambda/core/organisations');
  const orgId = values.id;
  const needOrg = async () => {
    if (!orgId) throw new Error(`--id is required\n\n${USAGE}`);
    const org = await orgs.getOrganisation(orgId);
    if (!org) throw new Error(`No organisation ${orgId}`);
    return org;
  };

  try {
    if (command === 'add') {
      if (!orgId || !values.name || !values.countries) throw new Error(USAGE);
      const org = {
        orgId,
        name: values.name,
        smsCredits: integer(values.credits, 'credits', 0),
        allowedCountries: values.countries.split(',').map((c) => c.trim().toUpperCase()),
        inviteLifetimeSeconds: integer(values.lifetime, 'lifetime', orgs.DEFAULT_INVITE_LIFETIME_SECONDS),
        photoRetentionDays: integer(values.retention, 'retention', orgs.DEFAULT_PHOTO_RETENTION_DAYS),
        ...(values.sender ? { senderId: values.sender } : {}),
        locale: (values.locale ?? 'en') as (typeof orgs.LOCALES)[number],
      };
      if (!(await orgs.createOrganisation(org))) throw new Error(`Organisation ${orgId} already exists`);
      console.log(`Added ${orgId} (${target.kind}): ${org.name}, ${org.smsCredits} SMS credits.`);
      return;
    }
    if (command === 'credit') {
      await needOrg();
      const balance = await orgs.addCredits(orgId!, integer(values.amount, 'amount'));
      console.log(`${orgId} now has ${balance} SMS credits.`);
      return;
    }
    if (command === 'add-dispatcher') {
      const org = await needOrg();
      if (!values.email || !/^[^\s@]+@[^\s@]+$/.test(values.email)) throw new Error('--email is required');
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

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
