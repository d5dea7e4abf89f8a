// index.html preloads every module the page imports, so the browser fetches them all at once
// instead of discovering them one import level at a time (each level a round trip).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const folder = new URL("../../../Sources/Parley/Web/Public/", import.meta.url);
const read = (name) => readFileSync(new URL(name, folder), "utf8");

function imported(name, seen = new Set()) {
  for (const [, child] of read(name).matchAll(/^\s*(?:import|export)\b[^"']*?["']\.\/([\w-]+\.js)["']/gm)) {
    if (!seen.has(child)) {
      seen.add(child);
      imported(child, seen);
    }
  }
  return seen;
}

test("every module main.js imports, directly or not, has a modulepreload link", () => {
  const html = read("index.html");
  const preloaded = new Set([...html.matchAll(/<link rel="modulepreload" href="\/assets\/\{\{version\}\}\/([\w-]+\.js)">/g)].map((m) => m[1]));
  const missing = [...imported("main.js")].filter((name) => !preloaded.has(name)).sort();
  assert.deepEqual(missing, []);
  assert.match(html, /<script type="module" src="\/assets\/\{\{version\}\}\/main\.js"><\/script>/);
});

test("only modules that exist are preloaded", () => {
  const html = read("index.html");
  for (const [, name] of html.matchAll(/rel="modulepreload" href="\/assets\/\{\{version\}\}\/([^"]+)"/g)) {
    assert.doesNotThrow(() => read(name), name);
  }
});
