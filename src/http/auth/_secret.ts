/** Constant-time comparison of secrets, over SHA-256 digests so that lengths do not leak. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Buffer } from "node:buffer";

/** The SHA-256 digest of `text` (UTF-8). */
export function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * The index of the digest in `digests` equal to `offered`, or -1. Every entry is compared, so
 * the time taken says nothing about which one matched, or whether any did.
 */
export function findDigest(offered: Buffer, digests: readonly Buffer[]): number {
  let found = -1;
  for (let i = 0; i < digests.length; i++) {
    if (timingSafeEqual(offered, digests[i]) && found < 0) found = i;
  }
  return found;
}
