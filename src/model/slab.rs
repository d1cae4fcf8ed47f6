//! A slab of reusable slots with generation-checked keys.
//!
//! In-flight transactions and messages live here. A key carries the slot's generation, so
//! an event that outlives its transaction (a timeout that fires after the response came)
//! finds a different generation and is ignored — lazy cancellation without searching the
//! event queue. Slots are reused, so steady state allocates nothing.

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub idx: u32,
    pub gen: u32,
}

struct Entry<T> {
    gen: u32,
    value: Option<T>,
}

pub struct Slab<T> {
    entries: Vec<Entry<T>>,
    free: Vec<u32>,
    live: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab { entries: Vec::new(), free: Vec::new(), live: 0 }
    }
}

impl<T> Slab<T> {
    pub fn insert(&mut self, value: T) -> Key {
        self.live += 1;
        match self.free.pop() {
            Some(idx) => {
                let e = &mut self.entries[idx as usize];
                e.value = Some(value);
                Key { idx, gen: e.gen }
            }
            None => {
                let idx = self.entries.len() as u32;
                self.entries.push(Entry { gen: 0, value: Some(value) });
                Key { idx, gen: 0 }
            }
        }
    }

    #[inline]
    pub fn get(&self, key: Key) -> Option<&T> {
        let e = self.entries.get(key.idx as usize)?;
        if e.gen == key.gen {
            e.value.as_ref()
        } else {
            None
        }
    }

    #[inline]
    pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        let e = self.entries.get_mut(key.idx as usize)?;
        if e.gen == key.gen {
            e.value.as_mut()
        } else {
            None
        }
    }

    /// Frees the slot; stale keys to it stop resolving.
    pub fn remove(&mut self, key: Key) -> Option<T> {
        let e = self.entries.get_mut(key.idx as usize)?;
        if e.gen != key.gen || e.value.is_none() {
            return None;
        }
        e.gen = e.gen.wrapping_add(1);
        self.free.push(key.idx);
        self.live -= 1;
        e.value.take()
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Live values in slot order (deterministic).
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().filter_map(|e| e.value.as_ref())
    }

    /// Live values in slot order, mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.entries.iter_mut().filter_map(|e| e.value.as_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_keys_do_not_resolve() {
        let mut s = Slab::default();
        let a = s.insert(1);
        assert_eq!(s.remove(a), Some(1));
        let b = s.insert(2);
        assert_eq!(b.idx, a.idx, "slot reused");
        assert_eq!(s.get(a), None);
        assert_eq!(s.get(b), Some(&2));
        assert_eq!(s.remove(a), None, "double free is refused");
        assert_eq!(s.len(), 1);
    }
}
