// Timings of the Markdown renderer on adversarial and on long replies. Not a test (timings depend
// on the machine); run it by hand, optionally against another copy of the module, only the cases
// whose name contains a filter, and other sizes in KiB (the old renderer took minutes at 1 MiB):
//   node Tests/browser/unit/markdown.bench.mjs [path/to/markdown.js] [filter] [64,1024]
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";

const modulePath = process.argv[2] || new URL("../../../Sources/Parley/Web/Public/markdown.js", import.meta.url).pathname;
const filter = process.argv[3] ?? "";
const sizes = (process.argv[4] || "64,1024").split(",").map((kib) => Number(kib) * 1024);
const markdown = await import(pathToFileURL(modulePath).href);

/** Just enough of a DOM for build(): plain objects, no parsing of anything. */
class FakeElement {
  constructor(tag) {
    this.tag = tag;
    this.attributes = {};
    this.childNodes = [];
  }
  setAttribute(name, value) {
    this.attributes[name] = value;
  }
  appendChild(child) {
    if (!(child instanceof FakeFragment)) this.childNodes.push(child);
    else for (const node of child.childNodes.splice(0)) this.childNodes.push(node);
    return child;
  }
  removeChild(child) {
    this.childNodes.splice(this.childNodes.lastIndexOf(child), 1);
    return child;
  }
  replaceChildren(...children) {
    this.childNodes = [];
    for (const child of children) this.appendChild(child);
  }
}
class FakeFragment extends FakeElement {}
const doc = {
  createElement: (tag) => new FakeElement(tag),
  createTextNode: (text) => ({ text }),
  createDocumentFragment: () => new FakeFragment("#fragment"),
};

/** `unit` repeated (or made by `unit(i)`) until the text is `size` characters long. */
function fill(size, unit) {
  const parts = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const part = typeof unit === "function" ? unit(i) : unit;
    parts.push(part);
    length += part.length;
  }
  return parts.join("").slice(0, size);
}

const reply = [
  "## Setting it up\n\nFirst install the **tools** and check `node --version`; see https://nodejs.org/en/download.\n\n",
  "1. Download the archive\n2. Unpack it:\n   - on Linux: `tar xf`\n   - on Windows: *Extract all*\n3. Run it\n\n",
  "```sh\n./configure --prefix=/usr/local\nmake -j2 && make install\n```\n\n",
  "| Option | Default | Meaning |\n|:--|:-:|--:|\n| `-j` | 1 | parallel jobs |\n| `-k` | off | keep going |\n\n",
  "> Note: a [link](https://en.wikipedia.org/wiki/Make_(software)) and ~~old~~ _new_ text.\n\n",
];

const cases = {
  "*a ": (size) => fill(size, "*a "),
  "[": (size) => fill(size, "["),
  "[a](": (size) => fill(size, "[a]("),
  "a```…": (size) => "a" + "`".repeat(size - 1), // one run, inline (a line of only backticks is a fence)
  "` `` ``` runs": (size) => fill(size, (i) => "`".repeat(1 + (i % 1000)) + "a"),
  "_a ": (size) => fill(size, "_a "),
  "**a ": (size) => fill(size, "**a "),
  "<https://": (size) => fill(size, "<https://"),
  "https://(": (size) => fill(size, "https://("),
  "*_": (size) => fill(size, "*_"),
  "~~a ": (size) => fill(size, "~~a "),
  "\\": (size) => fill(size, "\\"),
  "](": (size) => fill(size, "]("),
  "heading of spaces": (size) => "# a" + " ".repeat(size - 4) + "b",
  "- on one line": (size) => fill(size, "- ") + "x",
  "table of pipes": (size) => "| a |\n|---|\n" + fill(size, "|"),
  "> nesting, one line": (size) => fill(size, ">"),
  "> nesting, growing lines": (size) => fill(size, (i) => ">".repeat(i % 200) + " a\n"),
  "list items": (size) => fill(size, "- a\n"),
  "nested list items": (size) => fill(size, (i) => "  ".repeat(i % 12) + "- a\n"),
  "long table": (size) => "| a | b | c |\n|---|:-:|--:|\n" + fill(size, (i) => `| ${i} | *x* | y |\n`),
  "reply": (size) => fill(size, (i) => reply[i % reply.length]),
};

/** The fastest of 3 to 5 runs (5 if they fit in a second): wall-clock time, and apart from it the
 * least of the process's CPU time, which counts less of the waiting on a busy machine (it includes
 * garbage collector threads). */
function time(run) {
  let best = { wall: Infinity, cpu: Infinity };
  for (let runs = 0, total = 0; runs < 3 || (runs < 5 && total < 1000); runs++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    run();
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    best = { wall: Math.min(best.wall, wall), cpu: Math.min(best.cpu, (used.user + used.system) / 1000) };
    total += wall;
  }
  return best;
}

const format = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`);
const formatTime = ({ wall, cpu }) => `${format(wall)} (cpu ${format(cpu)})`.padEnd(24);

console.log(`module: ${modulePath}`);
console.log("parse + build (renderMarkdown):");
for (const [name, make] of Object.entries(cases)) {
  if (!name.includes(filter)) continue;
  const row = [];
  for (const size of sizes) {
    const text = make(size);
    try {
      row.push(`${size / 1024} KiB ${formatTime(time(() => markdown.renderMarkdown(text, doc)))}`);
    } catch (error) {
      row.push(`${size / 1024} KiB ${error.name.padEnd(24)}`);
    }
  }
  console.log(`  ${name.padEnd(26)} ${row.join(" ")}`);
}

// A reply streaming in 2 KiB deltas, drawn after each: with createMarkdownStream's update(whole
// text so far, gathered as the chat page does) and append(delta) if the module has them,
// otherwise the way the chat page did before (render the whole text again every time).
if ("streaming".includes(filter) || !filter) {
  console.log("streaming, 2 KiB per update:");
  const ways = markdown.createMarkdownStream ? ["update", "append"] : ["renderMarkdown"];
  for (const way of ways) {
    for (const size of sizes) {
      const text = cases.reply(size);
      const container = new FakeElement("div");
      const stream = markdown.createMarkdownStream?.(container, doc);
      let slowest = 0;
      let answer = "";
      const used = process.cpuUsage();
      const started = performance.now();
      for (let end = 2048; end < size + 2048; end += 2048) {
        const one = performance.now();
        const delta = text.slice(end - 2048, end);
        answer += delta;
        if (way === "append") stream.append(delta);
        else if (way === "update") stream.update(answer);
        else container.replaceChildren(markdown.renderMarkdown(answer, doc));
        slowest = Math.max(slowest, performance.now() - one);
      }
      const total = performance.now() - started;
      const cpu = process.cpuUsage(used);
      console.log(`  ${way.padEnd(15)} ${size / 1024} KiB: ${size / 2048} updates, ${format(total)} in all (cpu ${format((cpu.user + cpu.system) / 1000)}), slowest ${format(slowest)}`);
    }
  }
}
