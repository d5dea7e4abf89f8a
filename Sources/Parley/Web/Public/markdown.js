// A safe Markdown subset for model replies: paragraphs, headings, emphasis, inline code, fenced
// code blocks, nested lists, quotes, rules, GFM tables, and links to http(s) only.
// parseMarkdown() turns text into a plain tree; build() turns the tree into DOM nodes with
// createElement and text nodes. No string is ever parsed as HTML, so `<script>` in a reply is
// just text. Parsing takes time in proportion to the text whatever it holds (a reply can be
// megabytes of anything), and createMarkdownStream() draws a growing reply again only from its
// last block. What a reply can make is bounded where prose never reaches: quotes and lists nest 8
// deep, emphasis and links 16, and a paragraph makes at most 10 000 elements of emphasis; past
// these the marks are text.

const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*))?$/;
const QUOTE = /^ {0,3}>[ \t]?/;
const BLANK = /^\s*$/;
const DELIMITER_ROW = /^[\s|:-]*$/; // what a table's delimiter row is made of
const MAX_DEPTH = 8; // quotes and lists nested deeper are read as text

/** Text → an array of block nodes: `{tag, attrs?, children}` objects and strings (text). */
export function parseMarkdown(text) {
  return blocks(splitLines(String(text)));
}

/** Lines end at \n, \r\n or \r. */
function splitLines(text) {
  return text.includes("\r") ? text.split(/\r\n?|\n/) : text.split("\n");
}

/** Whether a line is all white space. */
function isBlank(line) {
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code >= 128) return BLANK.test(line);
    if (code !== 32 && (code < 9 || code > 13)) return false;
  }
  return true;
}

/**
 * Lines → block nodes, pushed to `out` one by one; `starts`, if given, gets the index of each
 * block's first line. Where a block ends depends only on its own lines, the blank lines after it,
 * the first line of the next block and the line after that (a table's delimiter row ends a
 * paragraph before its header row): createMarkdownStream() counts on this.
 */
function blocks(lines, depth = 0, starts = null, out = []) {
  for (let i = 0; i < lines.length; ) {
    if (isBlank(lines[i])) {
      i++;
      continue;
    }
    starts?.push(i);
    i = readBlock(lines, i, depth, out);
  }
  return out;
}

/** Adds the block starting at lines[i] (not blank) to `out`; returns the index of the line after it. */
function readBlock(lines, i, depth, out) {
  const line = lines[i];
  const mark = firstMark(line);
  let match;
  if (mark) {
    if (mark === "fence" && (match = FENCE.exec(line))) return fenced(lines, i, match[1], match[2], out);
    if (mark === "#" && (match = HEADING.exec(line))) {
      out.push(node(`h${Math.min(match[1].length + 2, 6)}`, inline(headingText(match[2] ?? ""))));
      return i + 1;
    }
    if ((mark === "-" || mark === "*" || mark === "_") && isRule(line)) {
      out.push(node("hr"));
      return i + 1;
    }
    if (depth < MAX_DEPTH && mark === ">" && QUOTE.test(line)) return quote(lines, i, depth, out);
    if (depth < MAX_DEPTH && startsItem(mark) && itemMarker(line)) return list(lines, i, depth, out);
  }
  const aligns = tableStart(lines, i);
  if (aligns) return table(lines, i, aligns, depth, out);
  return paragraph(lines, i, depth, out);
}

function startsBlock(line, depth) {
  const mark = firstMark(line);
  if (!mark) return false; // most lines of prose, quickly
  if (mark === "fence") return FENCE.test(line);
  if (mark === "#") return HEADING.test(line);
  if ((mark === "-" || mark === "*" || mark === "_") && isRule(line)) return true;
  if (depth >= MAX_DEPTH) return false;
  return mark === ">" ? QUOTE.test(line) : startsItem(mark) && itemMarker(line) !== null;
}

/** Whether a line is a rule: up to 3 spaces, then 3 or more of one of `-`, `*`, `_`, with only spaces and tabs between and after. */
function isRule(line) {
  let i = 0;
  while (i < 3 && line[i] === " ") i++;
  const mark = line[i];
  if (mark !== "-" && mark !== "*" && mark !== "_") return false;
  let count = 0;
  for (; i < line.length; i++) {
    if (line[i] === mark) count++;
    else if (line[i] !== " " && line[i] !== "\t") return false;
  }
  return count >= 3;
}

function startsItem(mark) {
  return mark === "-" || mark === "*" || mark === "+" || mark === "digit";
}

/**
 * What the first character after a line's indentation may start: "fence" (` or ~), "#", "-",
 * "*", "_", ">", "+", "digit", or null for a line no block starts with (most lines of prose).
 */
function firstMark(line) {
  let i = 0;
  while (line[i] === " " || line[i] === "\t") i++;
  const char = line[i];
  if (char === "`" || char === "~") return "fence";
  if (char >= "0" && char <= "9") return "digit";
  return char !== undefined && "#-*_>+".includes(char) ? char : null;
}

// An unclosed fence (a reply still streaming) runs to the end.
function fenced(lines, i, fence, lang, out) {
  let end = i + 1;
  while (end < lines.length && !closesFence(lines[end], fence)) end++;
  out.push(codeBlock(lines.slice(i + 1, end).join("\n"), lang));
  return Math.min(end + 1, lines.length);
}

function closesFence(line, fence) {
  const close = line.trim();
  return close[0] === fence[0] && close.length >= fence.length && close === fence[0].repeat(close.length);
}

/** Heading text without closing #s ("## Title ##"), but "C#" keeps its #. */
function headingText(text) {
  const trimmed = text.trim();
  let end = trimmed.length;
  while (trimmed[end - 1] === "#") end--;
  if (end === 0) return "";
  return end < trimmed.length && /[ \t]/.test(trimmed[end - 1]) ? trimmed.slice(0, end).trimEnd() : trimmed;
}

function quote(lines, i, depth, out) {
  const quoted = [];
  let end = i;
  for (; end < lines.length && QUOTE.test(lines[end]); end++) quoted.push(lines[end].replace(QUOTE, ""));
  out.push(node("blockquote", blocks(quoted, depth + 1)));
  return end;
}

/**
 * A list: items of one kind (bullets, or numbers), none further in than the one before. A line
 * further in than an item's marker belongs to that item, without the item's indentation: a nested
 * list (with any indentation, as models write them), a second paragraph, code. An item's lines are
 * read again as blocks of their own.
 */
function list(lines, i, depth, out) {
  let marker = itemMarker(lines[i]);
  const ordered = marker.number >= 0;
  const start = ordered ? marker.number : 1;
  const items = [];
  let loose = false; // a blank line between items, or between blocks of one: paragraphs stay <p>
  const bare = []; // per item, whether it is one line of text
  let end;
  for (;;) {
    const indent = indentOf(lines[i]);
    const content = indent + marker.width + (marker.spaces > 4 ? 1 : marker.spaces);
    const first = lines[i].slice(marker.end);
    let body = null; // the item's lines, once it has more than its first
    let next = i + 1;
    let blanks = 0;
    for (; next < lines.length; next++) {
      const line = lines[next];
      if (isBlank(line)) {
        blanks++;
        continue;
      }
      const lineIndent = indentOf(line);
      if (lineIndent <= indent) break;
      body ??= [first];
      for (; blanks; blanks--) body.push("");
      body.push(dedent(line, Math.min(lineIndent, content)));
    }
    if (!body && !firstMark(first)) {
      const text = first.trim(); // one line of text, as most items: its li holds the text, and a p if the list is loose
      items.push(node("li", text ? inline(text) : []));
      bare.push(text !== "");
    } else {
      body ??= [first];
      const starts = [];
      items.push(node("li", blocks(body, depth + 1, starts)));
      bare.push(false);
      for (let k = 1; k < starts.length; k++) if (isBlank(body[starts[k] - 1])) loose = true;
    }
    end = next - blanks;
    marker = next < lines.length ? itemMarker(lines[next]) : null;
    if (!marker || (marker.number >= 0) !== ordered) break;
    if (blanks) loose = true;
    i = next;
  }
  items.forEach((item, k) => {
    if (loose && bare[k]) item.children = [node("p", item.children)];
    else if (!loose && !bare[k]) item.children = unwrapped(item.children);
  });
  out.push(node(ordered ? "ol" : "ul", items, ordered && start !== 1 ? { start: String(start) } : undefined));
  return end;
}

/**
 * The list marker a line starts with (`- `, `* `, `+ `, or 1 to 9 digits and `.` or `)`, after
 * any indentation and before at least one space or tab), or null: `{width, number, spaces, end}`,
 * the marker's length, its number (-1 for a bullet), the spaces and tabs after it, where the
 * item's text starts.
 */
function itemMarker(line) {
  let i = 0;
  while (line[i] === " " || line[i] === "\t") i++;
  const from = i;
  let number = -1;
  if (line[i] === "-" || line[i] === "*" || line[i] === "+") {
    i++;
  } else {
    while (i - from < 10 && line[i] >= "0" && line[i] <= "9") i++;
    if (i === from || i - from > 9 || (line[i] !== "." && line[i] !== ")")) return null;
    number = parseInt(line.slice(from, i), 10);
    i++;
  }
  const width = i - from;
  while (line[i] === " " || line[i] === "\t") i++;
  return i > from + width ? { width, number, spaces: i - from - width, end: i } : null;
}

/** Blocks with the children of their paragraphs in place of the paragraphs: a tight list's item. */
function unwrapped(blocks) {
  if (blocks.length === 1 && blocks[0].tag === "p") return blocks[0].children; // most items
  const out = [];
  for (const block of blocks) {
    if (block.tag !== "p") out.push(block);
    else for (const child of block.children) out.push(child);
  }
  return out;
}

/** Columns of indentation (a tab reaches the next multiple of 4). */
function indentOf(line) {
  let column = 0;
  for (let i = 0; ; i++) {
    const code = line.charCodeAt(i);
    if (code === 32) column++;
    else if (code === 9) column += 4 - (column % 4);
    else return column;
  }
}

/** The line without its first `count` columns of indentation. */
function dedent(line, count) {
  let column = 0;
  let i = 0;
  for (; column < count && (line[i] === " " || line[i] === "\t"); i++) column += line[i] === "\t" ? 4 - (column % 4) : 1;
  return " ".repeat(Math.max(0, column - count)) + line.slice(i);
}

/** The column alignments if lines[i] is a table's header row (has a pipe, and the next line is a delimiter row with as many cells), else null. */
function tableStart(lines, i) {
  if (i + 1 >= lines.length || !lines[i].includes("|")) return null;
  const aligns = delimiterRow(lines[i + 1]);
  return aligns && aligns.length === cells(lines[i]).length ? aligns : null;
}

/** Each column's alignment (null, "left", "center", "right") if `line` is like | --- | :-: | --: |, else null. */
function delimiterRow(line) {
  if (!line.includes("|") || !DELIMITER_ROW.test(line)) return null;
  const aligns = [];
  for (const cell of cells(line)) {
    if (!/^:?-+:?$/.test(cell)) return null;
    const right = cell.endsWith(":");
    aligns.push(cell.startsWith(":") ? (right ? "center" : "left") : right ? "right" : null);
  }
  return aligns;
}

/** A table row's cells, or its first `most`: split at pipes not escaped as `\|`, without the outer pipes. */
function cells(line, most = Infinity) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const out = [];
  let from = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === "\\") {
      i++;
    } else if (row[i] === "|") {
      out.push(cell(row.slice(from, i)));
      if (out.length === most) return out;
      from = i + 1;
    }
  }
  out.push(cell(row.slice(from)));
  return out;
}

function cell(text) {
  text = text.trim();
  return text.includes("\\") ? text.replaceAll("\\|", "|") : text;
}

// A GFM table: the header row, the delimiter row, then rows up to a blank line or another block.
// Alignment is a class (the page's CSP allows no style attributes); a wide table scrolls in its
// <div class="table">.
function table(lines, i, aligns, depth, out) {
  const classes = aligns.map((align) => (align ? { class: `align-${align}` } : undefined));
  const row = (line, tag) => {
    const texts = cells(line, aligns.length);
    return node("tr", classes.map((attrs, k) => node(tag, inline(texts[k] ?? ""), attrs)));
  };
  const rows = [];
  let end = i + 2;
  for (; end < lines.length && !isBlank(lines[end]) && !startsBlock(lines[end], depth); end++) rows.push(row(lines[end], "td"));
  const parts = [node("thead", [row(lines[i], "th")])];
  if (rows.length) parts.push(node("tbody", rows));
  out.push(node("div", [node("table", parts)], { class: "table" }));
  return end;
}

function paragraph(lines, i, depth, out) {
  const text = [lines[i].trim()];
  let end = i + 1;
  for (; end < lines.length && !isBlank(lines[end]) && !startsBlock(lines[end], depth) && !tableStart(lines, end); end++) {
    text.push(lines[end].trim());
  }
  out.push(node("p", inline(text.join("\n"))));
  return end;
}

function codeBlock(code, lang) {
  return node("div", [
    node("div", [node("span", lang ? [lang] : []), node("button", ["Copy"], { type: "button", class: "copy" })], { class: "code-head" }),
    node("pre", [node("code", [code])]),
  ], { class: "code" });
}

// Inline markup is read in one pass, the way CommonMark reads it: code spans, escapes, autolinks
// and line breaks are made where they stand; runs of `*`, `_` and `~~` and each `[` are noted,
// and paired up later (emphasis) or when a `](url)` turns up (links). No scan starts again from
// every opening mark (as a lazy regex does: `*a *a *a …` was quadratic), so a paragraph costs
// time in proportion to its length whatever it holds. Tokens are places in the text, and the
// text between them is plain: a megabyte of unmatched marks makes no string but the one shown.

const AUTOLINK = /<(https?:\/\/[^\s<>]+)>/iy;
const BARE_URL = /[^\s<>[\]]*/y;
const SPACE = /\s/;
const PUNCTUATION = /[\p{P}\p{S}]/u;
// What inline() stops at, by character code below 128: a mark, or `h`/`H` (a bare URL maybe).
const STOPS = new Uint8Array(128);
for (const char of "\\`*_~[]<\nhH") STOPS[char.charCodeAt(0)] = 1;
// ASCII characters by kind for the flanking rules: 1 white space, 2 punctuation or symbol.
const KINDS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  KINDS[code] = SPACE.test(char) ? 1 : PUNCTUATION.test(char) ? 2 : 0;
}
const MAX_INLINE_DEPTH = 16; // emphasis and links nested deeper stay text
// Elements of emphasis (em, strong, del) one paragraph, heading, list item or table cell can make;
// the marks of any more stay text. Prose has far fewer; `*_*_*_…` would make one per 3 characters.
const MAX_EMPHASIS = 10_000;

/**
 * What inline() notes as it reads a paragraph, by number in typed arrays: a megabyte of marks
 * would otherwise be a million objects for the garbage collector to move. There is room for the
 * most that the text can hold, found before reading it: each run holds a mark, each pair uses two,
 * each token starts at a character that inline() stops at.
 *
 * Runs of `*`, `_` and `~~` (run 0 stands before the first): where each is, whether it can open
 * and close, its neighbours among the runs that may still pair up (a linked list, NONE at its
 * end), the marks it has left, how many elements it closes and with how many marks (its first
 * ones), and the elements it opens: a list of pairs, the last paired (the outermost) first, each
 * with the marks it uses (1: em, 2: strong or del).
 *
 * Tokens, in the order of the text: 4 × a number + what it is (ESCAPE, BREAK, RUN, OBJECT).
 */
class Marks {
  constructor() {
    this.allocate(64, 64);
  }

  allocate(runs, tokens) {
    this.start = new Int32Array(runs);
    this.end = new Int32Array(runs);
    this.flags = new Uint8Array(runs); // OPENS | CLOSES
    this.prev = new Int32Array(runs);
    this.next = new Int32Array(runs);
    this.count = new Int32Array(runs); // marks not used by an element
    this.closed = new Int32Array(runs);
    this.closes = new Int32Array(runs);
    this.opens = new Int32Array(runs); // its outermost pair, or NONE
    this.use = new Uint8Array(runs >> 1); // per pair
    this.inner = new Int32Array(runs >> 1); // per pair: the one its run opened before (inside), or NONE
    this.tokens = new Int32Array(tokens);
  }

  /** Empty, with room for what `text` can hold. */
  clear(text) {
    if (text.length >= this.start.length || text.length > this.tokens.length) {
      let marks = 0;
      let stops = 0;
      for (let at = 0; at < text.length; at++) {
        const code = text.charCodeAt(at);
        if (code >= 128 || !STOPS[code]) continue;
        stops++;
        if (code === 42 || code === 95 || code === 126) marks++; // * _ ~
      }
      if (marks >= this.start.length || stops > this.tokens.length) this.allocate(Math.max(marks + 1, this.start.length), Math.max(stops, this.tokens.length));
    }
    this.runs = 1;
    this.pairs = 0;
    this.length = 0; // of tokens
    this.objects = []; // the tokens that are objects: Link and Atom
    this.start[0] = this.end[0] = -1;
    this.flags[0] = 0;
    this.prev[0] = this.next[0] = NONE;
  }

  /** After a paragraph: no nodes kept, nor megabytes after a long one. */
  release() {
    this.objects = null;
    if (this.start.length > 1 << 16 || this.tokens.length > 1 << 16) this.allocate(64, 64);
  }

  /** A new run text[start, end) after `prev`, the last one listed; its number. */
  add(start, end, flags, prev) {
    const run = this.runs++;
    this.start[run] = start;
    this.end[run] = end;
    this.flags[run] = flags;
    this.prev[run] = prev;
    this.next[run] = NONE;
    this.next[prev] = run;
    this.count[run] = end - start;
    this.closed[run] = this.closes[run] = 0;
    this.opens[run] = NONE;
    this.push(run, RUN);
    return run;
  }

  /** `opener` and `closer` make an element with `use` marks of each. */
  pair(opener, closer, use) {
    const pair = this.pairs++;
    this.use[pair] = use;
    this.inner[pair] = this.opens[opener];
    this.opens[opener] = pair;
    this.count[opener] -= use;
    this.count[closer] -= use;
    this.closed[closer] += use;
    this.closes[closer]++;
  }

  unlink(run) {
    const { prev, next } = this;
    next[prev[run]] = next[run];
    if (next[run] !== NONE) prev[next[run]] = prev[run];
  }

  /** Adds the token `value` (a place in the text or a run) of kind `kind`. */
  push(value, kind) {
    this.tokens[this.length++] = value * 4 + kind;
  }

  /** Adds a Link or an Atom: at the end, or at token `index`. */
  pushObject(object, index = this.length) {
    this.tokens.copyWithin(index + 1, index, this.length++);
    this.tokens[index] = this.objects.length * 4 + OBJECT;
    this.objects.push(object);
  }

  /** Where token `index` starts. */
  startOf(index) {
    const token = this.tokens[index];
    const value = token >>> 2;
    const kind = token & 3;
    return kind === RUN ? this.start[value] : kind === OBJECT ? this.objects[value].start : value;
  }

  /** The index of the first token after `at` (tokens are in text order). */
  firstAfter(at) {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.startOf(middle) < at) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

const NONE = -1;
const OPENS = 1;
const CLOSES = 2;
const ESCAPE = 0; // a token: the escape text[at, at + 2)
const BREAK = 1; // the line break at `at`
const RUN = 2;
const OBJECT = 3;
const marks = new Marks(); // inline() is not reentrant: one Marks serves every call

/** The `[` of a link, and the `](url)` that closes it. */
class Link {
  constructor(start, href, tail) {
    this.start = start;
    this.end = start + 1;
    this.href = href;
    this.tail = tail;
  }
}

/** A code span or autolink (`node`), or the `](url)` of a link (its Link). */
class Atom {
  constructor(start, end, node) {
    this.start = start;
    this.end = end;
    this.node = node;
  }
}

/** Inline text → an array of strings and nodes. */
export function inline(text) {
  if (!hasMarks(text)) return text ? [text] : []; // most table cells and list items
  marks.clear(text);
  let last = 0; // the last run that may still pair up
  const brackets = []; // where the `[`s are that may still open a link
  let linkable = 0; // brackets below this index come before a link: links do not nest
  let ticks = null; // backtick runs by length, found when first needed

  // Each branch leaves `next` at where the scan goes on: after what it read, or after the mark.
  for (let at = 0, next = 0; at < text.length; at = next) {
    const code = text.charCodeAt(at);
    next = at + 1;
    if (code >= 128 || !STOPS[code]) continue;
    const char = text[at];
    if (char === "\\") {
      if (!escapable(text, at + 1)) continue;
      marks.push(at, ESCAPE);
      next = at + 2;
    } else if (char === "`") {
      const end = runEnd(text, at);
      ticks ??= backtickRuns(text);
      const close = closingRun(ticks, end - at, end);
      next = close < 0 ? end : close + end - at; // never closed: the backticks are text
      if (close >= 0) marks.pushObject(new Atom(at, next, node("code", [codeText(text.slice(end, close))])));
    } else if (char === "*" || char === "_" || char === "~") {
      next = runEnd(text, at);
      const flags = delimiterRun(text, at, next);
      if (!flags) continue;
      last = marks.add(at, next, flags, last);
    } else if (char === "[") {
      brackets.push(at); // a token only if it turns out to open a link
    } else if (char === "]") {
      if (!brackets.length) continue;
      const start = brackets.pop();
      const tail = brackets.length >= linkable ? linkTail(text, at + 1) : null;
      linkable = Math.min(linkable, brackets.length);
      if (!tail) continue; // the `[` and `]` stay text
      // Emphasis inside the link text stays inside. (All runs after the `[` are still listed: a
      // link made since would have left this `[` unable to open one.)
      let bottom = last;
      while (marks.start[bottom] > start) bottom = marks.prev[bottom];
      emphasis(text, bottom);
      last = bottom;
      const link = new Link(start, tail.href, text.slice(at, tail.end));
      marks.pushObject(link, marks.firstAfter(start)); // links do not nest: no token moves twice
      marks.pushObject(new Atom(at, tail.end, link));
      linkable = brackets.length;
      next = tail.end;
    } else if (char === "<") {
      AUTOLINK.lastIndex = at;
      const auto = AUTOLINK.exec(text);
      if (!auto || !isWebURL(auto[1])) continue;
      marks.pushObject(new Atom(at, AUTOLINK.lastIndex, link(auto[1], [auto[1]])));
      next = AUTOLINK.lastIndex;
    } else if (char === "\n") {
      marks.push(at, BREAK);
    } else {
      const scheme = schemeEnd(text, at); // `h`: http:// or https://, in any case
      if (scheme < 0) continue;
      next = scheme; // (as a regex scan would, it goes on after the scheme even if no URL is there)
      const end = bareURLEnd(text, at);
      if (end === at) continue;
      marks.pushObject(new Atom(at, end, link(text.slice(at, end), [text.slice(at, end)])));
      next = end;
    }
  }
  emphasis(text, 0);
  const children = assemble(text);
  marks.release();
  return children;
}

/** Whether inline() has anything to do in `text`: a mark, or a bare URL maybe. */
function hasMarks(text) {
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < 128 && STOPS[code] && ((code !== 104 && code !== 72) || schemeEnd(text, at) >= 0)) return true;
  }
  return false;
}

/** Whether a backslash before text[at] escapes it: ASCII punctuation, as in CommonMark. */
function escapable(text, at) {
  const code = text.charCodeAt(at);
  return code < 128 && KINDS[code] === 2;
}

/** The end of `http://` or `https://` (in any case) at `at`, or -1. */
function schemeEnd(text, at) {
  if ((text.charCodeAt(at + 1) | 32) !== 116 || (text.charCodeAt(at + 2) | 32) !== 116 || (text.charCodeAt(at + 3) | 32) !== 112) return -1; // "ttp"
  let i = at + 4;
  if ((text.charCodeAt(i) | 32) === 115) i++; // "s"
  return text.startsWith("://", i) ? i + 3 : -1;
}

// CommonMark's "process emphasis" for the runs after `bottom`: each closing run takes the nearest
// opening run that fits, and what is left stays text. `floors` remembers, per kind of closer,
// below which no opener fits, so that no run is passed twice. Closers past the MAX_EMPHASISth
// element stay text.
function emphasis(text, bottom) {
  const { start, end, flags, prev, next, count } = marks;
  let floors = null;
  for (let closer = next[bottom]; closer !== NONE && marks.pairs < MAX_EMPHASIS; ) {
    if (!(flags[closer] & CLOSES)) {
      closer = next[closer];
      continue;
    }
    const char = text[start[closer]];
    const kind = "*_~".indexOf(char) * 6 + (flags[closer] & OPENS ? 3 : 0) + ((end[closer] - start[closer]) % 3);
    const floor = Math.max(start[bottom], floors?.[kind] ?? -1);
    let opener = prev[closer];
    while (start[opener] > floor && !(text[start[opener]] === char && flags[opener] & OPENS && fits(opener, closer))) opener = prev[opener];
    if (start[opener] > floor) {
      marks.pair(opener, closer, char === "~" || (count[opener] > 1 && count[closer] > 1) ? 2 : 1);
      next[opener] = closer; // the runs in between can no longer pair up
      prev[closer] = opener;
      if (!count[opener]) marks.unlink(opener);
      if (!count[closer]) {
        marks.unlink(closer);
        closer = next[closer];
      }
    } else {
      (floors ??= [])[kind] = start[prev[closer]];
      if (!(flags[closer] & OPENS)) marks.unlink(closer);
      closer = next[closer];
    }
  }
  next[bottom] = NONE;
}

/**
 * The nodes inline() makes of its tokens: the open elements, innermost last, and the text for the
 * innermost one: the strings in `pending` (if any), then text[from, to), which grows while the
 * parts shown follow each other in `text` (a megabyte of unused marks becomes one slice). One
 * serves every call.
 */
class Assembly {
  start(text) {
    this.text = text;
    this.root = { children: [] };
    this.elements = [this.root];
    this.afters = [null]; // for an element too deep to make, the text it shows at its end instead
    this.links = 0;
    this.pending = null;
    this.from = this.to = 0;
  }

  /** Shows text[start, end). */
  show(start, end) {
    if (start === end) return;
    if (start !== this.to) {
      if (this.to > this.from) (this.pending ??= []).push(this.text.slice(this.from, this.to));
      this.from = start;
    }
    this.to = end;
  }

  /** Shows `string`. */
  say(string) {
    (this.pending ??= []).push(this.text.slice(this.from, this.to), string);
    this.from = this.to = 0;
  }

  /** Adds the text shown so far, then `child` if any, to the innermost element. */
  add(child) {
    let shown = this.text.slice(this.from, this.to);
    if (this.pending) {
      this.pending.push(shown);
      shown = this.pending.join("");
      this.pending = null;
    }
    this.from = this.to = 0;
    const children = this.elements[this.elements.length - 1].children;
    if (shown) children.push(shown);
    if (child) children.push(child);
  }

  /** Opens an element, or if too deep shows `before` now and `after` at its end. */
  open(tag, attrs, before, after) {
    if (this.elements.length > MAX_INLINE_DEPTH) {
      this.say(before);
      this.elements.push(this.elements[this.elements.length - 1]);
      this.afters.push(after);
      return;
    }
    const element = node(tag, [], attrs);
    this.add(element);
    this.elements.push(element);
    this.afters.push(null);
    if (tag === "a") this.links++;
  }

  /** The nodes made, the elements left open closed; nothing is kept. */
  finish() {
    this.add(null);
    const children = this.root.children;
    this.root = this.text = this.elements = this.afters = null;
    return children;
  }

  close() {
    const after = this.afters.pop();
    if (after !== null) {
      this.elements.pop();
      this.say(after);
      return;
    }
    this.add(null);
    const element = this.elements.pop();
    if (element.tag === "a") {
      this.links--;
      element.children = honestText(element.children, element.attrs.href);
    }
  }
}

const assembly = new Assembly();

/** Tokens → nodes: paired runs and brackets become elements, everything else text. */
function assemble(text) {
  const out = assembly;
  out.start(text);
  let at = 0;
  for (let index = 0; index < marks.length; index++) {
    const value = marks.tokens[index] >>> 2;
    const kind = marks.tokens[index] & 3;
    if (kind === ESCAPE) {
      out.show(at, value); // the character without its backslash
      out.show(value + 1, (at = value + 2));
      continue;
    }
    if (kind === BREAK) {
      out.show(at, value);
      out.add(node("br"));
      at = value + 1;
      continue;
    }
    if (kind === RUN) {
      const start = marks.start[value];
      out.show(at, start);
      at = marks.end[value];
      for (let k = marks.closes[value]; k > 0; k--) out.close();
      out.show(start + marks.closed[value], start + marks.closed[value] + marks.count[value]);
      const char = text[start];
      for (let pair = marks.opens[value]; pair !== NONE; pair = marks.inner[pair]) {
        const use = marks.use[pair];
        const shown = use === 1 ? char : char === "*" ? "**" : char === "_" ? "__" : "~~";
        out.open(char === "~" ? "del" : use === 2 ? "strong" : "em", undefined, shown, shown);
      }
      continue;
    }
    const token = marks.objects[value];
    out.show(at, token.start); // the plain text before it
    at = token.end;
    if (token instanceof Link) {
      out.open("a", linkAttributes(token.href), "[", token.tail);
    } else if (token.node instanceof Link) {
      out.close(); // a link's `](url)`
    } else if (out.links && token.node.tag === "a") {
      out.say(token.node.attrs.href); // no link inside a link
    } else {
      out.add(token.node);
    }
  }
  out.show(at, text.length);
  return out.finish();
}

function runEnd(text, at) {
  let end = at;
  while (text[end] === text[at]) end++;
  return end;
}

/** Whether the run text[start, end) of `*`, `_` or `~` can open or close emphasis (CommonMark's flanking rules): OPENS | CLOSES, or 0. */
function delimiterRun(text, start, end) {
  const char = text[start];
  if (char === "~" && end - start !== 2) return 0;
  const before = kindAt(text, start - 1);
  const after = kindAt(text, end);
  const left = after !== 1 && (after !== 2 || before !== 0);
  const right = before !== 1 && (before !== 2 || after !== 0);
  // `_` inside a word (snake_case) neither opens nor closes.
  const canOpen = char === "_" ? left && (!right || before === 2) : left;
  const canClose = char === "_" ? right && (!left || after === 2) : right;
  return (canOpen ? OPENS : 0) | (canClose ? CLOSES : 0);
}

/** The character at `at` for the flanking rules: 1 white space (or no character), 2 punctuation or symbol, 0 anything else. */
function kindAt(text, at) {
  const code = text.charCodeAt(at);
  if (code < 128) return KINDS[code];
  if (code !== code) return 1; // NaN: before the start or after the end
  const char = text[at];
  return SPACE.test(char) ? 1 : PUNCTUATION.test(char) ? 2 : 0;
}

// CommonMark's rule of 3: a run that can both open and close pairs only with runs that keep
// the count of marks balanced, so `*a**b**c*` is em(a strong(b) c).
function fits(opener, closer) {
  const a = marks.end[opener] - marks.start[opener];
  const b = marks.end[closer] - marks.start[closer];
  return !((marks.flags[opener] & CLOSES || marks.flags[closer] & OPENS) && (a + b) % 3 === 0 && (a % 3 || b % 3));
}

/** Every run of backticks, by length: a code span ends at the next run exactly as long. */
function backtickRuns(text) {
  const runs = new Map();
  for (let at = text.indexOf("`"); at >= 0; ) {
    const end = runEnd(text, at);
    if (!runs.has(end - at)) runs.set(end - at, { starts: [], next: 0 });
    runs.get(end - at).starts.push(at);
    at = text.indexOf("`", end);
  }
  return runs;
}

/** The first run of `length` backticks at or after `from` (calls come with growing `from`), or -1. */
function closingRun(runs, length, from) {
  const run = runs.get(length);
  if (!run) return -1;
  while (run.next < run.starts.length && run.starts[run.next] < from) run.next++;
  return run.next < run.starts.length ? run.starts[run.next] : -1;
}

function codeText(code) {
  code = code.replaceAll("\n", " ");
  return code[0] === " " && code.at(-1) === " " && code.trim() ? code.slice(1, -1) : code;
}

/**
 * The `(url "title")` right after a `]`: `{href, end}`, or null. The address may hold balanced
 * parentheses (wiki/Foo_(bar)) but no brackets: each of these scans starts after a `]`, so none
 * covers text another one did.
 */
function linkTail(text, from) {
  if (text[from] !== "(") return null;
  let i = skipSpace(text, from + 1);
  const start = i;
  for (let depth = 0; ; i++) {
    const char = text[i] ?? " ";
    if (char === "\\" && escapable(text, i + 1)) {
      i++;
    } else if (char === "(") {
      if (++depth > 32) return null;
    } else if (char === ")") {
      if (!depth) break;
      depth--;
    } else if (char <= " " || char === "[" || char === "]") {
      if (depth) return null;
      break;
    }
  }
  const address = text.slice(start, i);
  const href = address.includes("\\") ? address.replace(/\\([!-/:-@[-`{-~])/g, "$1") : address;
  if (!isWebURL(href)) return null;
  const gap = i;
  i = skipSpace(text, i);
  const quote = text[i];
  if (i > gap && (quote === '"' || quote === "'")) {
    for (i++; text[i] !== quote; i++) {
      if (text[i] === "\\") i++;
      if (i >= text.length || text[i] === "\n") return null;
    }
    i = skipSpace(text, i + 1);
  }
  return text[i] === ")" ? { href, end: i + 1 } : null;
}

function skipSpace(text, i) {
  while (text[i] === " " || text[i] === "\t" || text[i] === "\n") i++;
  return i;
}

/** Where a bare http(s) URL starting at `at` ends (`at` if there is none): at a space or `<>[]`. */
function bareURLEnd(text, at) {
  if (/[\p{L}\p{N}]/u.test(text[at - 1] ?? "")) return at; // xhttps:// is inside a word
  BARE_URL.lastIndex = at;
  BARE_URL.exec(text);
  const end = urlEnd(text, at, BARE_URL.lastIndex);
  return isWebURL(text.slice(at, end)) ? end : at;
}

/**
 * `end` moved back over what belongs to the sentence around a URL rather than to the URL: final
 * punctuation, and a `)` whose `(` is not in the URL. "(see https://en.wikipedia.org/wiki/Foo_(bar))."
 * is about …/Foo_(bar).
 */
function urlEnd(text, start, end) {
  let open = 0;
  let close = 0;
  for (let i = start; i < end; i++) {
    if (text[i] === "(") open++;
    else if (text[i] === ")") close++;
  }
  for (;;) {
    const char = text[end - 1];
    if (end > start && ".,;:!?'\"*_~".includes(char)) end--;
    else if (char === ")" && close > open) (end--, close--);
    else return end;
  }
}

/**
 * Link text must not name another address than the one the link opens: [https://bank.example]
 * (https://evil.example) shows one and goes to the other. Text with a word that reads as a web
 * address (a scheme, www., or a domain) not leading to the link's address, and empty text (a link
 * nobody could see), is replaced by the address itself.
 */
function honestText(children, href) {
  const shown = plainText(children);
  const misleads = shown.split(/\s+/).some((word) => {
    let start = 0;
    while ("([{<\"'*_~".includes(word[start] ?? ".")) start++;
    const address = word.slice(start, urlEnd(word, start, word.length));
    return looksLikeAddress(address) && !leadsTo(address, href);
  });
  return shown.trim() && !misleads ? children : [href];
}

function plainText(nodes) {
  return nodes.map((node) => (typeof node === "string" ? node : node.tag === "br" ? "\n" : plainText(node.children))).join("");
}

// A domain's last label can be a file name's extension too: main.py and Node.js are not addresses.
const FILE_NAME = /\.(?:[cm]?js|jsx|tsx?|py|md|sh|rs|rb|pl|go|c|h|cc|cpp|hpp|cs|java|kt|swift|php|lua|json|ya?ml|toml|ini|cfg|conf|txt|log|csv|html?|css|xml|sql|lock|png|jpe?g|gif|svg|pdf|zip|gz|tar)$/i;

/** https://…, www.…, or a host name ending in a top-level domain (example.com/a). */
function looksLikeAddress(word) {
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(word) || /^www\./i.test(word)) return true;
  const host = word.split(/[/?#:]/, 1)[0];
  return /\.[a-z]{2,}$/i.test(host) && !FILE_NAME.test(host);
}

/** Whether the address `shown` is `href`, or the start of it up to a `/`, `?` or `#`. */
function leadsTo(shown, href) {
  const a = bareAddress(shown);
  const b = bareAddress(href);
  return b === a || (b.startsWith(a) && "/?#".includes(b[a.length]));
}

/** Lowercase, without scheme, "www." and trailing slashes. */
function bareAddress(url) {
  const bare = url.toLowerCase().replace(/^[a-z][a-z\d+.-]*:\/\//, "").replace(/^www\./, "");
  let end = bare.length;
  while (bare[end - 1] === "/") end--;
  return bare.slice(0, end);
}

export function isWebURL(url) {
  return /^https?:\/\/[^\s]+$/i.test(url);
}

function linkAttributes(href) {
  return { href, rel: "noopener noreferrer", target: "_blank" };
}

function link(href, children) {
  return node("a", children, linkAttributes(href));
}

function node(tag, children = [], attrs = undefined) {
  return attrs ? { tag, attrs, children } : { tag, children };
}

/** A tree node → a DOM node of `doc`, built with createElement and createTextNode only. */
export function build(tree, doc = document) {
  if (typeof tree === "string") return doc.createTextNode(tree);
  const element = doc.createElement(tree.tag);
  for (const name in tree.attrs) element.setAttribute(name, tree.attrs[name]);
  for (const child of tree.children) element.appendChild(build(child, doc));
  return element;
}

/** Markdown text → a DocumentFragment. */
export function renderMarkdown(text, doc = document) {
  const fragment = doc.createDocumentFragment();
  // Each block is built as soon as it is read: its tree is garbage before the next one is made.
  blocks(splitLines(String(text)), 0, null, { push: (block) => fragment.appendChild(build(block, doc)) });
  return fragment;
}

/**
 * A reply drawn into `container` while it streams. The blocks that more text can no longer change
 * keep their DOM nodes; only the rest (in practice the last block) is parsed and built again, so
 * drawing costs time in proportion to the reply's last block, not to the whole reply. The
 * container always holds exactly what renderMarkdown() makes of the text so far.
 *   append(more): draws `more` after the text so far: what a stream of deltas should use.
 *   update(text): draws `text`, the whole text so far; if it does not begin with the text drawn
 *   before, everything is drawn afresh. Comparing the two reads the whole text (and a string
 *   built by += is copied whole to be read), so once per frame over a long reply this adds up.
 */
export function createMarkdownStream(container, doc = document) {
  let text = ""; // the text drawn
  let rest = ""; // its end after the blocks drawn for good, in `kept`
  let kept = [];
  let open = []; // drawn from `rest`, drawn again each time
  const draw = () => {
    for (const node of open) container.removeChild(node);
    open = [];
    const lines = splitLines(rest);
    const starts = [];
    const nodes = [];
    blocks(lines, 0, starts, { push: (block) => nodes.push(build(block, doc)) });
    // Block k is final once the line after block k + 1's first line is complete, since no
    // block looks further to find its end (see blocks()). The last line may still grow.
    let final = 0;
    while (final + 1 < nodes.length && starts[final + 1] + 1 < lines.length - 1) final++;
    nodes.forEach((node, k) => {
      container.appendChild(node);
      (k < final ? kept : open).push(node);
    });
    if (final) rest = rest.slice(offsetOfLine(rest, starts[final]));
  };
  return {
    append(more) {
      text += more;
      rest += more;
      draw();
    },
    update(whole) {
      whole = String(whole);
      if (whole.slice(0, text.length) === text) {
        rest += whole.slice(text.length);
        text = whole; // not text + the rest: the next comparison reads this string, made flat by slice(), without copying it again
        draw();
        return;
      }
      for (const node of kept) container.removeChild(node);
      kept = [];
      text = rest = whole;
      draw();
    },
  };
}

/** Where line `index` of `text` starts (lines end at \n, \r\n or \r). */
function offsetOfLine(text, index) {
  let at = 0;
  for (let k = 0; k < index; k++) {
    while (at < text.length && text.charCodeAt(at) !== 10 && text.charCodeAt(at) !== 13) at++;
    at += text.charCodeAt(at) === 13 && text.charCodeAt(at + 1) === 10 ? 2 : 1;
  }
  return at;
}
