export * from './context-scopes';
export * from './domain-error';
export * from './money';
export * from './decider';
export * from './event-sourced-repository';
export * from './decider-command-handler';
export * from './quantity';
export * from './history-entry';
