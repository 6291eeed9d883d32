/**
 * A search bound to the task store: the meaning of `matchTask` (`src/search/match_task.ts`),
 * evaluated a chunk of 4,096 slots at a time into a byte per slot, the first time a listing walk
 * reaches the chunk. Each term is a tight loop over one column: names, states and workers are
 * interned, so a term on them is decided once per distinct value and a slot costs a table read;
 * free text is found with `indexOf` in the folded chunk text (`search_text.ts`). A slot's answer
 * is then one array read, and a page that fills early evaluates few chunks.
 *
 * `state:`, `name:` and `worker:` terms at the top level also name the recency list to walk.
 */
import type { SearchNode, Term, TextTerm } from "../search/ast.ts";
import { fold } from "../search/fold.ts";
import { kwargsPairs } from "../search/match_task.ts";
import { idHash, prefixKey } from "./id_keys.ts";
import type { Interner } from "./intern.ts";
import { countPairHits, forEachPairHit, pairHash } from "./pair_index.ts";
import { hexLike, type HitMode, markHits } from "./search_text.ts";
import { SlotList, type SlotLists } from "./slot_list.ts";
import { NO_RETRIES } from "./task_columns.ts";
import type { SearchColumn, TaskStore } from "./task_store.ts";
import type { CompiledSearch } from "./types.ts";
import { CHUNK, SHIFT } from "./text_column.ts";

/** A recency list holding every match of the search (and maybe more). */
export interface Narrowing {
  lists: SlotLists;
  key: number;
  size: number;
  /** The list holds exactly the matches (the search is that one term): no slot needs a test. */
  exact: boolean;
}

/** What the planner needs of a search. */
export interface BoundSearch {
  /** True for the slots that match. */
  test: (slot: number) => boolean;
  /** True when no held task can match (a top-level term on a value nobody has). */
  never: boolean;
  /** Lists that hold every match, from top-level `state:`, `name:` and `worker:` terms. */
  narrowings: Narrowing[];
}

/** Fills `out[i]` with 1 or 0 for slot `base + i` of one chunk, i < CHUNK. */
type ChunkEval = (chunk: number, base: number, out: Uint8Array) => void;

/** Binds `search` to `store` for one query; valid while the store does not change. */
export function bindSearch(store: TaskStore, search: CompiledSearch): BoundSearch {
  const binder = new Binder(store);
  const node = search.node;
  const evaluate = binder.compile(node);
  // Flat typed arrays, not an array of chunks filled newest first: that one went sparse (a
  // dictionary), and the lookup cost more than the search.
  const chunkCount = Math.ceil(store.cols.length / CHUNK);
  const result = new Uint8Array(chunkCount * CHUNK);
  const done = new Uint8Array(chunkCount);
  const test = (slot: number) => {
    const index = slot >>> SHIFT;
    if (done[index] === 0) {
      const base = index << SHIFT;
      evaluate(index, base, result.subarray(base, base + CHUNK));
      done[index] = 1;
    }
    return result[slot] === 1;
  };
  const narrowings: Narrowing[] = [];
  let never = false;
  const exact = node.kind !== "and";
  for (const term of node.kind === "and" ? node.children : [node]) {
    const few = binder.few(term);
    if (few !== undefined) {
      if (few.length === 0) never = true;
      const lists = new SlotList(few, store.cols.seq);
      narrowings.push({ lists, key: 0, size: few.length, exact });
      continue;
    }
    const interned = binder.interned(term);
    if (!interned) continue;
    const hits = idsOf(interned.table);
    if (hits.length === 0) never = true;
    if (hits.length === 1) {
      const key = hits[0];
      narrowings.push({ lists: interned.lists, key, size: interned.lists.size(key), exact });
    }
  }
  return { test, never, narrowings };
}

/** Relative cost of a node per slot, to run cheap conjuncts first and skip the rest. */
function cost(node: SearchNode): number {
  switch (node.kind) {
    case "all":
    case "state":
      return 0;
    case "text":
      return node.field === "name" || node.field === "worker" ? 0 : 3;
    case "compare":
      return 1;
    case "parent":
      return 0;
    case "root":
    case "uuid":
      return 1;
    case "pair":
      return 1;
    case "not":
      return cost(node.child);
    default:
      return Math.max(...node.children.map(cost));
  }
}

class Binder {
  readonly #store: TaskStore;

  constructor(store: TaskStore) {
    this.#store = store;
  }

  compile(node: SearchNode): ChunkEval {
    switch (node.kind) {
      case "all":
        return (_chunk, _base, out) => out.fill(1);
      case "and":
      case "or":
        return this.#combine(node.kind, node.children);
      case "not": {
        const child = this.compile(node.child);
        return (chunk, base, out) => {
          child(chunk, base, out);
          for (let i = 0; i < CHUNK; i++) out[i] ^= 1;
        };
      }
      default:
        return this.#term(node);
    }
  }

  /**
   * For a `parent:`, `root:` or `uuid:` term: every held slot it accepts, when they are at most
   * `FEW` (found by running the term over every chunk: integer keys or child links, cheap).
   */
  few(node: SearchNode): number[] | undefined {
    const kind = node.kind;
    if (kind !== "parent" && kind !== "root" && kind !== "uuid" && kind !== "pair") {
      return undefined;
    }
    const store = this.#store;
    // A common pair is known to be common from its hash counts, before any kwargs is parsed.
    if (kind === "pair" && this.#pairCount(node.pair) > FEW) return undefined;
    const evaluate = this.#term(node);
    const out = new Uint8Array(CHUNK);
    const slots: number[] = [];
    const held = store.size;
    for (let chunk = 0, base = 0; base < held; chunk++, base += CHUNK) {
      evaluate(chunk, base, out);
      for (let i = out.indexOf(1); i >= 0 && base + i < held; i = out.indexOf(1, i + 1)) {
        if (slots.push(base + i) > FEW) return undefined;
      }
    }
    return slots;
  }

  /** For a `state:`, `name:` or `worker:` term: which interned ids it accepts, and their lists. */
  interned(node: SearchNode): { table: Uint8Array; lists: SlotLists } | undefined {
    const { index, names, states, hosts } = this.#store;
    if (node.kind === "state") {
      return { table: internedTable(states, (v) => v === node.value), lists: index.byState };
    }
    if (node.kind === "text" && (node.field === "name" || node.field === "worker")) {
      const table = internedTable(
        node.field === "name" ? names : hosts,
        (v) => v.includes(node.value),
      );
      return { table, lists: node.field === "name" ? index.byName : index.byWorker };
    }
    return undefined;
  }

  /** An upper bound on the slots holding `pair`, read from the pair index's hashes. */
  #pairCount(pair: string): number {
    const store = this.#store;
    const hash = pairHash(pair);
    let count = 0;
    for (let chunk = 0; chunk * CHUNK < store.size; chunk++) {
      count += countPairHits(store.pairs.block(chunk), hash);
    }
    return count;
  }

  #combine(kind: "and" | "or", children: SearchNode[]): ChunkEval {
    const evals = [...children].sort((a, b) => cost(a) - cost(b)).map((c) => this.compile(c));
    const scratch = new Uint8Array(CHUNK);
    return (chunk, base, out) => {
      evals[0](chunk, base, out);
      for (let e = 1; e < evals.length; e++) {
        // A conjunction already false everywhere (a disjunction true) needs no more reading.
        if (kind === "and" ? out.indexOf(1) < 0 : out.indexOf(0) < 0) return;
        scratch.fill(0);
        evals[e](chunk, base, scratch);
        if (kind === "and") { for (let i = 0; i < CHUNK; i++) out[i] &= scratch[i]; }
        else for (let i = 0; i < CHUNK; i++) out[i] |= scratch[i];
      }
    };
  }

  #term(term: Term): ChunkEval {
    const store = this.#store;
    switch (term.kind) {
      case "state":
        return this.#interned(this.interned(term)!.table, "state");
      case "text":
        return this.#text(term);
      case "uuid":
        return this.#uuidPrefix(term.value);
      case "root":
        return this.#root(term.id);
      case "parent":
        return this.#parent(term.id);
      case "pair":
        return this.#pair(term.pair);
      case "compare": {
        const { low, high, lowInclusive, highInclusive } = term;
        const field = term.field;
        return (_chunk, base, out) => {
          const column = store.cols[field];
          const end = Math.min(CHUNK, column.length - base);
          for (let i = 0; i < end; i++) {
            const value = column[base + i];
            // NaN (null) fails every comparison, as a missing field must.
            const known = field === "retries" ? value !== NO_RETRIES : true;
            out[i] = known &&
                (lowInclusive ? value >= low : value > low) &&
                (highInclusive ? value <= high : value < high)
              ? 1
              : 0;
          }
        };
      }
    }
  }

  #text(term: TextTerm): ChunkEval {
    const store = this.#store;
    const value = term.value;
    const contains = (v: string) => v.includes(value);
    switch (term.field) {
      case "name":
      case "worker":
        return this.#interned(this.interned(term)!.table, term.field);
      case null: {
        const names = internedTable(store.names, contains);
        const states = internedTable(store.states, contains);
        const hosts = internedTable(store.hosts, contains);
        const free = this.#hits(["uuid", "args", "kwargs", "result"], value, "substring");
        return (chunk, base, out) => {
          free(chunk, base, out);
          const { name, state, worker } = store.cols;
          const end = Math.min(CHUNK, name.length - base);
          for (let i = 0; i < end; i++) {
            const slot = base + i;
            out[i] |= names[name[slot] + 1] | states[state[slot] + 1] | hosts[worker[slot] + 1];
          }
        };
      }
      default:
        return this.#hits([term.field], value, "substring");
    }
  }

  /** Slots whose interned `column` id is accepted by `table` (indexed by id + 1; NONE is -1). */
  #interned(table: Uint8Array, column: "name" | "state" | "worker"): ChunkEval {
    const store = this.#store;
    return (_chunk, base, out) => {
      const ids = store.cols[column];
      const end = Math.min(CHUNK, ids.length - base);
      for (let i = 0; i < end; i++) out[i] = table[ids[base + i] + 1];
    };
  }

  /** Slots where `term` sits in one of `columns` as `mode` says. */
  #hits(columns: SearchColumn[], term: string, mode: HitMode): ChunkEval {
    const text = this.#store.searchText;
    // Most words cannot be in a uuid: the ids' text is neither read nor built when every id of
    // the chunk is canonical.
    const hexTerm = hexLike(term);
    return (chunk, _base, out) => {
      out.fill(0);
      for (const column of columns) {
        if (column === "uuid" && !hexTerm && text.uuid.hexOnly(chunk)) continue;
        markHits(text[column].block(chunk), term, mode, out);
      }
    };
  }

  /** `uuid:prefix`: the ids' integer keys decide, or the folded text in a chunk of odd ids. */
  #uuidPrefix(prefix: string): ChunkEval {
    const store = this.#store;
    const target = prefixKey(prefix);
    const text = this.#hits(["uuid"], prefix, "prefix");
    // Keys hold 8 characters; a longer prefix is confirmed on the few ids that share them.
    const confirm = prefix.length > 8;
    return (chunk, base, out) => {
      const block = store.idKeys.uuid.block(chunk);
      if (block.irregular) return text(chunk, base, out);
      out.fill(0);
      if (target === undefined) return;
      const { keys } = block;
      const { key, shift } = target;
      for (let i = 0; i < CHUNK; i++) if (keys[i] >>> shift === key) out[i] = 1;
      if (!confirm) return;
      const uuids = store.cols.uuid;
      for (let i = out.indexOf(1); i >= 0; i = out.indexOf(1, i + 1)) {
        if (!fold(uuids.get(base + i)).startsWith(prefix)) out[i] = 0;
      }
    };
  }

  /** `root:id`: the task `id` itself and every task whose root id is `id` (hash, then equality). */
  #root(id: string): ChunkEval {
    const store = this.#store;
    const hash = idHash(id);
    const own = store.slotOf(id);
    return (chunk, base, out) => {
      out.fill(0);
      const { keys } = store.idKeys.root_id.block(chunk);
      for (let i = 0; i < CHUNK; i++) if (keys[i] === hash) out[i] = 1;
      const roots = store.cols.root_id;
      for (let i = out.indexOf(1); i >= 0; i = out.indexOf(1, i + 1)) {
        if (roots.get(base + i) !== id) out[i] = 0;
      }
      if (own !== undefined && own >>> SHIFT === chunk) out[own - base] = 1;
    };
  }

  /** `parent:id`: the children the store links to `id`, whether `id` is held or not. */
  #parent(id: string): ChunkEval {
    const store = this.#store;
    const byChunk = new Map<number, number[]>();
    for (const child of store.children.childIds(id, store.slotOf(id))) {
      const slot = store.slotOf(child);
      if (slot === undefined || store.cols.parent_id.get(slot) !== id) continue;
      const list = byChunk.get(slot >>> SHIFT);
      if (list) list.push(slot);
      else byChunk.set(slot >>> SHIFT, [slot]);
    }
    return (chunk, base, out) => {
      out.fill(0);
      for (const slot of byChunk.get(chunk) ?? []) out[slot - base] = 1;
    };
  }

  /**
   * `kwargs:key=value`: the pair index names the slots holding a pair of the same hash, and
   * their parsed pairs decide (one parse per distinct kwargs text of the query).
   */
  #pair(pair: string): ChunkEval {
    const store = this.#store;
    const hash = pairHash(pair);
    const decided = new Map<string, boolean>();
    const holds = (kwargs: string) => {
      let yes = decided.get(kwargs);
      if (yes === undefined) decided.set(kwargs, yes = kwargsPairs(kwargs).has(pair));
      return yes;
    };
    return (chunk, base, out) => {
      out.fill(0);
      const kwargs = store.cols.kwargs;
      forEachPairHit(store.pairs.block(chunk), hash, (slot) => {
        if (out[slot] === 0 && holds(kwargs.get(base + slot)!)) out[slot] = 1;
      });
    };
  }
}

/**
 * Most slots a term may name to be walked as its own list: sorting them in recency order must
 * stay cheaper than walking every task.
 */
const FEW = 4096;

/** One byte per interned id + 1 (so NONE reads index 0): 1 where the folded value is accepted. */
function internedTable(table: Interner, accept: (folded: string) => boolean): Uint8Array {
  const ids = new Uint8Array(table.idLimit + 1);
  for (const id of table.ids()) if (accept(fold(table.value(id)))) ids[id + 1] = 1;
  return ids;
}

/** The ids a table accepts. */
function idsOf(table: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < table.length; i++) if (table[i] === 1) out.push(i - 1);
  return out;
}
