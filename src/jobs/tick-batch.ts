/**
 * Gathers the calls made in the same turn of the event loop into one: a worker sending many
 * messages at once asks Redis for all their markers, or appends all their log writes, in one
 * command instead of one each. Every caller waits for the batch its item went in, and gets its
 * own answer (or the batch's error): nothing is acknowledged before it is done.
 */
export function tickBatch<I, O>(run: (items: I[]) => Promise<O[]>): (item: I) => Promise<O> {
  let pending: { items: I[]; done: Promise<O[]> } | undefined;
  return (item) => {
    if (!pending) {
      const batch = { items: [] as I[], done: Promise.resolve([] as O[]) };
      batch.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        pending = undefined;
        return run(batch.items);
      });
      pending = batch;
    }
    const index = pending.items.push(item) - 1;
    return pending.done.then((results) => results[index]!);
  };
}
