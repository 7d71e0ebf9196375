export * from './problems';
export * from './routes';
export * as schemas from './schemas';
export type * from './types';
