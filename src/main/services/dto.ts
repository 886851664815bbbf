// Moved below the services (src/main/views/dto.ts): the engine maps its events without importing services.
export * from '../views/dto';
