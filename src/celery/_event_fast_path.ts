/**
 * The fast path of event validation: plain checks that accept exactly the events the valibot
 * schemas in `events.ts` accept, without building valibot's datasets or copying the event.
 *
 * It answers only "certainly valid". Anything it does not accept, including the rare valid event
 * it does not bother with (a `__proto__`, `prototype` or `constructor` key, which valibot drops
 * from its output), goes to the valibot schemas, which stay the reference and write the rejection
 * message. `tests/unit/celery/event_fast_path_test.ts` checks the two against each other over
 * many random and malformed events.
 */

type Fields = Record<string, unknown>;

/**
 * True when `event` (a non-null, non-array object) passes the depth limit and the task or worker
 * schema, so that the schema's output would equal `event` itself.
 */
export function fastAccepts(event: object, maxDepth: number): boolean {
  const e = event as Fields;
  const type = e.type;
  if (typeof type !== "string" || type.length > 256) return false;
  let task: boolean;
  if (type.startsWith("task-")) task = true;
  else if (type.startsWith("worker-")) task = false;
  else return false;
  if (!isBoundedText(e.hostname, 1024) || !isFinite(e.timestamp)) return false;
  const clock = e.clock;
  if (clock !== undefined && !(Number.isInteger(clock) && (clock as number) >= 0)) return false;
  if (e.utcoffset !== undefined && !isFinite(e.utcoffset)) return false;
  if (e.pid !== undefined && !Number.isInteger(e.pid)) return false;
  if (task ? !taskFieldsOk(e) : !workerFieldsOk(e)) return false;
  return shallowEnough(e, maxDepth);
}

/** Nesting depth of a value (a scalar is 0); counting stops once `limit` is reached. */
export function depthOf(value: unknown, limit: number): number {
  if (typeof value !== "object" || value === null) return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (typeof child === "object" && child !== null) {
      const depth = depthOf(child, limit - 1);
      if (depth > deepest) deepest = depth;
      if (deepest >= limit) break;
    }
  }
  return deepest + 1;
}

function taskFieldsOk(e: Fields): boolean {
  return isBoundedText(e.uuid, 1024) &&
    isNullishText(e.name) &&
    isNullishText(e.args) &&
    isNullishText(e.kwargs) &&
    (e.retries == null || Number.isInteger(e.retries)) &&
    isNullishText(e.eta) &&
    isNullishText(e.expires) &&
    isNullishText(e.root_id) &&
    isNullishText(e.parent_id) &&
    isNullishText(e.result) &&
    (e.runtime == null || isFinite(e.runtime)) &&
    isNullishText(e.exception) &&
    isNullishText(e.traceback) &&
    isNullishText(e.exchange) &&
    isNullishText(e.routing_key);
}

function workerFieldsOk(e: Fields): boolean {
  const freq = e.freq;
  if (freq !== undefined && !(isFinite(freq) && (freq as number) >= 0)) return false;
  if (e.active !== undefined && !Number.isInteger(e.active)) return false;
  if (e.processed !== undefined && !Number.isInteger(e.processed)) return false;
  const loadavg = e.loadavg;
  if (loadavg !== undefined) {
    if (!Array.isArray(loadavg) || loadavg.length > 3) return false;
    for (let i = 0; i < loadavg.length; i++) if (!isFinite(loadavg[i])) return false;
  }
  return isOptionalText(e.sw_ident) && isOptionalText(e.sw_ver) && isOptionalText(e.sw_sys);
}

/**
 * The depth limit of `validateEvent` (`depthOf(event, maxDepth + 1) <= maxDepth`), checked child
 * by child; also refuses the keys valibot leaves out of its output.
 */
function shallowEnough(e: Fields, maxDepth: number): boolean {
  if (!(maxDepth >= 1)) return false;
  for (const key in e) {
    if (key === "__proto__" || key === "prototype" || key === "constructor") return false;
    const value = e[key];
    // The reference refuses when 1 + the deepest child exceeds maxDepth.
    if (typeof value === "object" && value !== null && depthOf(value, maxDepth) + 1 > maxDepth) {
      return false;
    }
  }
  return true;
}

/** `v.pipe(v.number(), v.finite())` */
function isFinite(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value);
}

/** `v.pipe(v.string(), v.minLength(1), v.maxLength(max))` */
function isBoundedText(value: unknown, max: number): boolean {
  return typeof value === "string" && value.length > 0 && value.length <= max;
}

/** `v.nullish(v.string())` */
function isNullishText(value: unknown): boolean {
  return value == null || typeof value === "string";
}

/** `v.optional(v.string())` */
function isOptionalText(value: unknown): boolean {
  return value === undefined || typeof value === "string";
}
