import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parsePolicy, type PolicyDocument } from '../aws/policy';

/**
 * The IoT registry: certificates (by ID, the SHA-256 of their DER), things, IoT policies, and what
 * is attached to what. Kept in a JSON file when the cloud persists its state, so a provisioned
 * device still connects after a restart.
 */

export type CertificateStatus = 'ACTIVE' | 'INACTIVE' | 'PENDING_ACTIVATION';

export interface CertificateRecord {
  certificateId: string;
  certificatePem: string;
  status: CertificateStatus;
  createdAt: number;
  /** IoT policy names attached to the certificate. */
  policies: string[];
  /** Thing names the certificate is attached to as a principal. */
  things: string[];
}

export interface ThingRecord {
  thingName: string;
  thingId: string;
  thingTypeName?: string;
  attributes: Record<string, string>;
  /** Certificate IDs attached to the thing. */
  principals: string[];
  version: number;
  createdAt: number;
  thingGroups?: string[];
}

interface Saved {
  certificates: CertificateRecord[];
  things: ThingRecord[];
}

export class IotRegistry {
  private readonly certificates = new Map<string, CertificateRecord>();
  private readonly things = new Map<string, ThingRecord>();
  private readonly policies = new Map<string, PolicyDocument>();
  /** Thing types and groups: the stack creates them; provisioning only uses them. */
  readonly thingTypes = new Set<string>();
  readonly thingGroups = new Set<string>();

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Saved;
      for (const c of saved.certificates) this.certificates.set(c.certificateId, c);
      for (const t of saved.things) this.things.set(t.thingName, t);
    }
  }

  /** Registers (or replaces) an IoT policy; a malformed one is refused as IoT would refuse it. */
  putPolicy(name: string, document: PolicyDocument | string): void {
    this.policies.set(name, parsePolicy(document));
  }

  policy(name: string): PolicyDocument | undefined {
    return this.policies.get(name);
  }

  certificate(certificateId: string): CertificateRecord | undefined {
    return this.certificates.get(certificateId);
  }

  addCertificate(
    certificateId: string,
    certificatePem: string,
    status: CertificateStatus,
    now: number,
  ): void {
    if (this.certificates.has(certificateId)) return;
    this.certificates.set(certificateId, {
      certificateId,
      certificatePem,
      status,
      createdAt: now,
      policies: [],
      things: [],
    });
    this.save();
  }

  /** Forgets a certificate that was never activated or attached (AWS deletes those after 1 h). */
  deleteUnused(certificateId: string): void {
    const cert = this.certificates.get(certificateId);
    if (cert && cert.status === 'PENDING_ACTIVATION' && !cert.policies.length && !cert.things.length) {
      this.certificates.delete(certificateId);
      this.save();
    }
  }

  setStatus(certificateId: string, status: CertificateStatus): void {
    this.require(certificateId).status = status;
    this.save();
  }

  attachPolicy(certificateId: string, policyName: string): void {
    if (!this.policies.has(policyName)) throw new Error(`No IoT policy named ${policyName}`);
    const cert = this.require(certificateId);
    if (!cert.policies.includes(policyName)) cert.policies.push(policyName);
    this.save();
  }

  thing(thingName: string): ThingRecord | undefined {
    return this.things.get(thingName);
  }

  /**
   * Creates a thing, or updates the one of that name as the camera template's override settings
   * say (attributes merged, type replaced, groups left as they are); returns it and whether it is new.
   */
  putThing(
    thingName: string,
    props: { thingTypeName?: string; thingGroups?: string[]; attributes: Record<string, string> },
    now: number,
  ): { thing: ThingRecord; created: boolean } {
    if (props.thingTypeName !== undefined && !this.thingTypes.has(props.thingTypeName)) {
      throw new Error(`Thing type ${props.thingTypeName} does not exist`);
    }
    const missing = (props.thingGroups ?? []).find((g) => !this.thingGroups.has(g));
    if (missing !== undefined) throw new Error(`Thing group ${missing} does not exist`);
    const existing = this.things.get(thingName);
    if (existing) {
      existing.attributes = { ...existing.attributes, ...props.attributes };
      if (props.thingTypeName !== undefined) existing.thingTypeName = props.thingTypeName;
      existing.version += 1;
      this.save();
      return { thing: existing, created: false };
    }
    const thing: ThingRecord = {
      thingName,
      thingId: randomUUID(),
      ...(props.thingTypeName !== undefined ? { thingTypeName: props.thingTypeName } : {}),
      attributes: { ...props.attributes },
      thingGroups: [...(props.thingGroups ?? [])],
      principals: [],
      version: 1,
      createdAt: now,
    };
    this.things.set(thingName, thing);
    this.save();
    return { thing, created: true };
  }

  attachThingPrincipal(thingName: string, certificateId: string): void {
    const thing = this.things.get(thingName);
    if (!thing) throw new Error(`No thing named ${thingName}`);
    const cert = this.require(certificateId);
    if (!thing.principals.includes(certificateId)) thing.principals.push(certificateId);
    if (!cert.things.includes(thingName)) cert.things.push(thingName);
    this.save();
  }

  private require(certificateId: string): CertificateRecord {
    const cert = this.certificates.get(certificateId);
    if (!cert) throw new Error(`No certificate ${certificateId}`);
    return cert;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const saved: Saved = { certificates: [...this.certificates.values()], things: [...this.things.values()] };
    writeFileSync(`${this.file}.tmp`, JSON.stringify(saved));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
