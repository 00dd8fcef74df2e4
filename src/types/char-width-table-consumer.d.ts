// char-width-table-consumer ships no types; what src/web/badge.ts uses of it.
declare module 'char-width-table-consumer' {
  export interface CharWidthTableConsumer {
    /** The advance of `text` in px; a character the table lacks counts as an "m" (guess: true). */
    widthOf(text: string, options?: { guess?: boolean }): number;
  }
  /** A consumer of a table of [first code point, last code point, width] ranges. */
  export function createConsumer(data: number[][]): CharWidthTableConsumer;
}
