import { test } from "node:test";
import assert from "node:assert/strict";
import { fold } from "../../../src/search/fold.ts";
import { markHits, SearchText } from "../../../src/state/search_text.ts";
import { CHUNK, TextColumn } from "../../../src/state/text_column.ts";

const POOL = ["()", "(1, 2)", "('Café',)", "('STRASSE',)", null, "('user-7',)", ""];

/** A column of one chunk whose slot i holds `value(i)`. */
function column(value: (i: number) => string | null): TextColumn<string | null> {
  const values = new TextColumn<string | null>(CHUNK, null);
  for (let i = 0; i < CHUNK; i++) values.set(i, value(i));
  return values;
}

/** Slots whose folded value holds `term`, by `markHits` and by folding each value. */
function both(values: TextColumn<string | null>, text: SearchText, term: string) {
  const out = new Uint8Array(CHUNK);
  markHits(text.block(0), term, "substring", out);
  const expected = new Uint8Array(CHUNK);
  for (let i = 0; i < CHUNK; i++) expected[i] = fold(values.get(i) ?? "").includes(term) ? 1 : 0;
  return { out, expected };
}

test("a chunk of repeated values holds each once and finds every slot holding a term", () => {
  const values = column((i) => POOL[(i * 3) % POOL.length]);
  const text = new SearchText(values);
  const block = text.block(0);
  assert.equal(block.entries, POOL.length);
  assert.ok(block.entryOf !== undefined);
  assert.ok(text.bytes < 2 * CHUNK + 200, `${text.bytes} bytes: 2 a slot and the pool`);
  for (const term of ["(", "café", "strasse", "ss", "user-7", "1, 2", "nowhere"]) {
    const { out, expected } = both(values, text, term);
    assert.deepEqual(out, expected, term);
  }
});

test("a chunk of distinct values is searched slot by slot, with the same answers", () => {
  const values = column((i) => (i % 3 ? `('user-${i}', ${i * 7})` : `'Straße ${i}'`));
  const text = new SearchText(values);
  const block = text.block(0);
  assert.equal(block.entryOf, undefined);
  assert.equal(block.entries, CHUNK);
  for (const term of ["user-4095", "strasse 3", "user-1", ", 7)", "zz"]) {
    const { out, expected } = both(values, text, term);
    assert.deepEqual(out, expected, term);
  }
});

test("canonical ids are known to be hex without a copy of their text", () => {
  const ids = column(() => crypto.randomUUID());
  const text = new SearchText(ids, true);
  assert.equal(text.hexOnly(0), true);
  assert.equal(text.bytes, 0, "nothing built to know it");
  ids.set(17, "Job-17");
  assert.equal(text.hexOnly(0), false, "a store into the chunk is seen");
  assert.equal(text.block(0).hexOnly, false);
});
