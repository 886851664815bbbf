// How long a run's request waits for a person before it is denied (an agent's runtime setting).
export const DEFAULT_ANSWER_TIMEOUT_SEC = 30 * 60;
