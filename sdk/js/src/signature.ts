// Checking a webhook delivery's signature, as a receiver does (docs/events.md, "Verifying a signature"):
// HMAC-SHA256 over "<X-CSMS-Timestamp>.<raw body>" with the webhook's secret, sent as
// X-CSMS-Signature: v1=<hex> (several comma-separated during a secret's rotation). Web Crypto only,
// so it runs in Node >= 20, Deno, Bun and browsers without a dependency.

export const SIGNATURE_HEADER = "X-CSMS-Signature";
export const TIMESTAMP_HEADER = "X-CSMS-Timestamp";
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface VerifyOptions {
  /** Refuse timestamps further than this from `now` (replays); default 300 s. */
  toleranceSeconds?: number;
  /** Unix seconds (default: the clock). */
  now?: number;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const lowered = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === lowered) return Array.isArray(value) ? value.join(",") : value;
  }
  return undefined;
}

function hexBytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[0-9a-f]{64}$/i.test(text)) return undefined;
  const bytes = new Uint8Array(32);
  for (let index = 0; index < 32; index += 1) bytes[index] = parseInt(text.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

/**
 * Whether a delivery is authentic and fresh. `body` is the raw request body (the bytes or the text
 * exactly as received, before any JSON parsing); `headers` the request's headers (a Headers object,
 * or Node's IncomingHttpHeaders). False for a missing or malformed header, a wrong signature, or a
 * timestamp too far from the clock.
 */
export async function verifySignature(
  secret: string,
  body: string | Uint8Array,
  headers: HeaderSource,
  options: VerifyOptions = {},
): Promise<boolean> {
  const timestamp = header(headers, TIMESTAMP_HEADER);
  const signatures = header(headers, SIGNATURE_HEADER);
  if (timestamp === undefined || signatures === undefined || !/^\d+$/.test(timestamp.trim())) return false;
  const now = options.now ?? Date.now() / 1000;
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const encoder = new TextEncoder();
  const raw = typeof body === "string" ? encoder.encode(body) : body;
  const prefix = encoder.encode(`${timestamp}.`);
  const signed = new Uint8Array(prefix.length + raw.length);
  signed.set(prefix);
  signed.set(raw, prefix.length);
  const key = await globalThis.crypto.subtle.importKey(
    "raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"],
  );
  for (const part of signatures.split(",")) {
    const [scheme, hex] = part.trim().split("=", 2);
    const digest = scheme === "v1" && hex !== undefined ? hexBytes(hex) : undefined;
    // subtle.verify compares in constant time.
    if (digest !== undefined && (await globalThis.crypto.subtle.verify("HMAC", key, digest, signed))) return true;
  }
  return false;
}
