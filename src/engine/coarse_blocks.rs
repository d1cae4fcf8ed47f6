//! The event list's far future (event_list.rs): events one to [`COARSE`] blocks of ~137 s
//! ahead, unsorted, block by block, until their block becomes the current one.
//!
//! These hold most of a large model's pending events (a million subscribers keep three
//! timers each, minutes ahead), so each is stored in 8 bytes plus the event rather than the
//! 16-byte key plus the event (and padding) of the rest of the list: its time as an offset
//! into its block (37 bits) and its insertion sequence as an offset from its chunk's first
//! (27 bits). A chunk whose sequence numbers would span more than 2²⁷ insertions is closed
//! early and a new one begun, so the packing never loses a bit whatever the model.

/// log₂ of a block's width in nanoseconds (event_list.rs's slot and block sizes).
pub(super) const BLOCK_SHIFT: u32 = 37;
/// Blocks ahead held here: 32 blocks of ~137 s cover ~73 minutes.
pub(super) const COARSE: u64 = 32;
const DELTA_BITS: u32 = 64 - BLOCK_SHIFT;
const OFFSET_MASK: u64 = (1 << BLOCK_SHIFT) - 1;
/// Events per chunk. Chunks of one size are reused as blocks empty and fill, so the blocks
/// neither copy nor fragment memory as they grow.
const CHUNK: usize = 256;

#[derive(Clone, Copy)]
struct Packed<E> {
    /// `seq - base << BLOCK_SHIFT | time - block start`.
    bits: u64,
    event: E,
}

struct Chunk<E> {
    /// The insertion sequence of the chunk's first event.
    base: u64,
    events: Vec<Packed<E>>,
}

/// Block `b` (after the current one, less than [`COARSE`] ahead) at index `b % COARSE`.
pub(super) struct CoarseBlocks<E> {
    blocks: Vec<Vec<Chunk<E>>>,
    /// Emptied chunks' vectors, kept for reuse.
    spare: Vec<Vec<Packed<E>>>,
}

impl<E: Copy> CoarseBlocks<E> {
    pub(super) fn new() -> Self {
        CoarseBlocks { blocks: Vec::new(), spare: Vec::new() }
    }

    /// Appends an event due at `time` (in block `time >> BLOCK_SHIFT`) inserted `seq`th.
    pub(super) fn push(&mut self, time: u64, seq: u64, event: E) {
        if self.blocks.is_empty() {
            self.blocks.resize_with(COARSE as usize, Vec::new);
        }
        let block = time >> BLOCK_SHIFT;
        let chunks = &mut self.blocks[(block % COARSE) as usize];
        // An event refiled from further ahead may be older than the chunk's first: it starts a
        // chunk of its own.
        let fits =
            |c: &Chunk<E>| c.events.len() < CHUNK && seq.checked_sub(c.base).is_some_and(|d| d < 1 << DELTA_BITS);
        if !chunks.last().is_some_and(fits) {
            let events = self.spare.pop().unwrap_or_else(|| Vec::with_capacity(CHUNK));
            chunks.push(Chunk { base: seq, events });
        }
        let chunk = chunks.last_mut().expect("a chunk with room");
        chunk.events.push(Packed { bits: (seq - chunk.base) << BLOCK_SHIFT | (time & OFFSET_MASK), event });
    }

    /// Empties block `block`, handing each of its events to `f` as (time, seq, event) in
    /// insertion order.
    pub(super) fn drain_block(&mut self, block: u64, mut f: impl FnMut(u64, u64, E)) {
        let Some(chunks) = self.blocks.get_mut((block % COARSE) as usize) else { return };
        let start = block << BLOCK_SHIFT;
        for mut chunk in std::mem::take(chunks) {
            for p in &chunk.events {
                f(start + (p.bits & OFFSET_MASK), chunk.base + (p.bits >> BLOCK_SHIFT), p.event);
            }
            chunk.events.clear();
            self.spare.push(chunk.events);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_back_exactly_and_in_insertion_order() {
        let mut c = CoarseBlocks::new();
        let block = 5u64;
        let start = block << BLOCK_SHIFT;
        // Offsets at both ends of the block; sequence gaps that force new chunks (a gap of
        // 2^27 does not fit; 2^27 - 1 does), and more events than one chunk holds.
        let mut want = Vec::new();
        let mut seq = 1u64 << 40;
        for i in 0..600u64 {
            seq += match i % 200 {
                7 => 1 << DELTA_BITS,
                8 => (1 << DELTA_BITS) - 1,
                _ => 1 + i % 3,
            };
            let time = start + if i % 2 == 0 { OFFSET_MASK - i } else { i * 1_000_003 };
            c.push(time, seq, i as u32);
            want.push((time, seq, i as u32));
        }
        // Another block's events stay where they are.
        c.push((block + 1) << BLOCK_SHIFT, seq + 1, 9999);
        let mut got = Vec::new();
        c.drain_block(block, |t, s, e| got.push((t, s, e)));
        assert_eq!(got, want);
        got.clear();
        c.drain_block(block, |t, s, e| got.push((t, s, e)));
        assert!(got.is_empty());
        c.drain_block(block + 1, |t, s, e| got.push((t, s, e)));
        assert_eq!(got, vec![((block + 1) << BLOCK_SHIFT, seq + 1, 9999)]);
        assert_eq!(std::mem::size_of::<Packed<[u32; 4]>>(), 24, "8 bytes plus a 16-byte event");
    }

    #[test]
    fn an_event_older_than_the_last_chunk_starts_its_own() {
        // A timer refiled from further ahead keeps its (older) sequence number.
        let mut c = CoarseBlocks::new();
        let start = 3u64 << BLOCK_SHIFT;
        c.push(start + 10, 1_000, 1u32);
        c.push(start + 5, 7, 2);
        c.push(start + 20, 1_001, 3);
        let mut got = Vec::new();
        c.drain_block(3, |t, s, e| got.push((t, s, e)));
        assert_eq!(got, vec![(start + 10, 1_000, 1), (start + 5, 7, 2), (start + 20, 1_001, 3)]);
    }
}
