import { describe, expect, it } from 'vitest';
import { paintFor, statusTone, table } from './format.js';

const RED = '\u001b[31m';

describe('colour', () => {
  it('is on for a terminal, off for a pipe, NO_COLOR or a dumb terminal, and FORCE_COLOR forces it', () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    expect(paintFor(tty, {})('bad', 'DOWN')).toBe(`${RED}DOWN\u001b[39m`);
    expect(paintFor(pipe, {})('bad', 'DOWN')).toBe('DOWN');
    expect(paintFor(tty, { NO_COLOR: '1' })('bad', 'DOWN')).toBe('DOWN');
    // An empty NO_COLOR does not count (no-color.org).
    expect(paintFor(tty, { NO_COLOR: '' })('bad', 'DOWN')).toBe(`${RED}DOWN\u001b[39m`);
    expect(paintFor(tty, { TERM: 'dumb' })('bad', 'DOWN')).toBe('DOWN');
    expect(paintFor(pipe, { FORCE_COLOR: '1' })('bad', 'DOWN')).toBe(`${RED}DOWN\u001b[39m`);
    expect(paintFor(pipe, { FORCE_COLOR: '0' })('bad', 'DOWN')).toBe('DOWN');
  });

  it('keeps the columns of a table aligned when cells are coloured', () => {
    const paint = paintFor({ isTTY: true }, {});
    const text = table(
      ['ID', 'STATUS', 'TYPE'],
      [
        ['a', 'failed', 'x'],
        ['bb', 'pending', 'y'],
      ],
      (cell, column) => (column === 1 ? statusTone(cell) : undefined),
      paint,
    );
    // Without the escapes the table is the plain one.
    const plain = table(
      ['ID', 'STATUS', 'TYPE'],
      [
        ['a', 'failed', 'x'],
        ['bb', 'pending', 'y'],
      ],
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escapes are what is removed
    expect(text.replace(/\u001b\[\d+m/g, '')).toBe(plain);
    expect(text).toContain(`${RED}failed `);
  });
});
