/** A small seeded PRNG (mulberry32): the same seed gives the same trials, kill points included. */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [min, max]. */
export const between = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));

/** Each trial gets its own stream, so trial 3 of seed 1 is the same whether or not 1 and 2 ran. */
export const trialRng = (seed: number, trial: number): Rng => mulberry32((seed * 1_000_003 + trial * 7919) >>> 0);
