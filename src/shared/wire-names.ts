// The transport-level method names, without zod: the CLI's client loads this file alone.
/** Transport-level methods, answered by the transport itself, not the API. */
export const SUBSCRIBE = 'events.subscribe';
export const UNSUBSCRIBE = 'events.unsubscribe';
