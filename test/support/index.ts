export * from './kafka';
export * from './wait';
