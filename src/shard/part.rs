//! Part files: one shard's full per-unit results, versioned and checksummed.
//!
//! Layout: the 8 bytes `CWSPART\n`, the format version (u32, little-endian), the body —
//! postcard encoding of the [`Header`] and the [`Payload`] — and the sha256 of everything
//! before it (32 bytes). postcard writes every f64 as its 8 IEEE bytes and every histogram as
//! its bucket counts plus exact sums, so results read back are bit for bit those computed.
//! A part is written into a hidden temporary file beside its final name and renamed over it:
//! a rerun shard replaces its part whole, and a reader never sees half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ShardSpec;
use crate::engine::SimDuration;
use crate::model::clearwater::ClearwaterResult;
use crate::run::Results;
use crate::scenario::{Override, SourceText};
use crate::sweep::grid::Axis;

const MAGIC: &[u8; 8] = b"CWSPART\n";
/// Raised whenever the header or payload types change shape.
pub const FORMAT_VERSION: u32 = 1;
const CHECKSUM_LEN: usize = 32;
/// The largest part file read (a part holds results, not subscriber state; this bounds
/// what a damaged or foreign file can make `merge` allocate).
pub const FILE_SIZE_MAX: u64 = 8 << 30;

/// What was asked for: everything that decides the output files, so `merge` can render
/// them without the original scenario file or command line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Job {
    Run {
        source: SourceText,
        set: Vec<Override>,
        seed: Option<u64>,
        replications: Option<u32>,
    },
    Sweep {
        source: SourceText,
        axes: Vec<Axis>,
        fixed: Vec<Override>,
        replications: Option<u32>,
        slo_p99: Option<SimDuration>,
        top: usize,
        keep_points: bool,
    },
}

impl Job {
    pub fn command(&self) -> &'static str {
        match self {
            Job::Run { .. } => "run",
            Job::Sweep { .. } => "sweep",
        }
    }

    /// sha256 of the job's postcard encoding: the scenario file's bytes and name, every
    /// override and axis in order, and the options.
    pub fn sha256(&self) -> String {
        format!("{:x}", Sha256::digest(postcard::to_stdvec(self).expect("in-memory encoding")))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    /// The cwsim version that wrote the part (`CARGO_PKG_VERSION`).
    pub cwsim_version: String,
    /// The scenario's own hash (as in summary.json): sha256 of the file's bytes followed by
    /// `\n--set KEY=VALUE` for each override applied (run: `--set`; sweep: `--fix`), and of
    /// the SIPp files a SIPp load reads.
    pub scenario_sha256: String,
    /// [`Job::sha256`].
    pub job_sha256: String,
    pub job: Job,
    pub shard: ShardSpec,
    /// Units in the whole job, and this part's (unit numbers, in order).
    pub total_units: u64,
    pub units: Vec<u64>,
}

/// The shard's results, one per unit, in unit order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Payload {
    Run(Results),
    Sweep(Vec<ClearwaterResult>),
}

impl Payload {
    pub fn len(&self) -> usize {
        match self {
            Payload::Run(Results::Queue(r)) => r.len(),
            Payload::Run(Results::Clearwater(r)) => r.len(),
            Payload::Sweep(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone, Debug)]
pub struct Part {
    pub header: Header,
    pub payload: Payload,
}

impl Part {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        postcard::to_io(&(&self.header, &self.payload), &mut out).expect("in-memory encoding");
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Reads a part back; the error says what is wrong with the bytes (the caller names
    /// the file).
    pub fn decode(bytes: &[u8]) -> Result<Part, String> {
        if bytes.len() < MAGIC.len() + 4 || &bytes[..MAGIC.len()] != MAGIC {
            return Err("not a cwsim part file (written by `cwsim run|sweep --shard K/N`)".into());
        }
        let version = u32::from_le_bytes(bytes[MAGIC.len()..MAGIC.len() + 4].try_into().expect("4 bytes"));
        if version != FORMAT_VERSION {
            return Err(format!(
                "part format version {version}; this cwsim ({}) reads version {FORMAT_VERSION}: \
                 merge with the cwsim version that wrote the parts",
                env!("CARGO_PKG_VERSION")
            ));
        }
        if bytes.len() < MAGIC.len() + 4 + CHECKSUM_LEN {
            return Err("truncated: the file ends before its checksum".into());
        }
        let (signed, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if Sha256::digest(signed).as_slice() != sum {
            return Err("checksum mismatch: the file is damaged or truncated; rerun its shard".into());
        }
        let body = &signed[MAGIC.len() + 4..];
        let ((header, payload), rest): ((Header, Payload), &[u8]) =
            postcard::take_from_bytes(body).map_err(|e| format!("cannot decode the part: {e}"))?;
        if !rest.is_empty() {
            return Err(format!("{} bytes after the part's contents", rest.len()));
        }
        Ok(Part { header, payload })
    }

    /// Writes the part as `dir/part-K-of-N.cwpart`, atomically (temporary file, then rename
    /// over any earlier part of the same shard). Creates `dir` if needed.
    pub fn write(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let name = self.header.shard.file_name();
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&self.encode())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map(|()| path)
    }

    /// Reads and decodes a part file; the error names the file.
    pub fn read(path: &Path) -> Result<Part, String> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let mut bytes = Vec::new();
        file.take(FILE_SIZE_MAX + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        if bytes.len() as u64 > FILE_SIZE_MAX {
            return Err(format!("{}: larger than {} GiB; not a part file", path.display(), FILE_SIZE_MAX >> 30));
        }
        Part::decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Part {
        let source = SourceText { file: "x.toml".into(), stem: "x".into(), bytes: b"[simulation]\n".to_vec() };
        let job = Job::Run { source, set: Vec::new(), seed: Some(3), replications: None };
        Part {
            header: Header {
                cwsim_version: "0".into(),
                scenario_sha256: "s".into(),
                job_sha256: job.sha256(),
                job,
                shard: ShardSpec { index: 1, count: 2 },
                total_units: 3,
                units: vec![1],
            },
            payload: Payload::Sweep(Vec::new()),
        }
    }

    #[test]
    fn encoding_round_trips_and_every_flipped_byte_is_caught() {
        let bytes = tiny().encode();
        let back = Part::decode(&bytes).unwrap();
        assert_eq!(back.header.job, tiny().header.job);
        assert_eq!(back.header.units, [1]);
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            assert!(Part::decode(&bad).is_err(), "byte {i} flipped went unnoticed");
        }
        for n in 0..bytes.len() {
            assert!(Part::decode(&bytes[..n]).is_err(), "truncated to {n} bytes went unnoticed");
        }
    }

    #[test]
    fn the_job_hash_changes_with_any_option() {
        let a = tiny().header.job;
        let Job::Run { source, set, .. } = a.clone() else { unreachable!() };
        let b = Job::Run { source, set, seed: Some(4), replications: None };
        assert_ne!(a.sha256(), b.sha256());
        assert_eq!(a.sha256(), tiny().header.job.sha256());
    }
}
