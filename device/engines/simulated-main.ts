import { runSimulatedEngine } from './simulated-engine';

/**
 * Entry of the simulated engine's own bundle (`sightline-engine-simulated.mjs`), started by the
 * agent. Kept out of the agent's bundle, so a camera's agent never loads the AWS SDK, the KVS
 * JS SDK or libwebrtc.
 */
runSimulatedEngine().catch((err: Error) => {
  console.error(`simulated engine: ${err.stack ?? err.message}`);
  process.exit(1);
});
