// Moved below the services (src/main/context.ts): heartbeat and recovery share it without importing services.
export * from '../context';
