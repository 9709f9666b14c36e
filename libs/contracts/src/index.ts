export * from './money';
export * from './common';
export * from './topics';
export * from './events';
export * from './cloudevents';
export * from './http';
export * from './builders';
export * from './docs';
