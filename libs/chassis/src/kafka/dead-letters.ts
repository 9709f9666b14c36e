export { originOf, type DeadLetter } from './dead-letter';
export { deadLetterHeaders, headerBytes } from './dead-letter-headers';
export { readDeadLetters } from './read-dead-letters';
export { replayDeadLetters } from './replay-dead-letters';
