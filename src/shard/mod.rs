//! Sharded runs and sweeps: `--shard K/N` runs one N-th of the work and writes a part file;
//! `cwsim merge` checks the parts belong together and renders exactly what the unsharded
//! command writes.
//!
//! The unit of work is one replication of one point (a run has one point). Units are
//! numbered in the order the unsharded command summarises them — replication order for a
//! run; point by point, then replication, for a sweep — and shard K of N takes the units
//! whose number is K modulo N. Round robin spreads every point's replications over the
//! shards, so shards of a sweep whose points differ in cost still take similar times. Every
//! replication draws from streams keyed by (seed, replication), so it computes the same
//! result in whichever shard runs it.

pub mod execute;
pub mod merge;
pub mod part;
pub mod wire;

use serde::{Deserialize, Serialize};

/// Shard `index` of `count` (`--shard K/N`, 0 ≤ K < N).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ShardSpec {
    pub index: u32,
    pub count: u32,
}

impl ShardSpec {
    /// The most shards a job is split into (a Slurm array or an Indexed Job of this size is
    /// already far beyond the units any sweep has).
    pub const MAX: u32 = 100_000;

    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<ShardSpec, String> {
        let (k, n) = text.split_once('/').ok_or_else(|| format!("expected K/N (e.g. 0/4), got \"{text}\""))?;
        let number = |s: &str, what: &str| {
            s.trim().parse::<u32>().map_err(|_| format!("{what} in \"{text}\" is not a whole number"))
        };
        let (index, count) = (number(k, "K")?, number(n, "N")?);
        if count == 0 || count > Self::MAX {
            return Err(format!("N in \"{text}\" must be between 1 and {}", Self::MAX));
        }
        if index >= count {
            return Err(format!("K in \"{text}\" must be below N: shards are numbered 0 to {}", count - 1));
        }
        Ok(ShardSpec { index, count })
    }

    /// Whether unit number `unit` belongs to this shard.
    pub fn takes(self, unit: u64) -> bool {
        unit % u64::from(self.count) == u64::from(self.index)
    }

    /// The unit numbers of this shard among `total` units, in order.
    pub fn units(self, total: u64) -> Vec<u64> {
        (u64::from(self.index)..total).step_by(self.count as usize).collect()
    }

    /// `part-K-of-N.cwpart`, K zero-padded to N's width so names sort in shard order.
    pub fn file_name(self) -> String {
        let width = (self.count - 1).to_string().len();
        format!("part-{:0width$}-of-{}.cwpart", self.index, self.count)
    }
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_k_below_n_only() {
        assert_eq!(ShardSpec::parse("0/1"), Ok(ShardSpec { index: 0, count: 1 }));
        assert_eq!(ShardSpec::parse("6/7"), Ok(ShardSpec { index: 6, count: 7 }));
        for bad in ["", "3", "1/1", "4/4", "0/0", "-1/3", "a/3", "1/b", "0/100001"] {
            assert!(ShardSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_unit_goes_to_exactly_one_shard() {
        // 10 units over 3 shards: 0,3,6,9 / 1,4,7 / 2,5,8.
        let shards: Vec<Vec<u64>> = (0..3).map(|k| ShardSpec { index: k, count: 3 }.units(10)).collect();
        assert_eq!(shards, [vec![0, 3, 6, 9], vec![1, 4, 7], vec![2, 5, 8]]);
        // More shards than units: the last ones are empty.
        assert!(ShardSpec { index: 5, count: 7 }.units(5).is_empty());
        assert!(ShardSpec { index: 2, count: 3 }.takes(8) && !ShardSpec { index: 2, count: 3 }.takes(9));
    }

    #[test]
    fn file_names_sort_in_shard_order() {
        assert_eq!(ShardSpec { index: 3, count: 12 }.file_name(), "part-03-of-12.cwpart");
        assert_eq!(ShardSpec { index: 0, count: 1 }.file_name(), "part-0-of-1.cwpart");
        assert_eq!(ShardSpec { index: 9, count: 10 }.file_name(), "part-9-of-10.cwpart");
    }
}
