// Answers a long-lived service keeps between requests: the body made for a
// query, for as long as the store's version (see Store.dataVersion) is the one
// it was made at. The docker CLI lists images on every `docker images`, and
// Docker answers from memory; stowage's store may change under it from any
// process, which the version tells.

export class AnswerCache {
  private readonly answers = new Map<string, { version: number; body: Buffer }>();

  constructor(
    private readonly version: () => number,
    private readonly max = 16,
  ) {}

  /** The body kept for `key` if the store has not changed since, else make's (kept unless it throws). */
  get(key: string, make: () => Buffer): Buffer {
    // read before making: a commit while the body is made leaves it kept under the older version
    const version = this.version();
    const kept = this.answers.get(key);
    if (kept?.version === version) return kept.body;
    const body = make();
    this.answers.delete(key);
    if (this.answers.size >= this.max) this.answers.delete(this.answers.keys().next().value as string);
    this.answers.set(key, { version, body });
    return body;
  }
}
