/**
 * Go's text/tabwriter (elastic tabstops), as docker's fork of it uses it for every table the
 * docker CLI prints. Hand-written because no npm package reproduces Go's exact rules, and the
 * output must match the docker CLI byte for byte:
 *
 * - cells are tab-*terminated*: the text after the last tab of a line is not part of a column;
 * - a column block is a run of consecutive lines that all have a cell in that column, and each
 *   block gets its own width (max cell width + padding, at least minwidth);
 * - a line with a single cell flushes what came before, so it ends every column block;
 * - widths are display widths (docker's fork uses go-runewidth: East Asian wide runes count 2).
 *
 * Escape sequences (0xff) and HTML filtering of Go's writer are not supported: docker never
 * enables them.
 */

/** Force right-alignment of cell content. */
export const ALIGN_RIGHT = 1 << 2;
/** Handle empty columns terminated only by soft tabs (`\v`) as if they were not present. */
export const DISCARD_EMPTY_COLUMNS = 1 << 3;
/** Always use tabs for indentation columns (padding of leading empty cells). */
export const TAB_INDENT = 1 << 4;
/** Print a vertical bar between columns. */
export const DEBUG = 1 << 5;

export interface TabWriterOptions {
  /** Minimal cell width including any padding. */
  minwidth: number;
  /** Width of a tab character when padchar is a tab. */
  tabwidth: number;
  /** Padding added to a cell before computing its width. */
  padding: number;
  /** The padding character (one character). */
  padchar: string;
  /** Bitwise OR of ALIGN_RIGHT, DISCARD_EMPTY_COLUMNS, TAB_INDENT, DEBUG. */
  flags?: number;
}

interface Cell {
  text: string;
  width: number;
  /** True when terminated by a hard tab. */
  htab: boolean;
}

/**
 * A tabwriter that collects text and emits aligned output to `sink` on flush (and whenever Go's
 * writer would flush on its own). Use {@link formatTable} for the one-shot case.
 */
export class TabWriter {
  private readonly opts: Required<TabWriterOptions>;
  private lines: Cell[][] = [[]];
  private cell = '';
  private widths: number[] = [];
  private out: string[] = [];

  constructor(
    opts: TabWriterOptions,
    private readonly sink: (s: string) => void = () => {},
  ) {
    if (opts.minwidth < 0 || opts.tabwidth < 0 || opts.padding < 0) {
      throw new RangeError('negative minwidth, tabwidth, or padding');
    }
    let flags = opts.flags ?? 0;
    if (opts.padchar === '\t') flags &= ~ALIGN_RIGHT; // tab padding enforces left-alignment
    this.opts = { ...opts, flags };
  }

  /** Adds text; it is split into cells at `\t`, `\v`, `\n` and `\f`. */
  write(text: string): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch !== '\t' && ch !== '\v' && ch !== '\n' && ch !== '\f') continue;
      this.cell += text.slice(start, i);
      start = i + 1;
      const ncells = this.terminateCell(ch === '\t');
      if (ch === '\n' || ch === '\f') {
        this.lines.push([]);
        // A line with a single cell cannot affect the formatting of later lines (the last
        // cell of a line belongs to no column), so Go flushes here; this also ends the blocks.
        if (ch === '\f' || ncells === 1) {
          this.flushInternal();
          if (ch === '\f' && this.opts.flags & DEBUG) this.emit('---\n');
        }
      }
    }
    this.cell += text.slice(start);
  }

  /** Formats and emits everything buffered; returns what was emitted since the last flush. */
  flush(): string {
    this.flushInternal();
    const s = this.out.join('');
    this.out = [];
    return s;
  }

  private emit(s: string): void {
    this.out.push(s);
    this.sink(s);
  }

  private terminateCell(htab: boolean): number {
    const line = this.lines[this.lines.length - 1];
    line.push({ text: this.cell, width: displayWidth(this.cell), htab });
    this.cell = '';
    return line.length;
  }

  private flushInternal(): void {
    if (this.cell.length > 0) this.terminateCell(false);
    this.format(0, this.lines.length);
    this.lines = [[]];
    this.widths = [];
  }

  private format(line0: number, line1: number): void {
    const column = this.widths.length;
    for (let cur = line0; cur < line1; cur++) {
      if (column >= this.lines[cur].length - 1) continue;
      // This line has a cell in this column: print the lines before the block, then measure it.
      this.writeLines(line0, cur);
      line0 = cur;
      let width = this.opts.minwidth;
      let discardable = true;
      for (; cur < line1; cur++) {
        const line = this.lines[cur];
        if (column >= line.length - 1) break;
        const c = line[column];
        width = Math.max(width, c.width + this.opts.padding);
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && this.opts.flags & DISCARD_EMPTY_COLUMNS) width = 0;
      this.widths.push(width);
      this.format(line0, cur);
      this.widths.pop();
      line0 = cur;
    }
    this.writeLines(line0, line1);
  }

  private writeLines(line0: number, line1: number): void {
    const { flags } = this.opts;
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i];
      let useTabs = (flags & TAB_INDENT) !== 0;
      line.forEach((c, j) => {
        if (j > 0 && flags & DEBUG) this.emit('|');
        const w = this.widths[j];
        if (c.text.length === 0) {
          if (j < this.widths.length) this.emit(this.padding(c.width, w, useTabs));
          return;
        }
        useTabs = false;
        const pad = j < this.widths.length ? this.padding(c.width, w, false) : '';
        this.emit(flags & ALIGN_RIGHT ? pad + c.text : c.text + pad);
      });
      // The last buffered line has no newline yet: its text is still in the open cell.
      if (i + 1 < this.lines.length) this.emit('\n');
    }
  }

  private padding(textw: number, cellw: number, useTabs: boolean): string {
    const { padchar, tabwidth } = this.opts;
    if (padchar === '\t' || useTabs) {
      if (tabwidth === 0) return '';
      const cw = Math.ceil(cellw / tabwidth) * tabwidth;
      return '\t'.repeat(Math.ceil((cw - textw) / tabwidth));
    }
    return padchar.repeat(Math.max(0, cellw - textw));
  }
}

/** Formats `text` in one go with the given options, as Go's `w.Write(text); w.Flush()`. */
export function formatTable(text: string, opts: TabWriterOptions): string {
  const w = new TabWriter(opts);
  w.write(text);
  return w.flush();
}

/**
 * The terminal width of a string as go-runewidth computes it (for the common cases): East Asian
 * wide and fullwidth code points count 2, combining marks and zero-width characters count 0.
 */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (isZeroWidth(cp)) continue;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0x00ad
  );
}

const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

function isWide(cp: number): boolean {
  if (cp < 0x1100) return false;
  return WIDE_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi);
}
