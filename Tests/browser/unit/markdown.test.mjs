// The Markdown renderer of the chat page: what becomes markup, and that nothing else does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build, createMarkdownStream, inline, parseMarkdown, renderMarkdown } from "../../../Sources/Parley/Web/Public/markdown.js";

/** Every tag in a tree, depth first. */
function tags(nodes) {
  return nodes.flatMap((node) => (typeof node === "string" ? [] : [node.tag, ...tags(node.children)]));
}

/** The text a tree shows. */
function text(nodes) {
  return nodes.map((node) => (typeof node === "string" ? node : node.tag === "br" ? "\n" : text(node.children))).join("");
}

test("paragraphs are split on blank lines; single newlines are line breaks", () => {
  const tree = parseMarkdown("one\ntwo\n\nthree");
  assert.deepEqual(tags(tree), ["p", "br", "p"]);
  assert.equal(text(tree[0].children), "one\ntwo");
  assert.equal(text(tree[1].children), "three");
});

test("emphasis, strong, strike and inline code", () => {
  assert.deepEqual(inline("a *b* **c** _d_ __e__ ~~f~~ `g`"), [
    "a ", { tag: "em", children: ["b"] }, " ", { tag: "strong", children: ["c"] }, " ",
    { tag: "em", children: ["d"] }, " ", { tag: "strong", children: ["e"] }, " ",
    { tag: "del", children: ["f"] }, " ", { tag: "code", children: ["g"] },
  ]);
});

test("markup inside inline code stays literal", () => {
  assert.deepEqual(inline("`**not bold** <b>`"), [{ tag: "code", children: ["**not bold** <b>"] }]);
  assert.deepEqual(inline("``a ` b``"), [{ tag: "code", children: ["a ` b"] }]);
});

test("underscores inside words are not emphasis", () => {
  assert.deepEqual(inline("snake_case_name and my_var"), ["snake_case_name and my_var"]);
});

test("backslash escapes show the character", () => {
  assert.deepEqual(inline("\\*not em\\* \\`x\\`"), ["*not em* `x`"]);
});

test("http and https links get rel=noopener noreferrer and a new tab", () => {
  const [link] = inline("[docs](https://example.com/a_(b))");
  assert.deepEqual(link, {
    tag: "a",
    attrs: { href: "https://example.com/a_(b)", rel: "noopener noreferrer", target: "_blank" },
    children: ["docs"],
  });
  assert.equal(inline("see http://example.org/x.")[1].attrs.href, "http://example.org/x");
  assert.equal(inline("<https://example.net>")[0].attrs.href, "https://example.net");
});

test("links to anything but http(s) stay text", () => {
  for (const source of [
    "[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox)", "[x](/relative)", "[x](//evil.example)", "<javascript:alert(1)>",
  ]) {
    const tree = parseMarkdown(source);
    assert.ok(!tags(tree).includes("a"), source);
    assert.equal(text(tree), source, source);
  }
});

test("HTML is text, never markup", () => {
  const source = "<script>alert(1)</script> <img src=x onerror=alert(2)> <a href=\"javascript:alert(3)\">x</a>";
  const tree = parseMarkdown(source);
  assert.deepEqual(tags(tree), ["p"]);
  assert.equal(text(tree), source);
});

test("fenced code blocks keep their text, language and a Copy button; unclosed ones run to the end", () => {
  const [block, after] = parseMarkdown("```js\nconst a = '<b>';\n\n*x*\n```\nafter");
  assert.equal(block.attrs.class, "code");
  const [head, pre] = block.children;
  assert.deepEqual(head.children[0].children, ["js"]);
  assert.deepEqual(head.children[1], { tag: "button", attrs: { type: "button", class: "copy" }, children: ["Copy"] });
  assert.deepEqual(pre, { tag: "pre", children: [{ tag: "code", children: ["const a = '<b>';\n\n*x*"] }] });
  assert.equal(after.tag, "p");

  const [streaming] = parseMarkdown("~~~\nline one\nline two");
  assert.deepEqual(streaming.children[1].children[0].children, ["line one\nline two"]);
});

test("lists: bullets, numbers with their start, continuation lines", () => {
  const [bullets, numbers] = parseMarkdown("- a\n* b\n  more\n\n+ c\n\n3. x\n4. y");
  assert.equal(bullets.tag, "ul");
  assert.deepEqual(bullets.children.map((item) => text(item.children)), ["a", "b\nmore", "c"]);
  assert.equal(numbers.tag, "ol");
  assert.deepEqual(numbers.attrs, { start: "3" });
  assert.deepEqual(numbers.children.map((item) => text(item.children)), ["x", "y"]);
});

test("headings, quotes and rules", () => {
  assert.deepEqual(tags(parseMarkdown("# Big\n### Small\n> quoted *text*\n\n---")), ["h3", "h5", "blockquote", "p", "em", "hr"]);
});

test("Windows line endings are read as newlines", () => {
  assert.deepEqual(tags(parseMarkdown("a\r\n\r\n- b\r\n")), ["p", "ul", "li"]);
});

test("build() makes elements and text nodes only", () => {
  const calls = [];
  const fakeDocument = {
    createElement: (tag) => {
      calls.push(`element ${tag}`);
      const element = {
        tag, attributes: {}, children: [],
        setAttribute(name, value) { calls.push(`attribute ${name}=${value}`); this.attributes[name] = value; },
        appendChild(child) { this.children.push(child); },
      };
      // Any HTML-parsing sink would be a failure.
      for (const sink of ["innerHTML", "outerHTML"]) {
        Object.defineProperty(element, sink, { set() { throw new Error(`${sink} used`); } });
      }
      element.insertAdjacentHTML = () => { throw new Error("insertAdjacentHTML used"); };
      return element;
    },
    createTextNode: (value) => {
      calls.push(`text ${value}`);
      return { text: value };
    },
  };
  const [paragraph] = parseMarkdown("<b>hi</b> [x](https://e.x)");
  const element = build(paragraph, fakeDocument);
  assert.equal(element.tag, "p");
  assert.deepEqual(calls, [
    "element p", "text <b>hi</b> ", "element a",
    "attribute href=https://e.x", "attribute rel=noopener noreferrer", "attribute target=_blank", "text x",
  ]);
});

test("link addresses keep balanced parentheses; a ) without its ( belongs to the sentence", () => {
  const wiki = "https://en.wikipedia.org/wiki/Foo_(bar)";
  const hrefs = (source) => inline(source).filter((node) => node.tag === "a").map((node) => node.attrs.href);
  assert.deepEqual(hrefs(`see ${wiki} now`), [wiki]);
  assert.deepEqual(inline(`(see ${wiki}).`).map((node) => node.attrs?.href ?? node), ["(see ", wiki, ")."]);
  assert.deepEqual(hrefs(`<${wiki}>`), [wiki]);
  assert.deepEqual(hrefs("[Foo](https://en.wikipedia.org/wiki/Foo_(bar_(baz)))"), ["https://en.wikipedia.org/wiki/Foo_(bar_(baz))"]);
  assert.deepEqual(hrefs(`[Foo](${wiki} "a title")`), [wiki]);
  // A space ends the address: no link to "a_(b) and more", only the URL as it stands.
  assert.deepEqual(inline("[Foo](https://example.com/a_(b) and more)")[0], "[Foo](");
});

test("link text that names another address shows the address the link opens", () => {
  const shown = (source) => {
    const [link, ...rest] = inline(source);
    assert.equal(link.tag, "a", source);
    assert.deepEqual(rest, [], source);
    return text(link.children);
  };
  assert.equal(shown("[https://bank.example](https://evil.example)"), "https://evil.example");
  assert.equal(shown("[bank.example/login](https://evil.example/login)"), "https://evil.example/login");
  assert.equal(shown("[www.bank.example](https://evil.example)"), "https://evil.example");
  assert.equal(shown("[paypal.com](https://paypal.com.evil.example)"), "https://paypal.com.evil.example");
  assert.equal(shown("[sign in at https://bank.example](https://evil.example)"), "https://evil.example");
  assert.equal(shown("[](https://example.com/hidden)"), "https://example.com/hidden");
  // Text that is the address, part of it, or no address at all stays.
  assert.equal(shown("[https://example.com/a](https://example.com/a)"), "https://example.com/a");
  assert.equal(shown("[example.com](https://www.example.com/docs)"), "example.com");
  assert.equal(shown("[the docs (docs.python.org)](https://docs.python.org/3/)"), "the docs (docs.python.org)");
  assert.equal(shown("[main.py](https://github.com/o/r/blob/main/main.py)"), "main.py");
  assert.equal(shown("[Node.js](https://nodejs.org)"), "Node.js");
  assert.equal(shown("[the manual](https://example.com/manual)"), "the manual");
});

test("a URL inside link text is not a second link", () => {
  const tree = inline("[docs at https://example.com](https://example.com/docs)");
  assert.deepEqual(tags(tree), ["a"]);
  assert.equal(text(tree), "docs at https://example.com");
});

test("emphasis pairs up as in CommonMark", () => {
  assert.deepEqual(inline("*a **b** c*"), [{ tag: "em", children: ["a ", { tag: "strong", children: ["b"] }, " c"] }]);
  assert.deepEqual(inline("*a**b**c*"), [{ tag: "em", children: ["a", { tag: "strong", children: ["b"] }, "c"] }]);
  assert.deepEqual(inline("***a***"), [{ tag: "em", children: [{ tag: "strong", children: ["a"] }] }]);
  assert.deepEqual(inline("**a*"), ["*", { tag: "em", children: ["a"] }]);
  assert.deepEqual(inline("2 * 3 * 4 and a*b"), ["2 * 3 * 4 and a*b"]);
  assert.deepEqual(inline("*a `*` b*"), [{ tag: "em", children: ["a ", { tag: "code", children: ["*"] }, " b"] }]);
});

test("unmatched and adversarial markup stays text, and nesting stays shallow", () => {
  for (const source of ["*a ".repeat(500), "[".repeat(500), "[a](".repeat(500), "`".repeat(500), "_".repeat(500), "<https://".repeat(50)]) {
    assert.deepEqual(inline(source), [source], source.slice(0, 9));
  }
  const deep = "**a ".repeat(100) + "b" + " c**".repeat(100);
  const depth = (nodes) => Math.max(0, ...nodes.map((node) => (typeof node === "string" ? 0 : 1 + depth(node.children))));
  const tree = inline(deep);
  assert.equal(depth(tree), 16);
  // The marks too deep to apply are shown as they are.
  assert.equal(text(tree), "a ".repeat(16) + "**a ".repeat(84) + "b" + " c**".repeat(84) + " c".repeat(16));
});

test("a paragraph makes at most 10 000 elements of emphasis; the marks of any more stay text", () => {
  const tree = inline("*a* ".repeat(10_001) + "**b** ~~c~~");
  assert.equal(tags(tree).length, 10_000);
  assert.ok(tags(tree).every((tag) => tag === "em"));
  assert.equal(text(tree), "a ".repeat(10_000) + "*a* **b** ~~c~~");
  // The count is per paragraph (and list item, table cell, heading).
  const paragraphs = parseMarkdown("*a* ".repeat(10_000) + "\n\n**b**\n\n- ~~c~~");
  assert.deepEqual(tags(paragraphs).filter((tag) => tag !== "em"), ["p", "p", "strong", "ul", "li", "del"]);
  assert.equal(tags(paragraphs).length, 10_000 + 6);
});

test("GFM tables: a header row, alignment as a class, body rows, escaped pipes, in a scrolling box", () => {
  const [intro, box, after] = parseMarkdown("Compare:\n| Name | Size | Note |\n|:-----|-----:|:---:|\n| a | **1** | `x \\| y` |\n| b |\n\nafter");
  assert.deepEqual(intro, { tag: "p", children: ["Compare:"] });
  const cell = (tag, align, children) => (align ? { tag, attrs: { class: `align-${align}` }, children } : { tag, children });
  const row = (tag, texts) => ({ tag: "tr", children: texts.map((children, k) => cell(tag, ["left", "right", "center"][k], children)) });
  assert.deepEqual(box, {
    tag: "div", attrs: { class: "table" }, children: [{
      tag: "table", children: [
        { tag: "thead", children: [row("th", [["Name"], ["Size"], ["Note"]])] },
        { tag: "tbody", children: [
          row("td", [["a"], [{ tag: "strong", children: ["1"] }], [{ tag: "code", children: ["x | y"] }]]),
          row("td", [["b"], [], []]),
        ] },
      ],
    }],
  });
  assert.equal(after.tag, "p");

  // Without alignment there is no class; without body rows there is no tbody.
  assert.deepEqual(parseMarkdown("a | b\n--- | ---")[0].children[0].children, [
    { tag: "thead", children: [{ tag: "tr", children: [{ tag: "th", children: ["a"] }, { tag: "th", children: ["b"] }] }] },
  ]);
  // A row's cells past the header's are left out; missing ones are empty.
  const [wide] = parseMarkdown("| a | b |\n|---|---|\n| 1 | 2 | 3 \\| x | 4 |\n|" + "|".repeat(100_000) + "\n| 5");
  assert.deepEqual(wide.children[0].children[1].children.map((row) => row.children.map((cell) => text(cell.children))), [["1", "2"], ["", ""], ["5", ""]]);
  // Pipes without a matching delimiter row are text.
  assert.deepEqual(tags(parseMarkdown("a | b\n| --- |")), ["p", "br"]);
  assert.deepEqual(tags(parseMarkdown("a | b\nc | d")), ["p", "br"]);
});

test("nested lists follow indentation, ordered in unordered and back, and keep their numbers", () => {
  const items = (list) => list.children.map((item) => text(item.children.filter((child) => !["ul", "ol"].includes(child.tag))));
  const [steps] = parseMarkdown("1. First\n2. Second\n   1. sub-step\n   2. another\n3. Third");
  assert.equal(steps.tag, "ol");
  assert.deepEqual(items(steps), ["First", "Second", "Third"]);
  const sub = steps.children[1].children.at(-1);
  assert.equal(sub.tag, "ol");
  assert.deepEqual(items(sub), ["sub-step", "another"]);

  // Models indent by 2, 3 or 4 spaces or a tab; any of these nests.
  for (const indent of ["  ", "   ", "    ", "\t"]) {
    const [list] = parseMarkdown(`- fruit\n${indent}1. apple\n${indent}2. pear\n- vegetables\n${indent}- leek`);
    assert.deepEqual(tags([list]), ["ul", "li", "ol", "li", "li", "li", "ul", "li"], JSON.stringify(indent));
    assert.deepEqual(items(list), ["fruit", "vegetables"]);
  }

  // A nested ordered list keeps its start; three levels deep.
  const [outer] = parseMarkdown("- a\n  3. x\n  4. y\n     - deep\n- b");
  const inner = outer.children[0].children[1];
  assert.deepEqual(inner.attrs, { start: "3" });
  assert.deepEqual(tags([inner.children[1]]), ["li", "ul", "li"]);

  // An item's further paragraphs and code stay in it.
  const [withCode] = parseMarkdown("1. Run:\n\n   ```sh\n   make\n   ```\n2. Done");
  assert.deepEqual(tags([withCode]).slice(0, 4), ["ol", "li", "p", "div"]);
  assert.equal(text(withCode.children[0].children[1].children[1].children), "make");
  assert.equal(withCode.children.length, 2);
  assert.deepEqual(withCode.children[1].children, [{ tag: "p", children: ["Done"] }]);
});

test("tight lists hold text, loose ones (blank lines between items) hold paragraphs", () => {
  assert.deepEqual(tags(parseMarkdown("- a\n- b")), ["ul", "li", "li"]);
  assert.deepEqual(tags(parseMarkdown("- a\n\n- b")), ["ul", "li", "p", "li", "p"]);
});

test("deep nesting is read as text past 8 levels and does not exhaust the stack", () => {
  const depth = (nodes) => Math.max(0, ...nodes.map((node) => (typeof node === "string" ? 0 : 1 + depth(node.children))));
  const quotes = parseMarkdown(">".repeat(100_000) + " a");
  assert.equal(depth(quotes), 9); // 8 blockquotes and a paragraph
  assert.equal(text(quotes), ">".repeat(100_000 - 8) + " a");
  const lists = parseMarkdown("1. ".repeat(100_000) + "a");
  assert.equal(depth(lists), 16); // 8 lists of one item each
  assert.equal(text(lists), "1. ".repeat(100_000 - 8).trim() + " a");
});

/** A DOM of plain objects that counts the elements it makes and fails on any HTML sink. */
function fakeDocument() {
  const doc = { elements: 0 };
  const node = (fields) => {
    const made = {
      childNodes: [],
      ...fields,
      setAttribute(name, value) { this.attributes[name] = value; },
      appendChild(child) {
        for (const node of child.fragment ? child.childNodes.splice(0) : [child]) this.childNodes.push(node);
        return child;
      },
      removeChild(child) {
        const at = this.childNodes.indexOf(child);
        assert.ok(at >= 0, "removeChild of a node that is not a child");
        this.childNodes.splice(at, 1);
        return child;
      },
      insertAdjacentHTML() { throw new Error("insertAdjacentHTML used"); },
    };
    for (const sink of ["innerHTML", "outerHTML"]) {
      Object.defineProperty(made, sink, { set() { throw new Error(`${sink} used`); } });
    }
    return made;
  };
  doc.createElement = (tag) => {
    doc.elements++;
    return node({ tag, attributes: {} });
  };
  doc.createTextNode = (text) => ({ text });
  doc.createDocumentFragment = () => node({ fragment: true });
  return doc;
}

/** A fake DOM node as HTML-like text, to compare two. */
function serialize(node) {
  if ("text" in node) return JSON.stringify(node.text);
  const attributes = Object.entries(node.attributes ?? {}).map(([name, value]) => ` ${name}=${JSON.stringify(value)}`).join("");
  return `<${node.tag ?? "#"}${attributes}>${node.childNodes.map(serialize).join("")}</${node.tag ?? "#"}>`;
}

const STREAMED = [
  "# Plan\n\nSome *intro* text\nover two lines, with a [link](https://en.wikipedia.org/wiki/Foo_(bar)).\n\n",
  "1. First\n2. Second\n   - sub a\n   - sub b\n\n10. Tenth, after a blank line\n\nAfter the list.\n",
  "Compare:\n| A | B |\n|:--|--:|\n| 1 | 2 |\n| 3 | 4 |\n\n",
  "```js\nconst a = 1;\n\nconst b = 2;\n```\n",
  "> quoted\n> > deeper\n\n---\n",
  "- [ ] not a checkbox\r\n- two\r\n\r\n   indented paragraph of two\r\n\r\nA paragraph\n# heading after it\n",
  "Not a table\na | b\n|-|-but not a delimiter row\n\n",
  "1. one\n\n1\n\n10. ten\n\n",
  "~~~\nunclosed fence at the end\n",
].join("");

/** A generator of numbers in [0, 1), the same for the same seed. */
function random(seed) {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

test("a streaming reply split anywhere (update or append) is drawn exactly as renderMarkdown draws the text so far", () => {
  for (let seed = 0; seed <= 40; seed++) {
    const next = seed ? random(seed) : () => 0; // seed 0: one character at a time
    const doc = fakeDocument();
    const container = doc.createElement("div");
    const stream = createMarkdownStream(container, doc);
    for (let end = 0; end < STREAMED.length; ) {
      const start = end;
      end = Math.min(STREAMED.length, end + 1 + Math.floor(next() * (seed % 4 === 0 ? 4 : 40)));
      if (seed % 2) stream.append(STREAMED.slice(start, end));
      else stream.update(STREAMED.slice(0, end));
      const expected = doc.createElement("div");
      expected.appendChild(renderMarkdown(STREAMED.slice(0, end), doc));
      assert.equal(serialize(container), serialize(expected), `seed ${seed}, ${end} characters`);
    }
  }
});

test("a streaming reply keeps the nodes of finished blocks and builds only the last one again", () => {
  const doc = fakeDocument();
  const container = doc.createElement("div");
  const stream = createMarkdownStream(container, doc);
  const paragraphs = Array.from({ length: 200 }, (_, k) => `Paragraph *${k}*.\n\n`).join("");
  stream.update(paragraphs + "- a list");
  const first = container.childNodes[0];
  const before = container.childNodes.slice(0, 199);
  doc.elements = 0;
  stream.update(paragraphs + "- a list\n- that grows");
  assert.equal(container.childNodes.length, 201);
  assert.ok(container.childNodes[0] === first);
  assert.ok(container.childNodes.slice(0, 199).every((node, k) => node === before[k]));
  assert.ok(doc.elements <= 10, `${doc.elements} elements made for one more list item`);
  assert.equal(serialize(container.childNodes[200]), serialize(build(parseMarkdown("- a list\n- that grows")[0], doc)));
});

test("a streaming reply that does not continue the text before is drawn afresh", () => {
  const doc = fakeDocument();
  const container = doc.createElement("div");
  const stream = createMarkdownStream(container, doc);
  stream.update("one\n\ntwo\n\nthree\n\nfour");
  stream.update("1. other\n\n2. text");
  const expected = doc.createElement("div");
  expected.appendChild(renderMarkdown("1. other\n\n2. text", doc));
  assert.equal(serialize(container), serialize(expected));
});
