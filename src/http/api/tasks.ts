/** Read routes over the event state: `/api/tasks`, `/api/task/info/<id>`, `/api/task/types`. */
import * as v from "valibot";
import { notFound, StalkError } from "../../errors.ts";
import { compileSearch, type Search, SearchError } from "../../search/mod.ts";
import type { TaskJson, TaskQuery, TaskSortKey } from "../../state/types.ts";
import type { App, TaskRouteDeps } from "../deps.ts";
import {
  optionalCount,
  optionalFilter,
  optionalInteger,
  optionalMinute,
  parseQuery,
} from "../params.ts";
import { jsonResponse } from "../json.ts";

const SORT_KEYS = ["name", "state", "received", "started"];

const ListTasksParams = v.object({
  limit: optionalCount,
  offset: optionalInteger,
  sort_by: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.check(
        (text) => text === "" || SORT_KEYS.includes(text.replace(/^-/, "")),
        `expected one of ${SORT_KEYS.join(", ")}, optionally prefixed with '-'`,
      ),
    ),
  ),
  workername: optionalFilter,
  taskname: optionalFilter,
  state: optionalFilter,
  received_start: optionalMinute,
  received_end: optionalMinute,
  search: v.optional(v.string()),
});

/** Builds the state query from validated parameters. */
function toQuery(params: v.InferOutput<typeof ListTasksParams>): TaskQuery {
  const sort = params.sort_by || undefined;
  return {
    limit: params.limit,
    offset: Math.max(0, params.offset ?? 0),
    sortBy: sort ? (sort.replace(/^-/, "") as TaskSortKey) : undefined,
    descending: sort?.startsWith("-") ?? false,
    workername: params.workername,
    taskname: params.taskname,
    state: params.state,
    receivedStart: params.received_start,
    receivedEnd: params.received_end,
    search: params.search === undefined ? undefined : searchOf(params.search),
  };
}

/**
 * The compiled `search` parameter, or a 400 as Flower answers it, `{"error": "<what> at position
 * <n>."}`, plus the position as a number.
 */
function searchOf(query: string): Search | undefined {
  const search = compileSearch(query);
  if (search instanceof SearchError) {
    throw new StalkError("bad_request", search.describe(), {
      details: search.position === undefined ? {} : { position: search.position },
    });
  }
  return search.matchesAll ? undefined : search;
}

/**
 * Serialises a page as Flower does: an object keyed by task id in page order. Flower pops
 * `worker` and adds it back last, only when a worker handled the task. Built as text so
 * numeric-looking ids keep their order.
 */
export function tasksToJson(tasks: TaskJson[]): string {
  return `{${tasks.map(taskEntry).join(",")}}`;
}

/** One `"<id>":{...}` member of the listing object. */
function taskEntry(task: TaskJson): string {
  const { worker, ...rest } = task;
  const body = worker === null ? rest : { ...rest, worker };
  return `${JSON.stringify(task.uuid)}:${JSON.stringify(body)}`;
}

/** Text per chunk of a streamed listing: about a hundred tasks. */
const CHUNK_CHARS = 64 * 1024;
/** Longest a streamed listing keeps the event loop to itself. */
const SLICE_MS = 4;

/**
 * The same JSON as `tasksToJson`, as a stream of chunks made only when the client reads on. A
 * listing of a million tasks is hundreds of megabytes of JSON; built whole, it would hold that
 * much memory and stall the event loop (and so ingest) for seconds.
 */
export function streamTasksJson(tasks: Iterator<TaskJson>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let started = false;
  let slice = performance.now();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // A fast reader may pull chunk after chunk without the event loop turning in between;
      // give ingest and other requests their turn every few milliseconds.
      if (performance.now() - slice > SLICE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        slice = performance.now();
      }
      let text = started ? "" : "{";
      let first = !started;
      started = true;
      while (text.length < CHUNK_CHARS) {
        const next = tasks.next();
        if (next.done) {
          controller.enqueue(encoder.encode(`${text}}`));
          controller.close();
          return;
        }
        text += first ? taskEntry(next.value) : `,${taskEntry(next.value)}`;
        first = false;
      }
      controller.enqueue(encoder.encode(text));
    },
    cancel() {
      tasks.return?.();
    },
  }, { highWaterMark: 0 });
}

/** Registers the task read routes. */
export function registerTaskRoutes(app: App, deps: TaskRouteDeps): void {
  app.get("/api/tasks", async (c) => {
    const query = toQuery(parseQuery(c, ListTasksParams));
    const state = deps.state;
    if (query.search) await state.prepareSearch?.(query.search);
    // Without a limit the listing can be every task held: stream it.
    if (query.limit === undefined) {
      return jsonResponse(c, streamTasksJson(state.iterateTasks(query)));
    }
    return jsonResponse(c, tasksToJson(state.tasks(query)));
  });

  app.get("/api/task/types", (c) => jsonResponse(c, { "task-types": deps.state.taskTypes() }));

  app.get("/api/task/info/:id{.*}", (c) => {
    const id = c.req.param("id");
    const task = deps.state.task(id);
    if (!task) throw notFound(`Unknown task '${id}'`);
    return jsonResponse(c, task);
  });
}
