/**
 * Flower's options (`flower/options.py`, and Tornado's logging options) that Stalk recognises
 * but does not run, each with the reason it is refused. An option here that another change
 * implements moves to `OPTIONS` in config.ts, which then wins: this table is read only for
 * names config.ts does not define.
 */

/** Why an option is refused; `allows` lets harmless values through (e.g. the default). */
export interface Refusal {
  reason: string;
  allows?: (text: string) => boolean;
}

const LOG_FILES =
  "Stalk writes its log to standard error only; redirect it, or let the container runtime or systemd keep and rotate it";

/** Flower option name → why Stalk refuses it. */
export const REFUSED: Readonly<Record<string, Refusal>> = {
  format_task: {
    reason:
      "it takes a Python function (set in flowerconfig.py), and Stalk runs no Python; Flower applies it to the HTML pages only, never to the API",
  },
  // Tornado's logging options, which Flower accepts.
  log_to_stderr: {
    reason: "Stalk always logs to standard error; it cannot be turned off",
    allows: (text) => /^\s*(y|yes|t|true|on|1)\s*$/i.test(text),
  },
  log_file_prefix: { reason: LOG_FILES },
  log_file_max_size: { reason: LOG_FILES },
  log_file_num_backups: { reason: LOG_FILES },
  log_rotate_when: { reason: LOG_FILES },
  log_rotate_interval: { reason: LOG_FILES },
  log_rotate_mode: { reason: LOG_FILES },
};

/** Variables Flower reads directly (not as `FLOWER_<option>`), and what Stalk does with them. */
export const OTHER_FLOWER_VARIABLES: Readonly<Record<string, string>> = {};
