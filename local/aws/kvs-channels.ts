import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../constants';

/**
 * KVS signaling channels: the control plane's state. Kept in a JSON file when the cloud persists
 * (so a restarted cloud still knows its channels and their ARNs), in memory otherwise.
 */

export interface Channel {
  name: string;
  arn: string;
  type: 'SINGLE_MASTER';
  status: 'ACTIVE';
  /** Epoch ms; also the ARN's last segment. */
  createdAt: number;
  messageTtlSeconds: number;
  version: string;
  tags: Record<string, string>;
}

/** An error the KVS control plane answers with: HTTP status, error code, message. */
export class KvsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const CHANNEL_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;
const CHANNEL_ARN = /^arn:aws:kinesisvideo:[a-z0-9-]+:[0-9]+:channel\/([a-zA-Z0-9_.-]+)\/([0-9]+)$/;
export const MAX_TAGS = 50;
const NOT_FOUND = 'The requested channel is not found or not active.';

export function channelArnPattern(name: string): string {
  return `arn:aws:kinesisvideo:${LOCAL_REGION}:${LOCAL_ACCOUNT}:channel/${name}/*`;
}

export function isChannelArn(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 1024 && CHANNEL_ARN.test(value);
}

export class ChannelStore {
  private readonly channels = new Map<string, Channel>();
  private readonly deleteListeners: ((channel: Channel) => void)[] = [];
  private lastCreatedAt = 0;

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      for (const channel of JSON.parse(readFileSync(file, 'utf8')) as Channel[]) {
        this.channels.set(channel.arn, channel);
      }
    }
  }

  /** The ARN a new channel of this name would get now (for authorising its creation). */
  nextArn(name: string, now: number): string {
    // Two channels created in one millisecond still get distinct ARNs.
    const createdAt = Math.max(now, this.lastCreatedAt + 1);
    return `arn:aws:kinesisvideo:${LOCAL_REGION}:${LOCAL_ACCOUNT}:channel/${name}/${createdAt}`;
  }

  create(
    input: { name: string; messageTtlSeconds?: number; tags?: Record<string, string> },
    now: number,
  ): Channel {
    if (!CHANNEL_NAME.test(input.name)) {
      throw new KvsError(400, 'InvalidArgumentException', `Invalid channel name: ${input.name}`);
    }
    const ttl = input.messageTtlSeconds ?? 60;
    if (!Number.isInteger(ttl) || ttl < 5 || ttl > 120) {
      throw new KvsError(400, 'InvalidArgumentException', 'MessageTtlSeconds must be between 5 and 120');
    }
    if (this.byName(input.name)) {
      throw new KvsError(
        400,
        'ResourceInUseException',
        `The signalling channel ${input.name} already exists.`,
      );
    }
    const tags = { ...input.tags };
    if (Object.keys(tags).length > MAX_TAGS) {
      throw new KvsError(400, 'TagsPerResourceExceededLimitException', 'The channel has too many tags.');
    }
    const arn = this.nextArn(input.name, now);
    const createdAt = Number(arn.split('/').pop());
    this.lastCreatedAt = createdAt;
    const channel: Channel = {
      name: input.name,
      arn,
      type: 'SINGLE_MASTER',
      status: 'ACTIVE',
      createdAt,
      messageTtlSeconds: ttl,
      version: newVersion(),
      tags,
    };
    this.channels.set(arn, channel);
    this.save();
    return channel;
  }

  byName(name: string): Channel | undefined {
    for (const channel of this.channels.values()) if (channel.name === name) return channel;
    return undefined;
  }

  byArn(arn: string): Channel | undefined {
    return this.channels.get(arn);
  }

  /** The channel or ResourceNotFoundException, as every per-channel operation answers. */
  require(arn: string): Channel {
    const channel = this.channels.get(arn);
    if (!channel) throw new KvsError(404, 'ResourceNotFoundException', NOT_FOUND);
    return channel;
  }

  list(): Channel[] {
    return [...this.channels.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Changes a channel; configuration changes get a new Version, tag changes do not. */
  update(
    arn: string,
    currentVersion: string | undefined,
    change: (channel: Channel) => void,
    newVersionAfter = true,
  ): void {
    const channel = this.require(arn);
    checkVersion(channel, currentVersion);
    change(channel);
    if (newVersionAfter) channel.version = newVersion();
    this.save();
  }

  delete(arn: string, currentVersion?: string): void {
    const channel = this.require(arn);
    checkVersion(channel, currentVersion);
    this.channels.delete(arn);
    this.save();
    for (const listener of this.deleteListeners) listener(channel);
  }

  onDelete(listener: (channel: Channel) => void): void {
    this.deleteListeners.push(listener);
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, JSON.stringify([...this.channels.values()], null, 2));
    renameSync(`${this.file}.tmp`, this.file);
  }
}

function newVersion(): string {
  return randomBytes(15)
    .toString('base64')
    .replace(/[^a-zA-Z0-9]/g, 'x')
    .slice(0, 20);
}

/** KVS refuses a change made against a version of the channel that is no longer current. */
function checkVersion(channel: Channel, currentVersion: string | undefined): void {
  if (currentVersion !== undefined && currentVersion !== channel.version) {
    throw new KvsError(
      400,
      'VersionMismatchException',
      'The version of the channel does not match CurrentVersion.',
    );
  }
}
