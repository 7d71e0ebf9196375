import type { OperationId } from '../contract/routes';
import type * as t from '../contract/types';

/** The validated body type of each route that takes one. */
interface Bodies {
  bindDevice: t.BindDeviceRequest;
  createDeviceSession: t.CreateSessionRequest;
  createInviteSession: t.CreateSessionRequest;
  createInvite: t.CreateInviteRequest;
  createCitizenSession: t.CitizenSessionRequest;
  createCitizenPhoto: t.CitizenPhotoRequest;
  putCitizenLocation: t.CitizenLocationRequest;
  getCitizenInvite: t.CitizenLinkRequest;
  endCitizenSession: t.CitizenLinkRequest;
  publishDeviceSessionFingerprint: t.PublishFingerprintRequest;
  publishInviteSessionFingerprint: t.PublishFingerprintRequest;
  putCitizenPeers: t.CitizenPeersRequest;
}

export type RequestBody<Op extends OperationId> = Op extends keyof Bodies ? Bodies[Op] : undefined;
