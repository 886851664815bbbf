// Moved below the services (src/main/views/lookup.ts): the engine loads DTOs without importing services.
export * from '../views/lookup';
