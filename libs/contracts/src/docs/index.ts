export * from './asyncapi';
export * from './flow';
export * from './openapi';
