// Server-Sent Events as the WHATWG HTML standard reads them, line by line, without I/O (as the
// Python SDK's sse.py): the client feeds the lines of GET /events/stream and gets whole messages.

export interface ServerSentEvent {
  /** The message's type ("message" when unnamed). */
  event: string;
  data: string;
  /** The last id seen on the stream. */
  id: string | undefined;
  retryMs: number | undefined;
}

export class SseParser {
  private event = "";
  private data: string[] = [];
  private lastId: string | undefined;
  private retryMs: number | undefined;

  /** Feed one line (without its line ending); a message comes back at each blank line. */
  feed(line: string): ServerSentEvent | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return undefined; // a comment: the server's keep-alive
    const colon = line.indexOf(":");
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "event") this.event = value;
    else if (name === "data") this.data.push(value);
    else if (name === "id" && !value.includes("\0")) this.lastId = value;
    else if (name === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const event = this.event || "message";
    const data = this.data;
    this.event = "";
    this.data = [];
    if (data.length === 0) return undefined;
    return { event, data: data.join("\n"), id: this.lastId, retryMs: this.retryMs };
  }
}

/** The lines of a byte stream (LF, CRLF or CR endings), decoded as UTF-8. */
export async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffered += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffered);
        // A lone CR at the end may be the first half of a CRLF: wait for more.
        if (match === null || (match[0] === "\r" && match.index === buffered.length - 1 && !done)) break;
        yield buffered.slice(0, match.index);
        buffered = buffered.slice(match.index + match[0].length);
      }
      if (done) {
        if (buffered !== "") yield buffered;
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
