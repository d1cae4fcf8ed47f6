//! The future-event list, ordered by (time, insertion sequence).
//!
//! Equal-time events come out in the order they were scheduled (FIFO), which together with
//! integer time makes the event order — and therefore every output — a pure function of the
//! scenario and the seed. Cancellation is lazy: an entity that wants to "cancel" a pending
//! event bumps a generation counter of its own and ignores stale events when they pop, so the
//! list never needs a search.
//!
//! A large model keeps millions of timers minutes ahead (registration refreshes, binding
//! expiries, Chronos timers) while nearly every event it processes is milliseconds ahead. One
//! binary heap of all of them misses the cache on every push and pop. So the list has four
//! parts, and only the first is ever ordered:
//!
//! - `heap`, a binary min-heap on the full key (`time << 64 | seq`). It holds every event earlier
//!   than slot `limit`, and any others while it is small (the M/M/c model never leaves it).
//! - `fine`, unsorted slots of 2²⁵ ns (~34 ms): the rest of the current block of [`FINE`]
//!   slots (~137 s). Scheduling there is an append.
//! - `coarse`, unsorted blocks of [`FINE`] slots: the next [`COARSE`] blocks (~73 minutes).
//!   A block is spread over `fine` when `limit` enters it.
//! - `overflow`, a heap of the events further away still, pulled into `coarse` block by block.
//!
//! Before an event leaves the heap, every slot up to its time is poured into the heap, so the
//! heap's top is the earliest key of all four: the pop order is exactly the order of one heap
//! on (time, seq). A far event is appended twice and pushed on a small heap once; the coarse
//! blocks (coarse_blocks.rs) are lists of equal chunks, reused, holding each event in 24
//! bytes where the rest of the list takes 32, so a million subscribers' timers cost little
//! more than that.

use super::coarse_blocks::{CoarseBlocks, BLOCK_SHIFT, COARSE};
use super::time::{SimDuration, SimTime};

/// log₂ of a slot's width in nanoseconds (2²⁵ ns ≈ 34 ms): events further ahead than this
/// skip the heap until their slot comes up.
const SLOT_SHIFT: u32 = 25;
/// log₂ of the slots in a block: 2¹² slots of ~34 ms make ~137 s.
const BLOCK_BITS: u32 = 12;
const FINE: u64 = 1 << BLOCK_BITS;
// coarse_blocks.rs packs times as offsets into blocks of this width.
const _: () = assert!(SLOT_SHIFT + BLOCK_BITS == BLOCK_SHIFT);
/// While the heap holds fewer events than this, everything is scheduled into it (a small
/// model never touches the slots).
const SMALL: usize = 64;

#[derive(Clone, Copy)]
struct Entry<E> {
    /// `time << 64 | seq`: one integer comparison orders by time, then by insertion. Keys
    /// are unique, so any correct heap pops them in one and the same order.
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn time(&self) -> u64 {
        (self.key >> 64) as u64
    }

    #[inline]
    fn slot(&self) -> u64 {
        self.time() >> SLOT_SHIFT
    }
}

/// A binary min-heap on `Entry::key`, small enough to be inlined into the event loop.
struct Heap<E>(Vec<Entry<E>>);

impl<E: Copy> Heap<E> {
    #[inline(always)]
    fn push(&mut self, e: Entry<E>) {
        self.0.push(e);
        let v = self.0.as_mut_slice();
        let mut i = v.len() - 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if v[parent].key < e.key {
                break;
            }
            v[i] = v[parent];
            i = parent;
        }
        v[i] = e;
    }

    #[inline(always)]
    fn peek(&self) -> Option<&Entry<E>> {
        self.0.first()
    }

    /// Removes the least key: the hole left at the root goes down the smaller children to
    /// the bottom, and the last entry climbs back up from there (few comparisons, as in
    /// `std::collections::BinaryHeap`).
    #[inline(always)]
    fn pop(&mut self) -> Option<Entry<E>> {
        let last = self.0.pop()?;
        let v = self.0.as_mut_slice();
        let Some(&top) = v.first() else { return Some(last) };
        let mut i = 0;
        loop {
            let child = 2 * i + 1;
            let Some(pair) = v.get(child..child + 2) else { break };
            let child = child + (pair[1].key < pair[0].key) as usize;
            v[i] = v[child];
            i = child;
        }
        if let Some(&only) = v.get(2 * i + 1) {
            v[i] = only;
            i = 2 * i + 1;
        }
        while i > 0 {
            let parent = (i - 1) / 2;
            if v[parent].key < last.key {
                break;
            }
            v[i] = v[parent];
            i = parent;
        }
        v[i] = last;
        Some(top)
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Appends, growing a full vector by a quarter rather than doubling it: the current block's
/// slots hold much of a large model's events, and stay ~10% over their size, not ~40%.
#[inline]
fn push_snug<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact(v.len() / 4 + 4);
    }
    v.push(x);
}

/// Pending events plus the current simulated time.
pub struct EventQueue<E> {
    heap: Heap<E>,
    /// Slot `s` of the current block (`s ≥ limit`) at index `s % FINE`; allocated on first use.
    fine: Vec<Vec<Entry<E>>>,
    /// The blocks after the current one, less than [`COARSE`] ahead (coarse_blocks.rs).
    coarse: CoarseBlocks<E>,
    overflow: Heap<E>,
    /// Events in `fine`, and in `fine`, `coarse` and `overflow` together.
    in_fine: usize,
    far: usize,
    /// The first slot not yet poured into the heap: every event outside the heap is in a slot
    /// at or after it.
    limit: u64,
    next_seq: u64,
    now: SimTime,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        Self::with_capacity(1024)
    }

    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: Heap(Vec::with_capacity(capacity)),
            fine: Vec::new(),
            coarse: CoarseBlocks::new(),
            overflow: Heap(Vec::new()),
            in_fine: 0,
            far: 0,
            limit: 0,
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the event being processed (or of the last one popped).
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at absolute time `at`.
    ///
    /// # Panics
    /// If `at` is earlier than `now()`: an event in the past would silently reorder history,
    /// so it is treated as the model bug it is.
    #[inline(always)]
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        assert!(at >= self.now, "model bug: event scheduled in the past (at {} while now is {})", at, self.now);
        let entry = Entry { key: ((at.as_ns() as u128) << 64) | self.next_seq as u128, event };
        self.next_seq += 1;
        let slot = entry.slot();
        if slot < self.limit || self.heap.len() < SMALL {
            self.heap.push(entry);
        } else {
            self.schedule_far(slot, entry);
        }
    }

    #[inline(never)]
    fn schedule_far(&mut self, slot: u64, entry: Entry<E>) {
        self.far += 1;
        let (block, current) = (slot >> BLOCK_BITS, self.limit >> BLOCK_BITS);
        if block == current {
            self.fine_push(slot, entry);
        } else if block - current < COARSE {
            self.coarse_push(entry);
        } else {
            self.overflow.push(entry);
        }
    }

    fn coarse_push(&mut self, entry: Entry<E>) {
        self.coarse.push(entry.time(), entry.key as u64, entry.event);
    }

    fn fine_push(&mut self, slot: u64, entry: Entry<E>) {
        if self.fine.is_empty() {
            self.fine.resize_with(FINE as usize, Vec::new);
        }
        push_snug(&mut self.fine[(slot % FINE) as usize], entry);
        self.in_fine += 1;
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        let at = self.now + delay;
        self.schedule_at(at, event);
    }

    /// Pours slots into the heap until its top is the earliest pending event.
    #[inline(always)]
    fn settle(&mut self) {
        while self.far > 0 {
            match self.heap.peek() {
                Some(top) if top.slot() < self.limit => return,
                _ => self.pour_next_slot(),
            }
        }
    }

    /// Moves slot `limit` into the heap and advances `limit` past it (past the rest of its
    /// block if that is empty).
    #[inline(never)]
    fn pour_next_slot(&mut self) {
        if self.limit % FINE == 0 {
            self.enter_block();
        }
        if self.in_fine == 0 {
            // Nothing left in this block: on to the next one, or straight to the overflow's
            // earliest block when that is all there is.
            let next = ((self.limit >> BLOCK_BITS) + 1) << BLOCK_BITS;
            self.limit = match self.overflow.peek() {
                Some(first) if self.far == self.overflow.len() => next.max(first.slot() >> BLOCK_BITS << BLOCK_BITS),
                _ => next,
            };
            return;
        }
        // Taken, not drained: a slot's memory goes back at once.
        let slot = std::mem::take(&mut self.fine[(self.limit % FINE) as usize]);
        self.in_fine -= slot.len();
        self.far -= slot.len();
        for entry in slot {
            self.heap.push(entry);
        }
        self.limit += 1;
    }

    /// `limit` is the first slot of a block: the overflow's events now less than [`COARSE`]
    /// blocks ahead move to `coarse`, and the block's own events spread over `fine`.
    fn enter_block(&mut self) {
        let current = self.limit >> BLOCK_BITS;
        while let Some(top) = self.overflow.peek() {
            let block = top.slot() >> BLOCK_BITS;
            if block - current >= COARSE {
                break;
            }
            let entry = self.overflow.pop().expect("peeked");
            self.coarse_push(entry);
        }
        let mut coarse = std::mem::replace(&mut self.coarse, CoarseBlocks::new());
        coarse.drain_block(current, |time, seq, event| {
            let entry = Entry { key: ((time as u128) << 64) | seq as u128, event };
            self.fine_push(entry.slot(), entry);
        });
        self.coarse = coarse;
    }

    /// Removes the earliest event and advances `now()` to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.settle();
        let entry = self.heap.pop()?;
        self.now = SimTime::from_ns(entry.time());
        Some((self.now, entry.event))
    }

    /// Removes the earliest event if it is due at or before `end`, and advances `now()` to
    /// its time: one look at the list where `peek_time` then `pop` would take two.
    #[inline(always)]
    pub fn pop_until(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        self.settle();
        if self.heap.peek()?.time() > end.as_ns() {
            return None;
        }
        let entry = self.heap.pop()?;
        self.now = SimTime::from_ns(entry.time());
        Some((self.now, entry.event))
    }

    /// The time of the earliest pending event, if any.
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.settle();
        self.heap.peek().map(|e| SimTime::from_ns(e.time()))
    }

    pub fn len(&self) -> usize {
        self.heap.len() + self.far
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves the clock forward without an event (used to close a run at its end time).
    pub fn advance_to(&mut self, t: SimTime) {
        assert!(t >= self.now, "model bug: clock moved backwards");
        self.now = t;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_fifo_on_ties() {
        let mut q = EventQueue::new();
        q.schedule_at(SimTime::from_ns(5), 'a');
        q.schedule_at(SimTime::from_ns(3), 'b');
        q.schedule_at(SimTime::from_ns(5), 'c');
        q.schedule_at(SimTime::from_ns(3), 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['b', 'd', 'a', 'c']);
    }

    /// Against one binary heap on (time, seq): near and far times, ties, gaps longer than the
    /// overflow, a heap both small and large, and events scheduled between pops.
    #[test]
    fn pops_exactly_in_time_then_insertion_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut q = EventQueue::new();
        let mut reference = std::collections::BinaryHeap::new();
        let mut seq = 0u64;
        let mut popped = 0;
        for round in 0..200_000u64 {
            let n = if round % 50_000 < 20_000 { 2 } else { rng.random_range(0..2) };
            for _ in 0..n {
                let delay = match rng.random_range(0..12) {
                    0..=4 => rng.random_range(0..1_000_000),
                    5..=6 => rng.random_range(0..1u64 << 34),
                    7 => rng.random_range(0..1u64 << 43),
                    8 => rng.random_range(0..3) << SLOT_SHIFT,
                    9 => rng.random_range(0..40) << (SLOT_SHIFT + BLOCK_BITS),
                    10 => rng.random_range(0..1u64 << 47),
                    _ => 0,
                };
                let at = q.now().as_ns() + delay;
                q.schedule_at(SimTime::from_ns(at), seq);
                reference.push(std::cmp::Reverse((at, seq)));
                seq += 1;
            }
            if rng.random_range(0..3) > 0 || round % 50_000 >= 40_000 {
                assert_eq!(q.peek_time().map(SimTime::as_ns), reference.peek().map(|e| e.0 .0));
                let want = reference.pop().map(|e| e.0);
                assert_eq!(q.pop().map(|(t, e)| (t.as_ns(), e)), want);
                popped += 1;
            }
            assert_eq!(q.len(), reference.len());
        }
        while let Some(e) = reference.pop() {
            assert_eq!(q.pop().map(|(t, e)| (t.as_ns(), e)), Some(e.0));
        }
        assert!(q.pop().is_none() && q.is_empty());
        assert!(popped > 100_000 && q.limit > COARSE * FINE, "the blocks turned over ({})", q.limit);
    }

    #[test]
    #[should_panic(expected = "scheduled in the past")]
    fn scheduling_in_the_past_is_caught() {
        let mut q = EventQueue::new();
        q.schedule_at(SimTime::from_ns(10), ());
        q.pop();
        q.schedule_at(SimTime::from_ns(9), ());
    }
}
