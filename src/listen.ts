/**
 * Where and how the server listens, from `--port`/`--address`, `--unix_socket` and
 * `--certfile`/`--keyfile`/`--ca_certs`: reads the PEM files at start-up, so a missing or
 * unreadable one stops Stalk with a reason instead of failing the first HTTPS handshake.
 */
import { lstatSync, readFileSync, unlinkSync } from "node:fs";
import type { Config } from "./config.ts";
import { ConfigError } from "./config.ts";
import { describeError } from "./log.ts";
import type { ServeOptions } from "./runtime.ts";

function readPem(option: string, path: string): string {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read ${option} '${path}': ${describeError(error)}`);
  }
  if (!text.includes("-----BEGIN ")) {
    throw new ConfigError(`invalid ${option} '${path}': expected a PEM file`);
  }
  return text;
}

/** The serve options for `config`; throws ConfigError on a bad TLS or socket setting. */
export function listenOptions(config: Config): ServeOptions {
  const { certfile, keyfile, caCerts, unixSocket } = config.listen;
  if (Boolean(certfile) !== Boolean(keyfile)) {
    throw new ConfigError("--certfile and --keyfile must be given together to serve HTTPS");
  }
  // Tornado loads ca_certs only to verify client certificates, which Flower never asks for.
  if (caCerts) readPem("--ca_certs", caCerts);
  const tls = certfile && keyfile
    ? { cert: readPem("--certfile", certfile), key: readPem("--keyfile", keyfile) }
    : undefined;
  return { port: config.port, hostname: config.address, tls, unixSocket };
}

/** How the log names the listening address. */
export function listenUrl(options: ServeOptions, port: number): string {
  if (options.unixSocket) return `unix:${options.unixSocket}`;
  return `${options.tls ? "https" : "http"}://${options.hostname || "0.0.0.0"}:${port}`;
}

/** Removes a socket file a previous Stalk left behind; any other file is left for bind to refuse. */
export function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Nothing there: the usual case.
  }
}
