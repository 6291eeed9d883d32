/** A real Celery client (tests/fixtures/client.py) for sending tasks the way applications do. */

import { spawn } from "node:child_process";
import { join } from "node:path";
import { fixturesDir, python } from "./paths.ts";

/** One task to send by name; `options` go to `send_task` (queue, countdown, eta, task_id…). */
export interface TaskToSend {
  name: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  options?: Record<string, unknown>;
}

/** What client.py reads on stdin. */
export interface ClientInput {
  broker: string;
  backend?: string;
  send: TaskToSend[];
  /** Seconds to wait for each result (needs `backend`). */
  wait?: number;
  /** Celery's `broker_transport_options` for the client (e.g. a Redis `global_keyprefix`). */
  transport_options?: Record<string, unknown>;
  /** Asks workers through Celery's own inspect (e.g. `registered` with task info items). */
  inspect?: { method: string; args?: unknown[]; destination?: string[] };
}

/** One waited-for result. `state` is TIMEOUT when none came in time. */
export interface ClientResult {
  id: string;
  state: string;
  result?: unknown;
  error?: string;
}

/** What client.py prints. */
export interface ClientOutput {
  ids: string[];
  results?: ClientResult[];
  /** The replies by node name, with `inspect`. */
  inspect?: Record<string, unknown>;
}

const CLIENT_TIMEOUT = 60_000;

/** Run client.py with `input` and return its reply; rejects with its stderr on failure. */
export function celeryClient(input: ClientInput): Promise<ClientOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(fixturesDir, "client.py")], {
      cwd: fixturesDir,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["pipe", "pipe", "pipe"],
      timeout: CLIENT_TIMEOUT,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => stdout += chunk);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr += chunk);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code !== 0) {
        reject(new Error(`Cannot send tasks: client.py exited with ${code ?? signal}: ${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ClientOutput);
      } catch {
        reject(new Error(`Cannot read client.py's reply '${stdout}': ${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}
