//! A small deterministic generator for the demo's machines (SplitMix64, Vigna 2015): a host's
//! number is its seed, so the same host is the same machine on every run and at every estate size,
//! without a dependency on a random-number crate's stream staying the same between versions.

/// A deterministic generator (SplitMix64): the same host number gives the same machine.
pub(super) struct Dice(u64);

impl Dice {
    pub(super) fn new(seed: u64) -> Dice {
        Dice(seed ^ 0x5375_6e73_6574_4465)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One of weighted `options` (the first when all weigh nothing).
    pub(super) fn pick<'a, T>(&mut self, options: &'a [(u32, T)]) -> &'a T {
        let total: u64 = options.iter().map(|(w, _)| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for (weight, option) in options {
            if roll < u64::from(*weight) {
                return option;
            }
            roll -= u64::from(*weight);
        }
        &options[0].1
    }

    /// `true` `percent` times in a hundred.
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}
