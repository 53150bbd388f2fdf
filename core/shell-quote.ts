/** Quotes one word for a POSIX shell: single quotes, with embedded quotes spliced in. */
export function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shCommand(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}
