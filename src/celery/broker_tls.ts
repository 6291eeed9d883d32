/**
 * TLS for the broker connection, from what Celery users already write: `ssl_*` keys in the URL
 * query (`rediss://h/0?ssl_cert_reqs=required&ssl_ca_certs=/ca.pem`, which kombu's `parse_url`
 * gathers into the connection's `ssl` dict) and Celery's `broker_use_ssl` setting, either in
 * py-amqp's form (`cert_reqs`, `ca_certs`, `certfile`, `keyfile`) or redis-py's (`ssl_cert_reqs`,
 * …). As in kombu, the URL's keys win over `broker_use_ssl`, and an empty `broker_use_ssl` means
 * no TLS unless the scheme asks for it.
 */
import { strtobool } from "./strtobool.ts";

/** Python's `ssl.CERT_*`: whether the server's certificate is verified. */
export type CertReqs = "required" | "optional" | "none";

/** How to open the TLS session. */
export interface TlsSettings {
  certReqs: CertReqs;
  /** PEM file of the CAs to trust instead of the system's. */
  caFile?: string;
  /** PEM files of a client certificate and its key (mutual TLS). */
  certFile?: string;
  keyFile?: string;
  /** Check that the certificate names the host (redis-py's `ssl_check_hostname`). */
  checkHostname: boolean;
  /** SNI and the name checked, when it differs from the host connected to. */
  serverName?: string;
  /** OpenSSL cipher list. */
  ciphers?: string;
}

/** Celery's `broker_use_ssl`: a boolean or the dict of options. */
export type BrokerUseSsl = boolean | Record<string, unknown>;

/** Key (without any `ssl_` prefix) → setting it fills. */
const KEYS = {
  cert_reqs: "certReqs",
  ca_certs: "caFile",
  certfile: "certFile",
  keyfile: "keyFile",
  check_hostname: "checkHostname",
  server_hostname: "serverName",
  ciphers: "ciphers",
} as const;

type Key = keyof typeof KEYS;

/** Python's constants and kombu's `parse_ssl_cert_reqs` names for them. */
const CERT_REQS: Record<string, CertReqs> = {
  cert_required: "required",
  required: "required",
  "2": "required",
  cert_optional: "optional",
  optional: "optional",
  "1": "optional",
  cert_none: "none",
  none: "none",
  "0": "none",
};

/**
 * The TLS settings of a broker connection, or undefined for plain TCP. `schemeTls` is true for
 * `amqps://` and `rediss://`. Throws an Error naming a bad key or value.
 */
export function brokerTls(
  schemeTls: boolean,
  query: URLSearchParams,
  useSsl: BrokerUseSsl | undefined,
): TlsSettings | undefined {
  const given: Partial<Record<Key, unknown>> = {};
  if (typeof useSsl === "object") {
    for (const [key, value] of Object.entries(useSsl)) {
      given[knownKey(key, "broker_use_ssl")] = value;
    }
  }
  let fromQuery = false;
  for (const [key, value] of query) {
    if (!key.startsWith("ssl_")) continue;
    given[knownKey(key, "the broker URL")] = value;
    fromQuery = true;
  }
  const wanted = schemeTls || fromQuery || useSsl === true ||
    (typeof useSsl === "object" && Object.keys(useSsl).length > 0);
  if (!wanted) return undefined;
  return {
    certReqs: certReqs(given.cert_reqs),
    caFile: path(given.ca_certs, "ca_certs"),
    certFile: path(given.certfile, "certfile"),
    keyFile: path(given.keyfile, "keyfile"),
    checkHostname: flag(given.check_hostname, "check_hostname"),
    serverName: path(given.server_hostname, "server_hostname"),
    ciphers: path(given.ciphers, "ciphers"),
  };
}

function knownKey(key: string, where: string): Key {
  const bare = key.replace(/^ssl_/, "");
  if (Object.hasOwn(KEYS, bare)) return bare as Key;
  const names = Object.keys(KEYS).map((name) => `ssl_${name}`).join(", ");
  throw new Error(`Unsupported TLS option '${key}' in ${where}: Stalk reads ${names}`);
}

/** Verifying is the default: an unverified TLS session is opt-in (`ssl_cert_reqs=none`). */
function certReqs(value: unknown): CertReqs {
  if (value === undefined || value === null) return "required";
  const reqs = CERT_REQS[String(value).trim().toLowerCase()];
  if (!reqs) {
    throw new Error(
      `ssl_cert_reqs must be CERT_REQUIRED, CERT_OPTIONAL or CERT_NONE (or 2, 1, 0), got '${value}'`,
    );
  }
  return reqs;
}

function path(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new Error(`TLS option '${key}' must be a string`);
  return value;
}

function flag(value: unknown, key: string): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === "boolean") return value;
  const parsed = strtobool(String(value));
  if (parsed !== undefined) return parsed;
  throw new Error(`TLS option '${key}' must be true or false, got '${value}'`);
}
