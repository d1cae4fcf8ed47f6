//! Latency histograms: HDR histograms of microseconds, 3 significant digits (relative
//! quantisation error ≤ 0.1%), range 1 µs – 1 day. Values outside the range are clamped
//! (and counted) rather than lost, so counts always reconcile with the number of requests.

use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

use crate::engine::SimDuration;

const MAX_US: u64 = 86_400 * 1_000_000;
const SIGFIG: u8 = 3;

#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    hist: Histogram<u64>,
    /// Exact sum of recorded values in ns (the HDR mean is quantised; this one is not).
    sum_ns: u128,
    clamped: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    pub fn new() -> Self {
        LatencyHistogram {
            hist: Histogram::new_with_bounds(1, MAX_US, SIGFIG).expect("static bounds are valid"),
            sum_ns: 0,
            clamped: 0,
        }
    }

    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        self.sum_ns += d.as_ns() as u128;
        let us = d.as_us();
        let v = if us > MAX_US {
            self.clamped += 1;
            MAX_US
        } else {
            us.max(1)
        };
        // Cannot fail: v is within the histogram's bounds.
        let _ = self.hist.record(v);
    }

    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Exact mean in ns (not quantised).
    pub fn mean_ns(&self) -> f64 {
        if self.count() == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.count() as f64
        }
    }

    pub fn sum_ns(&self) -> u128 {
        self.sum_ns
    }

    /// Quantile `q` in [0, 1], in µs (quantised to 3 significant digits).
    pub fn quantile_us(&self, q: f64) -> u64 {
        if self.count() == 0 {
            0
        } else {
            self.hist.value_at_quantile(q)
        }
    }

    pub fn max_us(&self) -> u64 {
        if self.count() == 0 {
            0
        } else {
            self.hist.max()
        }
    }

    pub fn clamped(&self) -> u64 {
        self.clamped
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        self.hist.add(&other.hist).expect("histograms share bounds");
        self.sum_ns += other.sum_ns;
        self.clamped += other.clamped;
    }

    /// The compressed HdrHistogram V2 encoding (cookie 0x1c849314, zlib-deflated payload),
    /// base64: the form the Java, Python, Go and JavaScript HdrHistogram libraries decode
    /// (`decodeFromCompressedByteBuffer`, `HdrHistogram.decode`). Values are µs.
    pub fn to_base64(&self) -> String {
        let mut buf = Vec::new();
        V2DeflateSerializer::new().serialize(&self.hist, &mut buf).expect("in-memory write");
        base64::engine::general_purpose::STANDARD.encode(buf)
    }

    /// Reads back [`to_base64`](Self::to_base64) output, compressed or not (the exact ns
    /// sum is not encoded; it is rebuilt from the bucket midpoints).
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|e| format!("not base64: {e}"))?;
        let h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| format!("not an HdrHistogram V2 payload: {e:?}"))?;
        let mut out = LatencyHistogram::new();
        out.hist.add(&h).map_err(|e| format!("incompatible histogram: {e:?}"))?;
        out.sum_ns = (h.mean() * h.len() as f64 * 1e3) as u128;
        Ok(out)
    }
}

/// A part file's form (`cwsim merge`): the HdrHistogram V2 encoding of the counts, then the
/// exact ns sum and the clamped count, so a histogram read back gives every quantile, mean
/// and merge exactly as the original did (unlike [`from_base64`](LatencyHistogram::from_base64),
/// which rebuilds the sum).
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    hdr_v2: Vec<u8>,
    sum_ns: u128,
    clamped: u64,
}

impl serde::Serialize for LatencyHistogram {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut hdr_v2 = Vec::new();
        hdrhistogram::serialization::V2Serializer::new().serialize(&self.hist, &mut hdr_v2).expect("in-memory write");
        Stored { hdr_v2, sum_ns: self.sum_ns, clamped: self.clamped }.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for LatencyHistogram {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let stored = Stored::deserialize(d)?;
        let h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut stored.hdr_v2.as_slice())
            .map_err(|e| D::Error::custom(format!("not an HdrHistogram V2 payload: {e:?}")))?;
        // Counts are added bucket by bucket into a histogram of this module's bounds.
        let mut out = LatencyHistogram::new();
        out.hist.add(&h).map_err(|e| D::Error::custom(format!("incompatible histogram: {e:?}")))?;
        out.sum_ns = stored.sum_ns;
        out.clamped = stored.clamped;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_within_precision() {
        let mut h = LatencyHistogram::new();
        for ms in 1..=1000u64 {
            h.record(SimDuration::from_ms(ms));
        }
        // p50 of 1..1000 ms is 500 ms; 3 significant digits allow 0.1%.
        let p50 = h.quantile_us(0.5) as f64;
        assert!((p50 / 500_000.0 - 1.0).abs() < 1e-3, "{p50}");
        assert_eq!(h.count(), 1000);
        assert!((h.mean_ns() - 500.5e6).abs() < 1e-3);
    }

    #[test]
    fn serialisation_round_trips_and_merges() {
        let mut a = LatencyHistogram::new();
        a.record(SimDuration::from_ms(3));
        let mut b = LatencyHistogram::from_base64(&a.to_base64()).unwrap();
        assert_eq!(b.count(), 1);
        b.merge(&a);
        assert_eq!(b.count(), 2);
        assert!(LatencyHistogram::from_base64("not base64!").is_err());
    }

    #[test]
    fn encoding_is_the_compressed_v2_form() {
        // HdrHistogram's encoding spec: a compressed V2 histogram starts with the big-endian
        // cookie 0x1c849314, then the payload length, then a zlib stream (first byte 0x78).
        let mut h = LatencyHistogram::new();
        h.record(SimDuration::from_ms(3));
        let bytes = base64::engine::general_purpose::STANDARD.decode(h.to_base64()).unwrap();
        assert_eq!(bytes[..4], [0x1c, 0x84, 0x93, 0x14]);
        let len = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        assert_eq!(len, bytes.len() - 8);
        assert_eq!(bytes[8], 0x78);
    }

    #[test]
    fn out_of_range_values_are_clamped_and_counted() {
        let mut h = LatencyHistogram::new();
        h.record(SimDuration::from_secs(2 * 86_400));
        h.record(SimDuration::ZERO);
        assert_eq!(h.count(), 2);
        assert_eq!(h.clamped(), 1);
    }

    #[test]
    fn part_encoding_round_trips_every_quantile_sum_and_clamp() {
        let mut a = LatencyHistogram::new();
        // Values across many buckets (1 µs .. 2 days: the last is clamped), with repeats.
        for i in 0..5000u64 {
            a.record(SimDuration::from_ns(i * i * 7919 + 13));
        }
        a.record(SimDuration::from_secs(2 * 86_400));
        let bytes = postcard::to_stdvec(&a).unwrap();
        let b: LatencyHistogram = postcard::from_bytes(&bytes).unwrap();
        assert_eq!((b.count(), b.sum_ns(), b.clamped(), b.max_us()), (a.count(), a.sum_ns(), 1, a.max_us()));
        for k in 0..=1000 {
            let q = k as f64 / 1000.0;
            assert_eq!(a.quantile_us(q), b.quantile_us(q), "q = {q}");
        }
        assert_eq!(a.mean_ns().to_bits(), b.mean_ns().to_bits());
        let (mut ma, mut mb) = (a.clone(), b.clone());
        ma.merge(&a);
        mb.merge(&b);
        assert_eq!(ma.to_base64(), mb.to_base64());
    }
}
