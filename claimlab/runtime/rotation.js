'use strict';
/**
 * Deterministic choice for claimlab's rotating mock routes.
 *
 * A route spec `{"choices": [...], "seed": s}` answers its n-th call (n counts from 0) with
 * `choices[turn(s, n, previous, choices.length)]`, `previous` being the index it answered last.
 * This must agree bit for bit with `claimlab.dogs.pick` and `claimlab.dogs.turn` in Python;
 * tests/test_dogs.py runs both and compares.
 *
 * Algorithm: the first output of mulberry32, seeded with `(seed * 0x9E3779B1 + n) mod 2**32`,
 * scaled to [0, count). Only seed and n mod 2**32 matter.
 *
 * @param {number} seed  a safe integer
 * @param {number} n     a safe integer, the 0-based call number
 * @param {number} count a safe integer >= 1, the number of choices
 * @returns {number} an integer in [0, count)
 */
function pick(seed, n, count) {
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(n)) {
    throw new TypeError(`pick: seed and n must be safe integers, got ${seed} and ${n}`);
  }
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`pick: count must be an integer >= 1, got ${count}`);
  }
  // Math.imul keeps the product exact mod 2**32 where a plain * would lose bits past 2**53;
  // n >>> 0 reduces n first so the sum stays exact too.
  let a = (Math.imul(seed, 0x9e3779b1) + (n >>> 0)) >>> 0;
  a = (a + 0x6d2b79f5) | 0;
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
  const u = (t ^ (t >>> 14)) >>> 0;
  return Math.floor((u / 4294967296) * count);
}

/**
 * The index a rotation answers on its n-th call: `pick(seed, 0, count)` first, then never the
 * previous index again right away, `(previous + 1 + pick(seed, n, count - 1)) % count`. A real
 * random API with thousands of answers practically never repeats itself on the next call, and
 * a "New dog" button that shows the same dog looks broken.
 *
 * @param {number} seed
 * @param {number} n         the 0-based call number
 * @param {?number} previous the index answered on call n - 1 (null on the first call)
 * @param {number} count     the number of choices, >= 1
 * @returns {number} an integer in [0, count)
 */
function turn(seed, n, previous, count) {
  if (previous === null || count === 1) return pick(seed, n, count);
  return (previous + 1 + pick(seed, n, count - 1)) % count;
}

module.exports = { pick, turn };
