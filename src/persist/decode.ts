/**
 * Reads a state file back into a snapshot, or says precisely why it cannot: empty, of another
 * format (Flower's shelve file, anything else), written by a newer Stalk, cut short, or
 * corrupt. Every byte is checked before use: the footer against its checksum and its valibot
 * schema, each column against its checksum and size, each text chunk against its shape.
 */
import * as v from "valibot";
import { F64_COLUMNS, I32_COLUMNS, TEXT_COLUMNS } from "../state/task_columns.ts";
import type { ImageColumns } from "../state/task_image.ts";
import { CHUNK } from "../state/text_column.ts";
import {
  checksum,
  END_MAGIC,
  Footer,
  FORMAT,
  HEADER_BYTES,
  MAGIC,
  type Section,
  TRAILER_BYTES,
} from "./format.ts";
import type { StateSnapshot } from "./snapshot.ts";

/** Why a file was not restored; each is moved aside under this name. */
export type Unreadable = "empty" | "foreign" | "newer" | "truncated" | "corrupt";

/** A file that cannot be restored, and why. */
export class UnreadableFile extends Error {
  readonly reason: Unreadable;

  constructor(reason: Unreadable, message: string) {
    super(message);
    this.name = "UnreadableFile";
    this.reason = reason;
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Decodes a whole state file. Throws UnreadableFile. */
export function decodeSnapshot(file: Uint8Array): StateSnapshot {
  // Sections are read through typed-array views, which need the file 8-byte aligned.
  const bytes = file.byteOffset % 8 === 0 ? file : file.slice();
  if (bytes.byteLength === 0) throw new UnreadableFile("empty", "the file is empty");
  if (bytes.byteLength < HEADER_BYTES || text(bytes, 0, 8) !== MAGIC) {
    throw new UnreadableFile("foreign", "not a Stalk state file (a Flower shelve file?)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint32(8, true);
  if (format > FORMAT) {
    throw new UnreadableFile(
      "newer",
      `written by a newer Stalk (format ${format}; this one reads up to ${FORMAT})`,
    );
  }
  if (format < 1) throw new UnreadableFile("corrupt", `unknown format ${format}`);
  const end = bytes.byteLength - TRAILER_BYTES;
  if (end < HEADER_BYTES || text(bytes, end + 8, 8) !== END_MAGIC) {
    throw new UnreadableFile("truncated", `the file ends early (${bytes.byteLength} bytes)`);
  }
  const footerBytes = view.getUint32(end, true);
  const footerStart = end - footerBytes;
  if (footerBytes % 8 !== 0 || footerStart < HEADER_BYTES) {
    throw new UnreadableFile("corrupt", "the footer length is invalid");
  }
  const footerRaw = bytes.subarray(footerStart, end);
  if (checksum(footerRaw) !== view.getUint32(end + 4, true)) {
    throw new UnreadableFile("corrupt", "the footer's checksum does not match");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(footerRaw));
  } catch {
    throw new UnreadableFile("corrupt", "the footer is not JSON");
  }
  const result = v.safeParse(Footer, parsed);
  if (!result.success) {
    const issue = result.issues[0];
    throw new UnreadableFile(
      "corrupt",
      `the footer is invalid at ${v.getDotPath(issue) ?? "the top"}: ${issue.message}`,
    );
  }
  const footer = result.output;
  const cols = columns(bytes, footer, footerStart);
  const { tables, ...ring } = footer.tasks;
  const undef = (t: (string | null)[]) => t.map((value) => value ?? undefined);
  return {
    savedAt: footer.savedAt,
    tasks: {
      ...ring,
      cols,
      tables: {
        names: undef(tables.names),
        states: undef(tables.states),
        hosts: undef(tables.hosts),
        routes: undef(tables.routes),
      },
    },
    workers: footer.workers,
    clock: footer.clock,
    metrics: footer.metrics,
    inspector: footer.inspector,
  };
}

/** Views of the column sections, checked; text chunks are parsed on first read. */
function columns(bytes: Uint8Array, footer: Footer, limit: number): ImageColumns {
  const { length } = footer.tasks;
  const byName = new Map(footer.sections.map((section) => [section.name, section]));
  const section = (name: string, kind: Section["kind"]): Section => {
    const found = byName.get(name);
    if (!found || found.kind !== kind) {
      throw new UnreadableFile("corrupt", `the column '${name}' is missing`);
    }
    if (found.offset % 8 !== 0 || found.offset + found.bytes > limit) {
      throw new UnreadableFile("corrupt", `the column '${name}' lies outside the file`);
    }
    return found;
  };
  const numeric = (name: string, kind: "f64" | "i32") => {
    const found = section(name, kind);
    const width = kind === "f64" ? 8 : 4;
    if (found.bytes < length * width) {
      throw new UnreadableFile("corrupt", `the column '${name}' is too short`);
    }
    const raw = bytes.subarray(found.offset, found.offset + found.bytes);
    if (checksum(raw) !== found.sum) {
      throw new UnreadableFile("corrupt", `the column '${name}' does not match its checksum`);
    }
    const at = bytes.byteOffset + found.offset;
    return kind === "f64"
      ? new Float64Array(bytes.buffer, at, length)
      : new Int32Array(bytes.buffer, at, length);
  };
  const out: Record<string, unknown> = {};
  for (const name of F64_COLUMNS) out[name] = numeric(name, "f64");
  for (const name of I32_COLUMNS) out[name] = numeric(name, "i32");
  for (const name of TEXT_COLUMNS) out[name] = textColumn(bytes, section(name, "text"), length);
  return out as ImageColumns;
}

/** A text column whose chunks are checked and parsed when first read. */
function textColumn(bytes: Uint8Array, section: Section, length: number) {
  const sizes = section.chunks ?? [];
  const per = section.chunkSlots ?? CHUNK;
  if (sizes.length !== Math.ceil(length / per)) {
    throw new UnreadableFile("corrupt", `the column '${section.name}' has the wrong chunk count`);
  }
  const starts: number[] = [];
  let at = section.offset;
  for (const [size] of sizes) {
    starts.push(at);
    at += size;
  }
  if (at !== section.offset + section.bytes) {
    throw new UnreadableFile("corrupt", `the column '${section.name}' has inconsistent chunks`);
  }
  const parsed: (string | null)[][] = [];
  const chunk = (index: number): (string | null)[] => {
    const [size, sum] = sizes[index];
    const raw = bytes.subarray(starts[index], starts[index] + size);
    const where = `chunk ${index} of the column '${section.name}'`;
    if (size % 8 !== 0 || checksum(raw) !== sum) {
      throw new UnreadableFile("corrupt", `${where} does not match its checksum`);
    }
    let values: unknown;
    try {
      values = JSON.parse(decoder.decode(raw));
    } catch {
      throw new UnreadableFile("corrupt", `${where} is not JSON`);
    }
    if (!Array.isArray(values) || values.length !== per || !values.every(isText)) {
      throw new UnreadableFile("corrupt", `${where} is not ${per} strings`);
    }
    return parsed[index] = values;
  };
  return {
    get(slot: number): string | null {
      const index = Math.floor(slot / per);
      return (parsed[index] ?? chunk(index))[slot - index * per];
    },
  };
}

function isText(value: unknown): value is string | null {
  return value === null || typeof value === "string";
}

function text(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}
