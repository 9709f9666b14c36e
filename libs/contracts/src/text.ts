/** Client text an answer, an error or a log line repeats, cut at `max` characters: none grows with the input. */
export const cut = (text: string, max = 64): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * For a refinement that scans the whole text (zod runs it even when a length check before it has
 * failed): only when the value passed every check so far. A value over its length limit, up to a
 * body's 100 KB, is refused for its length without being scanned: the card-number scan of such a
 * name cost ~60 ms of CPU per request.
 */
export const whenValidSoFar = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };
