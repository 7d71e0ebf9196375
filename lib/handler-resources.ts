import type { OperationId, routes } from '../lambda/contract/routes';
import type { TableKey } from '../lambda/contract/types';
import type { TableAccess } from './constructs/sightline-function';

/** The handlers of the routes that are live now (`stage: 'live'` in the route table). */
export type LiveHandler = Extract<(typeof routes)[OperationId], { stage: 'live' }>['handler'];

export interface HandlerResources {
  /** The tables the handler touches, and how. Anything not listed is out of its reach. */
  readonly tables: Partial<Record<TableKey, TableAccess>>;
  /** The indexes the handler queries, by table. Any index not named is out of its reach. */
  readonly indexes?: Partial<Record<TableKey, readonly string[]>>;
  /**
   * Mints KVS viewer sessions: the function gets a viewer role that only it may assume, limited
   * to this deployment's channels (`SightlineFunction.mintViewerSessions`).
   * @default false
   */
  readonly mintsViewerSessions?: boolean;
  /**
   * Memory in MB.
   * @default 256
   */
  readonly memorySize?: number;
}

/**
 * What each live handler may touch: an infrastructure fact, kept next to the infrastructure.
 * Typed by the route table, so making a route live without saying what its handler needs is a
 * compile error.
 */
export const handlerResources: Record<LiveHandler, HandlerResources> = {
  'list-devices': { tables: { devices: 'read' }, indexes: { devices: ['byOwner'] } },
  // scrypt (N=2^15, r=8) is CPU-bound, and Lambda's CPU share grows with memory.
  'bind-device': {
    tables: { devices: 'readWrite', bindAttempts: 'readWrite', audit: 'append' },
    memorySize: 1024,
  },
  'unbind-device': { tables: { devices: 'readWrite', audit: 'append' } },
  // Reads the device, mints with STS and KVS, and appends the audit record on its own.
  'create-device-session': {
    tables: { devices: 'read', audit: 'append' },
    mintsViewerSessions: true,
  },
};
