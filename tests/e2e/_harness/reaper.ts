/**
 * Cleanup that survives the test process: a small detached bash reads "undo" commands on a pipe
 * and runs the ones still registered when the pipe closes, which happens however the test
 * process ends (a thrown hook, a timeout, Ctrl-C, SIGKILL). No runtime exit hook is that sure.
 */

import { type ChildProcess, spawn } from "node:child_process";

const SCRIPT = `
declare -A todo
while IFS=$'\\t' read -r id command; do
  case "$id" in
    +*) todo["\${id#+}"]="$command" ;;
    -*) unset "todo[\${id#-}]" ;;
  esac
done
for id in "\${!todo[@]}"; do eval "\${todo[$id]}" >/dev/null 2>&1 || true; done
`;

/** What the reaper must undo, kept here too so a new reaper can take over from a killed one. */
const pending = new Map<string, string>();
let reaper: ChildProcess | undefined;

/**
 * Run the shell `command` if the test process ends before the returned function is called.
 * `id` names the entry (`group:123`, `vhost:stalk-e2e-1a2b`); it must have no tab or newline.
 */
export function undoOnExit(id: string, command: string): () => void {
  pending.set(id, command);
  if (reaper) reaper.stdin?.write(`+${id}\t${command}\n`);
  else startReaper();
  return () => {
    if (pending.delete(id)) reaper?.stdin?.write(`-${id}\n`);
  };
}

/** Start a reaper and hand it everything pending. */
function startReaper(): void {
  const child = spawn("bash", ["-c", SCRIPT], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  reaper = child;
  // Neither the reaper nor its pipe may keep the test process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  child.stdin?.on("error", () => {});
  child.once("error", (error) => {
    process.stderr.write(
      `The e2e reaper did not start, cleanup at exit is off: ${error.message}\n`,
    );
    if (reaper === child) reaper = undefined;
  });
  // A test runner may kill it (bun test does, for a test that times out): start another one and
  // hand it what is still pending.
  child.once("exit", () => {
    if (reaper !== child) return;
    reaper = undefined;
    if (pending.size) startReaper();
  });
  for (const [id, command] of pending) child.stdin?.write(`+${id}\t${command}\n`);
}
