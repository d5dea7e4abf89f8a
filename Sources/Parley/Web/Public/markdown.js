// A safe Markdown subset for model replies: paragraphs, headings, emphasis, inline code, fenced
// code blocks, lists, quotes, rules, and links to http(s) only. parseMarkdown() turns text into a
// plain tree; build() turns the tree into DOM nodes with createElement and text nodes. No string
// is ever parsed as HTML, so `<script>` in a reply is just text.

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const ITEM = /^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;

/** Text → an array of block nodes: `{tag, attrs?, children}` objects and strings (text). */
export function parseMarkdown(text) {
  return blocks(String(text).replace(/\r\n?/g, "\n").split("\n"));
}

function blocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let match;
    if (!line.trim()) {
      i++;
    } else if ((match = FENCE.exec(line))) {
      // An unclosed fence (a reply still streaming) runs to the end.
      const [, fence, lang] = match;
      const code = [];
      for (i++; i < lines.length; i++) {
        const close = lines[i].trim();
        if (close.startsWith(fence[0].repeat(fence.length)) && !close.replace(/[`~]/g, "")) break;
        code.push(lines[i]);
      }
      i++;
      out.push(codeBlock(code.join("\n"), lang));
    } else if ((match = HEADING.exec(line))) {
      out.push(node(`h${Math.min(match[1].length + 2, 6)}`, inline(match[2])));
      i++;
    } else if (RULE.test(line)) {
      out.push(node("hr"));
      i++;
    } else if (QUOTE.test(line)) {
      const quoted = [];
      for (; i < lines.length && (match = QUOTE.exec(lines[i])); i++) quoted.push(match[1]);
      out.push(node("blockquote", blocks(quoted)));
    } else if ((match = ITEM.exec(line))) {
      const ordered = /\d/.test(match[1]);
      const items = [];
      let current = null;
      for (; i < lines.length; i++) {
        const itemMatch = ITEM.exec(lines[i]);
        if (itemMatch && /\d/.test(itemMatch[1]) === ordered) {
          current = [itemMatch[2]];
          items.push(current);
        } else if (lines[i].trim() && !itemMatch && /^\s/.test(lines[i])) {
          current.push(lines[i].trim()); // an indented line continues the item
        } else if (!lines[i].trim() && ITEM.exec(lines[i + 1] ?? "")) {
          continue; // a blank line between items keeps the list going
        } else {
          break;
        }
      }
      const start = ordered ? parseInt(match[1], 10) : 1;
      const attrs = ordered && start !== 1 ? { start: String(start) } : undefined;
      out.push(node(ordered ? "ol" : "ul", items.map((item) => node("li", inline(item.join("\n")))), attrs));
    } else {
      const paragraph = [];
      for (; i < lines.length && lines[i].trim() && !startsBlock(lines[i]); i++) paragraph.push(lines[i].trim());
      out.push(node("p", inline(paragraph.join("\n"))));
    }
  }
  return out;
}

function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line);
}

function codeBlock(code, lang) {
  return node("div", [
    node("div", [node("span", lang ? [lang] : []), node("button", ["Copy"], { type: "button", class: "copy" })], { class: "code-head" }),
    node("pre", [node("code", [code])]),
  ], { class: "code" });
}

// One pass over the text: the earliest of these wins at each point; the rest is plain text.
const INLINE = new RegExp([
  /\\([!-/:-@[-`{-~])/.source,                                   // 1: a backslash escape
  /(`+)([^`]|[^`][\s\S]*?[^`])\2(?!`)/.source,                  // 2, 3: `code`
  /\[([^\]\n]+)\]\(\s*((?:[^\s()]|\([^\s()]*\))+)(?:\s+"[^"\n]*")?\s*\)/.source, // 4, 5: [text](url)
  /<(https?:\/\/[^\s<>]+)>/.source,                             // 6: <https://…>
  /(https?:\/\/[^\s<>()[\]]*[^\s<>()[\].,;:!?'"*_~])/.source,    // 7: a bare URL
  /(\*\*|__)(?=\S)([\s\S]*?\S)\8/.source,                       // 8, 9: **strong**
  /(\*|_)(?=\S)([\s\S]*?\S)\10/.source,                         // 10, 11: *emphasis*
  /~~(?=\S)([\s\S]*?\S)~~/.source,                              // 12: ~~strike~~
  /(\n)/.source,                                                // 13: a line break
].join("|"), "g");

/** Inline text → an array of strings and nodes. */
export function inline(text) {
  const out = [];
  let plain = "";
  let last = 0;
  INLINE.lastIndex = 0;
  const flush = () => {
    if (plain) out.push(plain);
    plain = "";
  };
  for (let m; (m = INLINE.exec(text)); ) {
    const before = text.slice(last, m.index);
    let made = null;
    if (m[1] !== undefined) made = m[1];
    else if (m[3] !== undefined) made = node("code", [m[3].replace(/^ (.*) $/s, "$1")]);
    else if (m[5] !== undefined) made = isWebURL(m[5]) ? link(m[5], nested(m[4])) : null;
    else if (m[6] !== undefined) made = link(m[6], [m[6]]);
    else if (m[7] !== undefined) made = link(m[7], [m[7]]);
    else if (m[9] !== undefined) made = node("strong", nested(m[9]));
    else if (m[11] !== undefined) made = intraword(text, m) ? null : node("em", nested(m[11]));
    else if (m[12] !== undefined) made = node("del", nested(m[12]));
    else if (m[13] !== undefined) made = node("br");
    if (made === null) {
      // Not markup after all (a javascript: link, snake_case): keep the first character as
      // text and look again right after it.
      plain += before + text[m.index];
      last = m.index + 1;
      INLINE.lastIndex = last;
      continue;
    }
    plain += before;
    if (typeof made === "string") {
      plain += made;
    } else {
      flush();
      out.push(made);
    }
    last = INLINE.lastIndex;
  }
  plain += text.slice(last);
  flush();
  return out;
}

// Inner text is parsed on its own (the regex's lastIndex belongs to the outer pass).
function nested(text) {
  const saved = INLINE.lastIndex;
  const out = inline(text);
  INLINE.lastIndex = saved;
  return out;
}

/** `_` inside a word (snake_case) is not emphasis. */
function intraword(text, m) {
  if (m[10] !== "_") return false;
  const end = m.index + m[0].length;
  return /\w/.test(text[m.index - 1] ?? "") || /\w/.test(text[end] ?? "");
}

export function isWebURL(url) {
  return /^https?:\/\/[^\s]+$/i.test(url);
}

function link(href, children) {
  return node("a", children, { href, rel: "noopener noreferrer", target: "_blank" });
}

function node(tag, children = [], attrs = undefined) {
  return attrs ? { tag, attrs, children } : { tag, children };
}

/** A tree node → a DOM node of `doc`, built with createElement and createTextNode only. */
export function build(tree, doc = document) {
  if (typeof tree === "string") return doc.createTextNode(tree);
  const element = doc.createElement(tree.tag);
  for (const [name, value] of Object.entries(tree.attrs ?? {})) element.setAttribute(name, value);
  for (const child of tree.children) element.appendChild(build(child, doc));
  return element;
}

/** Markdown text → a DocumentFragment. */
export function renderMarkdown(text, doc = document) {
  const fragment = doc.createDocumentFragment();
  for (const block of parseMarkdown(text)) fragment.appendChild(build(block, doc));
  return fragment;
}
