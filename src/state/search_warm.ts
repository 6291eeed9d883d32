/**
 * Builds what a search will read (folded text per chunk, id keys) ahead of the search, a few
 * milliseconds at a time with the event loop turning in between. The first search over a
 * million tasks builds about a hundred megabytes of folded text: done inside the request, that
 * held ingest and every other request for seconds on a loaded machine; done here, they go on,
 * and the search then finds its blocks built (only chunks changed since are rebuilt, in line).
 */
import type { SearchNode } from "../search/ast.ts";
import type { SearchColumn, TaskStore } from "./task_store.ts";
import { hexLike } from "./search_text.ts";
import { CHUNK } from "./text_column.ts";
import type { CompiledSearch } from "./types.ts";

/** Longest the build keeps the event loop before yielding. */
const SLICE_MS = 4;

/** Builds the blocks `search` reads over `store`, yielding every `sliceMs` milliseconds. */
export async function warmSearch(
  store: TaskStore,
  search: CompiledSearch,
  sliceMs = SLICE_MS,
): Promise<void> {
  const texts = new Set<SearchColumn>();
  const keys = new Set<Key>();
  collect(search.node, texts, keys);
  if (texts.has("uuid")) keys.delete("words");
  const builders = [
    ...[...texts].map((column) => (chunk: number) => store.searchText[column].block(chunk)),
    ...[...keys].map((column) => (chunk: number) => {
      if (column === "pairs") return void store.pairs.block(chunk);
      // A word is looked for in the ids of a chunk only when they are not all canonical.
      if (column === "words") {
        if (!store.searchText.uuid.hexOnly(chunk)) store.searchText.uuid.block(chunk);
        return;
      }
      // A chunk of ids that are not canonical uuids is searched by its text.
      if (store.idKeys[column].block(chunk).irregular) store.searchText.uuid.block(chunk);
    }),
  ];
  let slice = performance.now();
  for (const build of builders) {
    // The store may grow while this yields: read its size afresh.
    for (let chunk = 0; chunk < Math.ceil(store.size / CHUNK); chunk++) {
      build(chunk);
      if (performance.now() - slice >= sliceMs) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        slice = performance.now();
      }
    }
  }
}

/**
 * What else a search reads: id keys (`uuid`, `root_id`), the kwargs pair index, or (`words`) the
 * text of the ids only in chunks where some id is not a canonical uuid.
 */
type Key = "uuid" | "root_id" | "pairs" | "words";

/** The text columns and keys the store's evaluation of `node` reads. */
function collect(node: SearchNode, texts: Set<SearchColumn>, keys: Set<Key>) {
  switch (node.kind) {
    case "and":
    case "or":
      for (const child of node.children) collect(child, texts, keys);
      return;
    case "not":
      return collect(node.child, texts, keys);
    case "text":
      if (node.field === null) {
        for (const column of ["args", "kwargs", "result"] as const) texts.add(column);
        // Most words cannot be in a canonical uuid (`search_plan.ts` skips those chunks).
        if (hexLike(node.value)) texts.add("uuid");
        else keys.add("words");
      } else if (node.field !== "name" && node.field !== "worker") texts.add(node.field);
      return;
    case "pair":
      keys.add("pairs");
      return;
    case "uuid":
      keys.add("uuid");
      return;
    case "root":
      keys.add("root_id");
      return;
  }
}
