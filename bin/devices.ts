import { parseArgs } from 'node:util';
import { toString as qrToString } from 'qrcode';
import { tables } from '../lambda/core/tables';
import { loadOutputs } from './outputs';

/**
 * The device registry tool for manufacturers and operators.
 *
 *   npm run devices -- add --serial SL-0001 [--name "Front door"]
 *   npm run devices -- list
 *
 * It finds the registry through an outputs file: `.local/outputs.json` (the local cloud) or
 * `outputs.json` (written by `npx cdk deploy --all`), or the one named with --outputs.
 */
const USAGE = `Usage:
  npm run devices -- add --serial <SERIAL> [--name <label name>] [--outputs <file>]
  npm run devices -- list [--outputs <file>]`;

interface Target {
  kind: 'local' | 'aws';
  webUrl: string;
  devicesTable: string;
}

function loadTarget(explicit: string | undefined): Target {
  const outputs = loadOutputs(explicit, 'DevicesTableName');
  if (outputs.kind === 'local') {
    const { local } = outputs;
    return { kind: 'local', webUrl: local.webUrl, devicesTable: local.tables.devices };
  }
  const { stack } = outputs;
  return { kind: 'aws', webUrl: stack.WebUrl ?? '', devicesTable: stack.DevicesTableName! };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { serial: { type: 'string' }, name: { type: 'string' }, outputs: { type: 'string' } },
  });
  const command = positionals[0];
  if (command !== 'add' && command !== 'list') throw new Error(USAGE);
  const target = loadTarget(values.outputs);
  process.env[tables.devices.env] = target.devicesTable;
  // The domain core reads its configuration when first loaded, so load it after setting it.
  const devices = await import('../lambda/core/devices');
  const secrets = await import('../lambda/core/secrets');

  if (command === 'add') {
    if (!values.serial || !/^[A-Za-z0-9][A-Za-z0-9-]{2,31}$/.test(values.serial)) {
      throw new Error(
        '--serial is required: 3 to 32 letters, digits or dashes, starting with a letter or digit',
      );
    }
    const secret = secrets.formatSecret(secrets.generateSecret());
    const item = await devices.registerDevice(values.serial, await secrets.hashSecret(secret));
    const payload = `${target.webUrl}/#bind?serial=${encodeURIComponent(item.serial)}&secret=${encodeURIComponent(secret)}`;
    console.log(
      `Registered ${item.serial} (${target.kind}). The secret is shown only now; print it on the label.\n`,
    );
    console.log(`  serial:  ${item.serial}`);
    if (values.name) console.log(`  name:    ${values.name}`);
    console.log(`  secret:  ${secret}`);
    console.log(`  QR:      ${payload}\n`);
    console.log(await qrToString(payload, { type: 'terminal', small: true }));
    return;
  }

  const rows: string[][] = [['SERIAL', 'PROVISIONED', 'BOUND', 'ONLINE', 'REGISTERED']];
  let next: Record<string, unknown> | undefined;
  do {
    const page = await devices.listRegistry(next);
    for (const d of page.items) {
      rows.push([
        d.serial,
        d.provisioned ? 'yes' : 'no',
        d.ownerSub ? 'yes' : 'no',
        d.online ? 'yes' : 'no',
        d.registeredAt,
      ]);
    }
    next = page.next;
  } while (next);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log(`\n${rows.length - 1} device(s)`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
