import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readIfExists, readJsonIfExists, removeStaleTemps, writeFileAtomic, writeJsonAtomic } from './store';

/**
 * What the agent keeps on disk, and the order it writes it in, so that a kill at any instant
 * leaves a state it can continue from:
 *
 * 1. `device.key.pem`, before any CSR is sent: a certificate is only ever issued for a key we hold;
 * 2. `pending` (certificate, ownership token) in `state.json`, before RegisterThing is sent;
 * 3. `device.cert.pem`, then `thing` in `state.json`, once RegisterThing is accepted.
 *
 * `phase` follows unprovisioned → provisioning → provisioned → streaming (and back to
 * provisioned when the engine stops); each change is written before it is acted on.
 */
export type Phase = 'unprovisioned' | 'provisioning' | 'provisioned' | 'streaming';

export interface PendingCertificate {
  certificateId: string;
  certificatePem: string;
  /** Opaque; never logged. Valid for one hour from issue. */
  ownershipToken: string;
  issuedAt: string;
}

export interface Thing {
  thingName: string;
  certificateId: string;
  deviceConfiguration: Record<string, string>;
  provisionedAt: string;
}

export interface PersistedState {
  phase: Phase;
  updatedAt: string;
  pending?: PendingCertificate;
  thing?: Thing;
}

export class DeviceState {
  readonly keyPath: string;
  readonly certPath: string;
  private readonly statePath: string;
  private current: PersistedState;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    removeStaleTemps(dir, readdirSync(dir));
    this.keyPath = join(dir, 'device.key.pem');
    this.certPath = join(dir, 'device.cert.pem');
    this.statePath = join(dir, 'state.json');
    this.current = readJsonIfExists<PersistedState>(this.statePath) ?? {
      phase: 'unprovisioned',
      updatedAt: new Date().toISOString(),
    };
  }

  get state(): Readonly<PersistedState> {
    return this.current;
  }

  /** Provisioned means a registered thing AND its certificate and key on disk. */
  get provisioned(): boolean {
    return Boolean(this.current.thing && this.readKey() && readIfExists(this.certPath));
  }

  readKey(): string | undefined {
    return readIfExists(this.keyPath);
  }

  saveKey(pem: string): void {
    writeFileAtomic(this.keyPath, pem);
  }

  setPhase(phase: Phase): void {
    if (this.current.phase === phase) return;
    this.write({ ...this.current, phase });
  }

  savePending(pending: PendingCertificate | undefined): void {
    const next: PersistedState = { ...this.current, phase: 'provisioning' };
    if (pending) next.pending = pending;
    else delete next.pending;
    this.write(next);
  }

  /** RegisterThing accepted: certificate first, then the record that makes it ours. */
  saveThing(certificatePem: string, thing: Thing): void {
    writeFileAtomic(this.certPath, certificatePem);
    const next: PersistedState = { ...this.current, phase: 'provisioned', thing };
    delete next.pending;
    this.write(next);
  }

  private write(next: PersistedState): void {
    next.updatedAt = new Date().toISOString();
    writeJsonAtomic(this.statePath, next);
    this.current = next;
  }
}
