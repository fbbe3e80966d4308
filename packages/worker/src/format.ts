import { styleText } from 'node:util';

/** What a word means to the reader; each has one colour on a terminal. */
export type Tone = 'good' | 'bad' | 'warn' | 'dim';

const STYLE = { good: 'green', bad: 'red', warn: 'yellow', dim: 'gray' } as const;

export type Paint = (tone: Tone | undefined, text: string) => string;

/**
 * Colour for a stream: on when it is a terminal, off when NO_COLOR is set and not empty (see
 * no-color.org) or TERM is dumb; FORCE_COLOR (not 0) turns it on for a pipe.
 */
export function paintFor(
  stream: { isTTY?: boolean | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Paint {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0';
  const off = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  const on = forced || (stream.isTTY === true && !off);
  // The decision is made here, for the stream written to: styleText must not check process.stdout.
  return (tone, text) => (on && tone ? styleText(STYLE[tone], text, { validateStream: false }) : text);
}

const plain: Paint = (_tone, text) => text;

/**
 * Plain-text table with left-aligned columns, for terminal output. `toneOf` colours a cell (after
 * its padding is measured, so colour never shifts a column).
 */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  toneOf?: (cell: string, column: number) => Tone | undefined,
  paint: Paint = plain,
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[], body: boolean) =>
    cells
      .map((cell, column) => {
        const padded = column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0);
        return body && toneOf ? paint(toneOf(cell, column), padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return `${[line(headers, false), ...rows.map((row) => line(row, true))].join('\n')}\n`;
}

/** The tone of an event status word. */
export function statusTone(status: string): Tone | undefined {
  if (status === 'published') return 'good';
  if (status === 'failed') return 'bad';
  if (status === 'retry') return 'warn';
  return undefined;
}

/** `1.2 s`, `3 min`, `5.0 h`, `2.1 d`: an age or duration for people. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** Cut `text` to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** JSON for `--json` output (dates as ISO strings), one document per command. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
