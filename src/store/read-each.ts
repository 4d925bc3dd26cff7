/**
 * Reading a list of documents without `$in`.
 *
 * FerretDB 1.x answers an equality (`{ _id: x }`, `{ memberId: x }`, `{ clubIds: x }`) from
 * PostgreSQL at once, but evaluates `$in` by reading the whole collection: 2 ids among 20,000
 * members took 2.8 s here, one equality 17–23 ms on the same busy machine. So a short list (a
 * club's leaders, a member's chats, the clubs of a page of alerts) is read one equality per key,
 * a few at a time. On MongoDB an indexed `$in` would be one round trip; for lists this short the
 * difference there is a few milliseconds.
 */

/** Reads in flight at once: well under a process's MongoDB pool (MONGODB_POOL_SIZE, default 10). */
const AT_ONCE = 8;

/**
 * `read(key)` for each distinct key, at most AT_ONCE at a time; the documents found, flattened,
 * in the order of the keys.
 */
export async function readEach<K, T>(
  keys: readonly K[],
  read: (key: K) => Promise<T | T[] | null | undefined>,
): Promise<T[]> {
  const distinct = [...new Set(keys)];
  const found: T[] = [];
  for (let from = 0; from < distinct.length; from += AT_ONCE) {
    const batch = await Promise.all(distinct.slice(from, from + AT_ONCE).map(read));
    for (const result of batch) {
      if (Array.isArray(result)) found.push(...result);
      else if (result != null) found.push(result);
    }
  }
  return found;
}

/**
 * Up to this many keys are read one equality each. A longer list (a page of an area's members
 * for the fan-out job) is one `$in`: the index on MongoDB; on FerretDB one scan, which at the
 * collection sizes of this machine's tests and benchmarks costs less than hundreds of round trips.
 */
const ONE_BY_ONE = 16;

/** `readEach(keys, one)` for a short list, else `all(keys)` in one query. */
export function readMany<K, T>(
  keys: readonly K[],
  one: (key: K) => Promise<T | T[] | null | undefined>,
  all: (keys: K[]) => Promise<T[]>,
): Promise<T[]> {
  const distinct = [...new Set(keys)];
  return distinct.length <= ONE_BY_ONE ? readEach(distinct, one) : all(distinct);
}
