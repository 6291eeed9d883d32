import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Files keyed by their path below `src/` ("http/app.ts"), mapped to their source text. */
type Sources = Map<string, string>;

/** A directed graph: each node and the nodes it imports. */
type Graph = Map<string, Set<string>>;

const SRC = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src");

/** Reads every `.ts`/`.tsx` file below `root`, keyed by its path relative to `root`. */
function readSources(root: string): Sources {
  const out: Sources = new Map();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(root, path).replaceAll("\\", "/"), readFileSync(path, "utf8"));
  }
  return out;
}

// Static imports and re-exports start a line (deno fmt keeps them there); `import("…")` may
// stand anywhere. `import type` counts: a type is a dependency too.
const STATIC = /^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/gm;
const BARE = /^\s*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

/** The relative imports of each file, resolved to paths below the same root. */
function fileGraph(sources: Sources): Graph {
  const graph: Graph = new Map();
  for (const [file, text] of sources) {
    const targets = new Set<string>();
    for (const re of [STATIC, BARE, DYNAMIC]) {
      for (const [, spec] of text.matchAll(re)) {
        if (!spec.startsWith(".")) continue;
        targets.add(normalize(join(dirname(file), spec)).replaceAll("\\", "/"));
      }
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The layer a file belongs to: its top folder below `src/`, or the file itself at the top. */
function layerOf(file: string): string {
  const slash = file.indexOf("/");
  return slash < 0 ? file : file.slice(0, slash);
}

/** The graph between layers that `files` induces (an arrow inside one layer is dropped). */
function layerGraph(files: Graph): Graph {
  const graph: Graph = new Map();
  for (const [from, targets] of files) {
    const arrows = graph.get(layerOf(from)) ?? new Set<string>();
    for (const to of targets) if (layerOf(to) !== layerOf(from)) arrows.add(layerOf(to));
    graph.set(layerOf(from), arrows);
  }
  return graph;
}

/** The strongly connected components with more than one node, or with a self-arrow (Tarjan). */
function cycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.has(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** Every import that leaves `src/celery/` (the pure protocol layer), as "from -> to". */
function arrowsOutOfCelery(files: Graph): string[] {
  const out: string[] = [];
  for (const [from, targets] of files) {
    if (layerOf(from) !== "celery") continue;
    for (const to of targets) if (layerOf(to) !== "celery") out.push(`${from} -> ${to}`);
  }
  return out;
}

/** Builds sources from a few lines, for checking the checker on graphs that break the rules. */
function fixture(files: Record<string, string>): Sources {
  return new Map(Object.entries(files));
}

test("the checker finds a cycle between files, between layers and out of celery", () => {
  const files = fileGraph(fixture({
    "a/one.ts": 'import { two } from "./two.ts";',
    "a/two.ts": 'export { one } from "./one.ts";',
    "b/x.ts": 'import type { Y } from "../c/y.ts";',
    "c/y.ts": 'const z = await import("../b/z.ts");',
    "b/z.ts": "export const z = 1;",
    "celery/p.ts": 'import {\n  log,\n} from "../log.ts";\nimport "node:fs";\nimport "./q.ts";',
    "celery/q.ts": 'export const path = "../b/z.ts";',
    "log.ts": "// import nothing from './nowhere.ts'\nexport const log = 1;",
  }));
  assert.deepEqual(cycles(files), [["a/one.ts", "a/two.ts"]]);
  assert.deepEqual(cycles(layerGraph(files)), [["b", "c"]]);
  assert.deepEqual(arrowsOutOfCelery(files), ["celery/p.ts -> log.ts"]);
  assert.deepEqual(files.get("celery/p.ts"), new Set(["log.ts", "celery/q.ts"]));
});

test("src has no import cycle between files", () => {
  const files = fileGraph(readSources(SRC));
  assert.ok(files.size > 100, `only ${files.size} files read from ${SRC}`);
  const missing = [...files].flatMap(([from, targets]) =>
    [...targets].filter((to) => !files.has(to)).map((to) => `${from} -> ${to}`)
  );
  assert.deepEqual(missing, [], "every relative import names a file below src/");
  assert.deepEqual(cycles(files), []);
});

test("src has no import cycle between its folders (and top-level files)", () => {
  assert.deepEqual(cycles(layerGraph(fileGraph(readSources(SRC)))), []);
});

test("nothing in src/celery imports from outside it", () => {
  assert.deepEqual(arrowsOutOfCelery(fileGraph(readSources(SRC))), []);
});
