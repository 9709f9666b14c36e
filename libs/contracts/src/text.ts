/** Client text an answer, an error or a log line repeats, cut at `max` characters: none grows with the input. */
export const cut = (text: string, max = 64): string => (text.length > max ? `${text.slice(0, max)}…` : text);
