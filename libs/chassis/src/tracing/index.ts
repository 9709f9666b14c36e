export * from './otel';
export * from './traceparent';
