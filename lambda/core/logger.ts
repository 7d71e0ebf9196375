import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One logger for every handler. Nothing logs events, headers or bodies: they carry ID tokens,
 * binding secrets and invite tokens.
 */
export const logger = new Logger({ serviceName: 'sightline' });
