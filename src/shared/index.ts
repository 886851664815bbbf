export * from './domain';
export * from './contract';
export * from './events';
export * from './errors';
export * from './wire';
