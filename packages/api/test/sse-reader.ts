/** One Server-Sent Events frame as a client sees it; heartbeats are comment frames. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  /** The reconnection delay the server asks for, ms (`retry:`). */
  retry?: string;
}

/** Reads an SSE response frame by frame, the way EventSource parses it. */
export function readSse(response: Response) {
  if (!response.body) throw new Error(`no stream body (status ${response.status})`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const frames: SseFrame[] = [];
  let ended = false;

  const parse = (block: string): SseFrame => {
    const frame: SseFrame = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) frame.comment = line.slice(1).trim();
      const match = /^(id|event|data|retry): ?(.*)$/.exec(line);
      if (match) {
        const key = match[1] as 'id' | 'event' | 'data' | 'retry';
        frame[key] = key === 'data' && frame.data !== undefined ? `${frame.data}\n${match[2]}` : match[2];
      }
    }
    return frame;
  };

  return {
    frames,
    /** Reads until `done(frames)` holds; gives up after `maxChunks` reads so a test can never hang. */
    async until(done: (frames: SseFrame[]) => boolean, maxChunks = 2_000): Promise<SseFrame[]> {
      for (let i = 0; i < maxChunks && !done(frames); i++) {
        const read = await reader.read();
        if (read.done) {
          ended = true;
          break;
        }
        const value = read.value;
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          frames.push(parse(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
      return frames;
    },
    /** True once the server ended the stream. */
    ended: () => ended,
    /** The events (frames with an id) received so far. */
    events: () => frames.filter((f) => f.id !== undefined),
    close: () => reader.cancel().catch(() => undefined),
  };
}
