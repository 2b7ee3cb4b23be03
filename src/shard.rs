//! Splitting one scan into parts (`scan --shard K/N`): which part reads which file.
//!
//! A file belongs to shard `1 + hash(path) mod N`, where the path is the one the inventory
//! shows, up to its first `!`: an archive's members (`a.zip!m.csv`) go with the archive, and
//! a file named `a!b.txt` with its own members too. The hash is SHA-256 (its first 8 bytes),
//! not Rust's `Hash`, so the assignment is the same on every machine, build and run: a part's
//! baseline is the same part of the previous run, and `merge` can check that a part holds
//! only its own files.

use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// More shards than this is a mistake (a count typed where an index was meant), not a fleet.
pub const MAX_SHARDS: u32 = 1_000_000;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("--shard {0:?}: write K/N, e.g. 3/8 for the third of eight parts")]
    Syntax(String),
    #[error("--shard {0:?}: K must be between 1 and N, and N at most {MAX_SHARDS}")]
    Range(String),
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| ShardError::Syntax(s.to_string()))?;
        let number = |t: &str| {
            t.trim()
                .parse::<u32>()
                .map_err(|_| ShardError::Syntax(s.to_string()))
        };
        let (index, count) = (number(k)?, number(n)?);
        if index == 0 || index > count || count > MAX_SHARDS {
            return Err(ShardError::Range(s.to_string()));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the entry shown as `path` (a file, an archive member, a skipped file or an
    /// error) belongs to this shard.
    pub fn owns(&self, path: &str) -> bool {
        shard_of(path, self.count) == self.index
    }
}

/// The shard (1-based) of `count` that the entry shown as `path` belongs to.
pub fn shard_of(path: &str, count: u32) -> u32 {
    let top = path.split('!').next().unwrap_or(path);
    let digest = Sha256::digest(top.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!("3/8".parse(), Ok(Shard { index: 3, count: 8 }));
        assert_eq!(" 1 / 1 ".parse(), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/3", "1/2000000"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(Shard { index: 2, count: 7 }.to_string(), "2/7");
    }

    #[test]
    fn members_go_with_their_archive_and_every_path_has_one_shard() {
        for count in [1, 2, 3, 7, 100] {
            for path in ["a.zip", "exports/orders.csv", "中文/订单.xlsx", "x!y.txt"] {
                let k = shard_of(path, count);
                assert!((1..=count).contains(&k));
                assert_eq!(shard_of(&format!("{path}!inner/m.csv!deeper.txt"), count), k);
                let owners = (1..=count)
                    .filter(|&index| Shard { index, count }.owns(path))
                    .count();
                assert_eq!(owners, 1, "{path} in {count}");
            }
        }
    }

    #[test]
    fn paths_spread_over_the_shards() {
        // A stable hash that put everything in one shard would pass the test above.
        let mut seen = [0u32; 7];
        for i in 0..700 {
            seen[shard_of(&format!("orders/{i}.csv"), 7) as usize - 1] += 1;
        }
        assert!(seen.iter().all(|&n| (60..=140).contains(&n)), "{seen:?}");
        // Fixed values (from Python's hashlib): the assignment must not change between builds,
        // a part's baseline being the same part of the previous run.
        assert_eq!(shard_of("exports/orders.csv", 7), 3);
        assert_eq!(shard_of("exports/orders.csv", 1000), 345);
        assert_eq!(shard_of("a.zip!m.csv", 7), 6);
    }
}
