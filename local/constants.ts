/** The local cloud's region and the placeholder credentials its real components accept. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_CREDENTIALS = {
  accessKeyId: 'LOCALADMINKEY',
  secretAccessKey: 'local-admin-secret',
} as const;
