//! Counting distinct values by their keyed fingerprints, in bounded memory.
//!
//! Up to `EXACT_LIMIT` fingerprints are kept in a set (exact count, and the set itself for
//! `--fingerprints`); past that the set is folded into a HyperLogLog sketch (Flajolet et al.
//! 2007) of 2^12 registers, whose count is within about 2% and whose size does not grow.
//! Fingerprints are already uniform (HMAC output), so no further hashing is needed.

use rustc_hash::FxHashSet;

/// Distinct values counted exactly per set before switching to an estimate.
pub const EXACT_LIMIT: usize = 1 << 20;

const HLL_BITS: u32 = 12;
const HLL_REGISTERS: usize = 1 << HLL_BITS;

#[derive(Debug, Clone)]
pub enum Distinct {
    Exact(FxHashSet<u64>),
    Estimate(Box<[u8; HLL_REGISTERS]>),
}

impl Default for Distinct {
    fn default() -> Self {
        Distinct::Exact(FxHashSet::default())
    }
}

impl Distinct {
    pub fn insert(&mut self, fingerprint: u64) {
        match self {
            Distinct::Exact(set) => {
                set.insert(fingerprint);
                if set.len() > EXACT_LIMIT {
                    let mut registers = Box::new([0u8; HLL_REGISTERS]);
                    for &f in set.iter() {
                        hll_add(&mut registers, f);
                    }
                    *self = Distinct::Estimate(registers);
                }
            }
            Distinct::Estimate(registers) => hll_add(registers, fingerprint),
        }
    }

    pub fn count(&self) -> u64 {
        match self {
            Distinct::Exact(set) => set.len() as u64,
            Distinct::Estimate(registers) => hll_count(registers),
        }
    }

    pub fn is_exact(&self) -> bool {
        matches!(self, Distinct::Exact(_))
    }

    /// The fingerprints, sorted; None once the count is an estimate.
    pub fn sorted(&self) -> Option<Vec<u64>> {
        match self {
            Distinct::Exact(set) => {
                let mut v: Vec<u64> = set.iter().copied().collect();
                v.sort_unstable();
                Some(v)
            }
            Distinct::Estimate(_) => None,
        }
    }

    pub fn clear(&mut self) {
        *self = Distinct::default();
    }

    /// Adds every value counted by `other`.
    pub fn merge(&mut self, other: &Distinct) {
        match other {
            Distinct::Exact(set) => set.iter().for_each(|&f| self.insert(f)),
            Distinct::Estimate(theirs) => {
                if let Distinct::Exact(set) = self {
                    let mut registers = Box::new([0u8; HLL_REGISTERS]);
                    set.iter().for_each(|&f| hll_add(&mut registers, f));
                    *self = Distinct::Estimate(registers);
                }
                if let Distinct::Estimate(mine) = self {
                    for (m, t) in mine.iter_mut().zip(theirs.iter()) {
                        *m = (*m).max(*t);
                    }
                }
            }
        }
    }
}

fn hll_add(registers: &mut [u8; HLL_REGISTERS], fingerprint: u64) {
    let index = (fingerprint >> (64 - HLL_BITS)) as usize;
    let rest = fingerprint << HLL_BITS;
    let rank = (rest.leading_zeros().min(64 - HLL_BITS) + 1) as u8;
    if registers[index] < rank {
        registers[index] = rank;
    }
}

fn hll_count(registers: &[u8; HLL_REGISTERS]) -> u64 {
    let m = HLL_REGISTERS as f64;
    let alpha = 0.7213 / (1.0 + 1.079 / m);
    let sum: f64 = registers.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
    let raw = alpha * m * m / sum;
    let zeros = registers.iter().filter(|&&r| r == 0).count();
    let estimate = if raw <= 2.5 * m && zeros > 0 {
        m * (m / zeros as f64).ln()
    } else {
        raw
    };
    estimate.round() as u64
}

/// The `k` smallest distinct fingerprints seen: a bottom-k sketch, from which the overlap
/// of two files can be estimated without keeping all their values.
#[derive(Debug, Clone, Default)]
pub struct BottomK {
    k: usize,
    /// Sorted ascending, at most `k`.
    values: Vec<u64>,
}

impl BottomK {
    pub fn new(k: usize) -> Self {
        BottomK {
            k,
            values: Vec::with_capacity(k),
        }
    }

    pub fn insert(&mut self, fingerprint: u64) {
        if self.values.len() == self.k && self.values.last().is_some_and(|&max| fingerprint >= max) {
            return;
        }
        if let Err(at) = self.values.binary_search(&fingerprint) {
            self.values.insert(at, fingerprint);
            self.values.truncate(self.k);
        }
    }

    pub fn values(&self) -> &[u64] {
        &self.values
    }

    pub fn clear(&mut self) {
        self.values.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for uniform fingerprints (SplitMix64).
    fn mix(i: u64) -> u64 {
        let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[test]
    fn exact_below_the_limit() {
        let mut d = Distinct::default();
        for i in 0..1000 {
            d.insert(mix(i % 300));
        }
        assert_eq!(d.count(), 300);
        assert!(d.is_exact());
        let sorted = d.sorted().unwrap();
        assert!(sorted.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn estimate_past_the_limit_is_close() {
        let mut d = Distinct::default();
        let n = EXACT_LIMIT as u64 * 2;
        for i in 0..n {
            d.insert(mix(i));
        }
        assert!(!d.is_exact());
        let error = (d.count() as f64 - n as f64).abs() / n as f64;
        assert!(error < 0.05, "estimate {} for {n}", d.count());
        assert!(d.sorted().is_none());
    }

    #[test]
    fn merging_counts_the_union() {
        let mut a = Distinct::default();
        let mut b = Distinct::default();
        (0..100).for_each(|i| a.insert(mix(i)));
        (50..200).for_each(|i| b.insert(mix(i)));
        a.merge(&b);
        assert_eq!(a.count(), 200);
        let mut big = Distinct::default();
        (0..EXACT_LIMIT as u64 + 10).for_each(|i| big.insert(mix(i)));
        a.merge(&big);
        let n = EXACT_LIMIT as f64 + 10.0;
        assert!((a.count() as f64 - n).abs() / n < 0.05, "{}", a.count());
    }

    #[test]
    fn bottom_k_keeps_the_smallest() {
        let mut b = BottomK::new(4);
        for v in [50, 10, 40, 10, 30, 20, 60] {
            b.insert(v);
        }
        assert_eq!(b.values(), &[10, 20, 30, 40]);
    }
}
