declare const __AGENT_VERSION__: string | undefined;

/** Set by the bundle (device/build.ts) from package.json; a development run says so. */
export const AGENT_VERSION = typeof __AGENT_VERSION__ === 'string' ? __AGENT_VERSION__ : '0.0.0-dev';
