// The raw floors: what bare workers cost with no pool around them. A message
// carries one item or a batch of items; each worker has `window` messages in
// flight (1: ping-pong; more: pipelined). No protocol, no ids, no errors.
import { type RawWorker, spawnRawWorker } from "./_runtime.ts";

const WORKER_URL = new URL("./_floor_worker.ts", import.meta.url);

class Lane {
  readonly worker: RawWorker;
  readonly #pending: Array<(value: unknown) => void> = [];
  #head = 0;
  /** While set, replies go here instead of to per-message promises. */
  sink: ((message: unknown) => void) | undefined;

  constructor(worker: RawWorker) {
    this.worker = worker;
    worker.onMessage((message) => {
      if (this.sink) return this.sink(message);
      const resolve = this.#pending[this.#head];
      this.#pending[this.#head++] = undefined as never;
      if (this.#head === this.#pending.length) {
        this.#pending.length = 0;
        this.#head = 0;
      }
      resolve(message);
    });
  }

  send(message: unknown): Promise<unknown> {
    return new Promise((resolve) => {
      this.#pending.push(resolve);
      this.worker.post(message);
    });
  }
}

/** A set of bare workers squaring numbers, the floor every pool is measured against. */
export class RawFloor {
  #lanes: Lane[] = [];

  /** Start `count` workers and wait until each has answered once. */
  async start(count: number): Promise<void> {
    const workers = await Promise.all(
      Array.from({ length: count }, () => spawnRawWorker(WORKER_URL)),
    );
    this.#lanes = workers.map((w) => new Lane(w));
    await Promise.all(this.#lanes.map((lane) => lane.send(0)));
  }

  /**
   * Square `items`, `batch` per message, `window` messages in flight per
   * worker; results in input order.
   */
  map(items: readonly number[], batch = 1, window = 1): Promise<number[]> {
    const results = new Array<number>(items.length);
    let next = 0;
    const loop = async (lane: Lane): Promise<void> => {
      while (next < items.length) {
        const start = next;
        next = Math.min(items.length, start + batch);
        if (batch === 1) {
          results[start] = (await lane.send(items[start])) as number;
        } else {
          const out = (await lane.send(items.slice(start, next))) as number[];
          for (let i = 0; i < out.length; i++) results[start + i] = out[i];
        }
      }
    };
    const loops: Promise<void>[] = [];
    for (let k = 0; k < window; k++) {
      for (const lane of this.#lanes) loops.push(loop(lane));
    }
    return Promise.all(loops).then(() => results);
  }

  /**
   * Post every message at once, then assemble the replies: `messages[k]` goes
   * to worker `k % workers`, which answers in order. A message is one item
   * (its reply is written at `offsets[k]`) or a pre-built chunk (an array; its
   * replies are copied from `offsets[k]` on). No promise per message: the
   * floor of `map` with every task or chunk submitted up front.
   */
  postAll(
    messages: readonly unknown[],
    offsets: readonly number[],
    total: number,
  ): Promise<number[]> {
    const results = new Array<number>(total);
    const lanes = this.#lanes;
    return new Promise((resolve) => {
      let left = messages.length;
      lanes.forEach((lane, w) => {
        let k = w;
        lane.sink = (reply): void => {
          const at = offsets[k];
          if (typeof reply === "number") results[at] = reply;
          else {
            const out = reply as number[];
            for (let i = 0; i < out.length; i++) results[at + i] = out[i];
          }
          k += lanes.length;
          if (--left === 0) {
            for (const l of lanes) l.sink = undefined;
            resolve(results);
          }
        };
      });
      for (let k = 0; k < messages.length; k++) {
        lanes[k % lanes.length].worker.post(messages[k]);
      }
    });
  }

  /** Square `items` on the first worker only, one message at a time: the floor of awaiting `apply` in a loop. */
  async pingPong(items: readonly number[]): Promise<number[]> {
    const lane = this.#lanes[0];
    const results = new Array<number>(items.length);
    for (let i = 0; i < items.length; i++) {
      results[i] = (await lane.send(items[i])) as number;
    }
    return results;
  }

  /** fib(n) of every item, one per message, one in flight per worker: the CPU floor. */
  fibEach(items: readonly number[]): Promise<number[]> {
    const results = new Array<number>(items.length);
    let next = 0;
    const loop = async (lane: Lane): Promise<void> => {
      while (next < items.length) {
        const i = next++;
        results[i] = (await lane.send({ fib: items[i] })) as number;
      }
    };
    return Promise.all(this.#lanes.map(loop)).then(() => results);
  }

  /** Stop every worker. */
  async terminate(): Promise<void> {
    await Promise.all(this.#lanes.map((lane) => lane.worker.terminate()));
    this.#lanes = [];
  }
}

/** Start-up floor: spawn bare workers, get one answer from each, stop them. */
export async function rawStartup(workers: number): Promise<void> {
  const floor = new RawFloor();
  await floor.start(workers);
  await floor.terminate();
}
