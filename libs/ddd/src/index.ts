export * from './context-scopes';
