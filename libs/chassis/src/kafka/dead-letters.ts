export { originOf, type DeadLetter } from './dead-letter';
export { DEAD_LETTER_REASONS, deadLetterHeaders, headerBytes } from './dead-letter-headers';
export { readDeadLetters } from './read-dead-letters';
export { replayDeadLetters } from './replay-dead-letters';
