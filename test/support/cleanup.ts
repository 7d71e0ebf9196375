import { agent, cognito } from './cloud';

/** Closes the shared clients' sockets after each test file, so jest exits on its own. */
afterAll(async () => {
  cognito.destroy();
  agent.destroy();
  const { ddb } = await import('../../lambda/core/clients');
  ddb.destroy();
});
