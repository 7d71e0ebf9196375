import { parseCommand, runTool, UsageError, type Usage } from './cli';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { toString as qrToString } from 'qrcode';
import { serialSchema } from '../lambda/contract/schemas';
import { tables } from '../lambda/core/tables';
import { localManufactureKeyPath } from '../local/factory';
import { loadOutputs } from './outputs';

/**
 * The device registry tool for manufacturers and operators.
 *
 *   npm run devices -- add --serial SL-0001 --key-out <file> [--name "Front door"]
 *   npm run devices -- add --serial SL-0001 --public-key <file>
 *   npm run devices -- reprovision --serial SL-0001 --secret <label secret>
 *   npm run devices -- add-key --serial SL-0001 (--key-out <file> | --public-key <file>)
 *   npm run devices -- list
 *
 * Each camera has a manufacture key of its own, which proves to the pre-provisioning hook that it
 * is the camera with that serial (the claim certificate is the same on every camera). `add`
 * either makes one and writes it to --key-out (0600) for imaging onto the camera, or records the
 * public key of one the camera made itself (--public-key, PEM); on the local cloud the key goes
 * to the local factory by default, where local agents find it.
 *
 * It finds the registry through an outputs file: `.local/outputs.json` (the local cloud) or
 * `outputs.json` (written by `npx cdk deploy --all`), or the one named with --outputs.
 */
const USAGE: Usage = {
  tool: 'devices',
  commands: {
    add: `  npm run devices -- add --serial <SERIAL> (--key-out <file> | --public-key <file>) [--name <label name>] [--outputs <file>]`,
    reprovision: `  npm run devices -- reprovision --serial <SERIAL> --secret <label secret> [--outputs <file>]`,
    'add-key': `  npm run devices -- add-key --serial <SERIAL> (--key-out <file> | --public-key <file>) [--outputs <file>]`,
    list: `  npm run devices -- list [--outputs <file>]`,
  },
  footer: `  <SERIAL>: 3 to 32 letters, digits or dashes, starting with a letter or digit (e.g. SL-0001)
  -h, --help: this`,
};

interface Target {
  kind: 'local' | 'aws';
  webUrl: string;
  devicesTable: string;
  auditTable: string;
  /** The local factory (local cloud only): where a new device's manufacture key goes by default. */
  manufactureKeysDir?: string;
}

function loadTarget(explicit: string | undefined): Target {
  const outputs = loadOutputs(explicit, 'DevicesTableName');
  if (outputs.kind === 'local') {
    const { local } = outputs;
    return {
      kind: 'local',
      webUrl: local.webUrl,
      devicesTable: local.tables.devices,
      auditTable: local.tables.audit,
      manufactureKeysDir: local.iot.manufactureKeysDir,
    };
  }
  const { stack } = outputs;
  return {
    kind: 'aws',
    webUrl: stack.WebUrl ?? '',
    devicesTable: stack.DevicesTableName!,
    auditTable: stack.AuditTableName ?? '',
  };
}

/** The serial as the API takes it (the contract's schema), so the tool registers only bindable ones. */
const SERIAL = new RegExp(serialSchema.pattern);
const SERIAL_FORM = '3 to 32 letters, digits or dashes, starting with a letter or digit (e.g. SL-0001)';

/** Where the manufacture key comes from: a file to write a new one to, or the camera's own. */
function manufactureKeyOf(
  values: { 'key-out'?: string; 'public-key'?: string; serial: string },
  target: Target,
): { keyOut: string } | { publicKeyPem: string } {
  if (values['key-out'] !== undefined && values['public-key'] !== undefined)
    throw new Error('give either --key-out or --public-key, not both');
  if (values['public-key'] !== undefined) return { publicKeyPem: readFileSync(values['public-key'], 'utf8') };
  if (values['key-out'] !== undefined) return { keyOut: values['key-out'] };
  if (target.manufactureKeysDir)
    return {
      keyOut: localManufactureKeyPath({ manufactureKeysDir: target.manufactureKeysDir }, values.serial),
    };
  throw new Error(
    'a camera needs a manufacture key: --key-out <file> to make one for imaging onto it, or --public-key <file> for one it made itself',
  );
}

/**
 * The certificate a camera had must not outlive the reset: on AWS IoT it would still be active
 * and attached to the thing, so whoever holds its key (a squatter from before cameras proved
 * their manufacture key, or a thief) could still connect as the camera.
 */
async function retirePrevious(target: Target, thingName: string, certificateId: string): Promise<void> {
  if (target.kind === 'local') {
    console.log(
      `  its previous certificate ${certificateId} stays on the local IoT, which has no control plane`,
    );
    return;
  }
  const [{ IoTClient }, { retireThingCertificate }] = await Promise.all([
    import('@aws-sdk/client-iot'),
    import('../lambda/core/iot-certificates'),
  ]);
  const iot = new IoTClient({});
  try {
    await retireThingCertificate(iot, thingName, certificateId);
  } catch (err) {
    throw new Error(
      `The registry is reset, but the previous certificate ${certificateId} could not be retired ` +
        `(${(err as Error).name}: ${(err as Error).message}); deactivate it and detach it from ${thingName} by hand`,
      { cause: err },
    );
  } finally {
    iot.destroy();
  }
  console.log(
    `  its previous certificate ${certificateId} is deactivated, detached from ${thingName} and deleted`,
  );
}

async function main(): Promise<void> {
  const { command, values } = parseCommand(USAGE, {
    serial: { type: 'string' },
    name: { type: 'string' },
    outputs: { type: 'string' },
    'key-out': { type: 'string' },
    'public-key': { type: 'string' },
    secret: { type: 'string' },
  });
  if (command !== 'list') {
    if (values.serial === undefined) throw new UsageError(`--serial is required: ${SERIAL_FORM}`);
    if (!SERIAL.test(values.serial)) {
      throw new UsageError(`--serial ${JSON.stringify(values.serial)} is not a serial: ${SERIAL_FORM}`);
    }
  }
  if (command === 'reprovision' && !values.secret) {
    throw new UsageError("--secret is required: the owner's label secret authorises it");
  }
  const serial = values.serial!;
  const target = loadTarget(values.outputs);
  process.env[tables.devices.env] = target.devicesTable;
  process.env[tables.audit.env] = target.auditTable;
  // The domain core reads its configuration when first loaded, so load it after setting it.
  const devices = await import('../lambda/core/devices');

  if (command === 'add') {
    const { registerNewDevice } = await import('./manufacture');
    const { item, secret, keyPath } = await registerNewDevice({
      serial,
      ...manufactureKeyOf({ ...values, serial }, target),
    });
    const payload = `${target.webUrl}/#bind?serial=${encodeURIComponent(item.serial)}&secret=${encodeURIComponent(secret)}`;
    console.log(
      `Registered ${item.serial} (${target.kind}). The secret is shown only now; print it on the label.\n`,
    );
    console.log(`  serial:  ${item.serial}`);
    if (values.name) console.log(`  name:    ${values.name}`);
    console.log(`  secret:  ${secret}`);
    if (keyPath)
      console.log(
        `  key:     ${keyPath} (the camera's manufacture key: image it as iot.manufactureKeyPath, 0600)`,
      );
    console.log(`  QR:      ${payload}\n`);
    console.log(await qrToString(payload, { type: 'terminal', small: true }));
    return;
  }

  if (command === 'reprovision') {
    const before = await devices.allowReprovisioning(serial, values.secret!, 'operator');
    if (!before) {
      throw new Error(
        `Refused: no device ${serial.toUpperCase()} with that label secret (the attempt is audited)`,
      );
    }
    console.log(
      `${before.serial} may provision again: its recorded certificate is forgotten, and the next certificate it registers with its manufacture key is kept.`,
    );
    if (before.certificateId) await retirePrevious(target, before.thingName, before.certificateId);
    return;
  }

  if (command === 'add-key') {
    const source = manufactureKeyOf({ ...values, serial }, target);
    const { newManufactureKey, registryFormOf } = await import('../lambda/contract/provisioning-proof');
    if ('publicKeyPem' in source) {
      await devices.addManufactureKey(serial, registryFormOf(source.publicKeyPem), 'operator');
    } else {
      const made = newManufactureKey();
      writeFileSync(source.keyOut, made.privateKeyPem, { mode: 0o600, flag: 'wx' });
      try {
        await devices.addManufactureKey(serial, made.publicKey, 'operator');
      } catch (err) {
        rmSync(source.keyOut, { force: true });
        throw err;
      }
      console.log(`  key:     ${source.keyOut} (image it onto the camera as iot.manufactureKeyPath, 0600)`);
    }
    console.log(`${serial.toUpperCase()} has a manufacture key now.`);
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

runTool(USAGE, main);
