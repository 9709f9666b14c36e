export * from './env';
export * from './kafka';
export * from './wait';
export * from './http';
export * from './saga';
export * from './component';
export * from './reply-dropping-proxy';
export * from './own-redis';
