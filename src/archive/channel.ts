// A bounded async queue of buffers: the outer archive reader pushes a member's
// bytes, a layer unpacker consumes them as an async iterable, and back-pressure
// (or the consumer's failure) flows back to the reader.

export class Channel implements AsyncIterable<Buffer> {
  private queue: Buffer[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wakeConsumer?: () => void;
  private wakeProducer?: () => void;

  /** Resolves once the queue has room again; rejects if the consumer failed. */
  async push(b: Buffer): Promise<void> {
    this.rethrow();
    this.queue.push(b);
    this.wakeConsumer?.();
    while (this.queue.length >= 4 && !this.failure) await new Promise<void>((r) => (this.wakeProducer = r));
    this.rethrow();
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }

  end(): void {
    this.ended = true;
    this.wakeConsumer?.();
  }

  /** The consumer gave up: pushes from now on reject with this error. */
  fail(e: unknown): void {
    this.failure = { error: e };
    this.wakeProducer?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (;;) {
      const b = this.queue.shift();
      if (b !== undefined) {
        if (this.queue.length < 4) this.wakeProducer?.();
        yield b;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => (this.wakeConsumer = r));
      this.wakeConsumer = undefined;
    }
  }
}
