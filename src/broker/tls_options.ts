/** Node's TLS options for a broker connection, with the PEM files read once at start-up. */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { TlsSettings } from "../celery/broker_tls.ts";

/** The `tls.connect` options of `settings`; throws an Error naming a file that cannot be read. */
export function nodeTlsOptions(settings: TlsSettings): ConnectionOptions {
  return {
    // Python's CERT_OPTIONAL verifies on the client side too: the server always sends one.
    rejectUnauthorized: settings.certReqs !== "none",
    ca: pem(settings.caFile, "ssl_ca_certs"),
    cert: pem(settings.certFile, "ssl_certfile"),
    key: pem(settings.keyFile, "ssl_keyfile"),
    ...(settings.serverName ? { servername: settings.serverName } : {}),
    ...(settings.ciphers ? { ciphers: settings.ciphers } : {}),
    ...(settings.checkHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

function pem(file: string | undefined, option: string): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`Cannot read ${option} file '${file}': ${reason}`);
  }
}
