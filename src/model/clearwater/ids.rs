//! The identifiers the model's records refer to each other by.

use crate::model::slab::Key;

/// A node of the deployment (index into the world's nodes).
pub type NodeId = u16;
/// A subscriber (index into the world's subscribers).
pub type UeId = u32;

/// No node (a route role without one, a replica that does not exist).
pub const NO_NODE: NodeId = u16::MAX;
/// A key that never resolves (a message of no transaction or call).
pub const NO_KEY: Key = Key { idx: u32::MAX, gen: u32::MAX };

/// An identifier that indexes a [`ById`] collection.
pub trait Id: Copy {
    fn index(self) -> usize;
}

impl Id for u16 {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

impl Id for u32 {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

/// A vector indexed by its identifier type (`nodes[node]`, `ues[ue]`), so call sites carry
/// no casts; it derefs to a slice for iteration and positional use.
#[derive(Clone, Debug)]
pub struct ById<I, T> {
    items: Vec<T>,
    id: std::marker::PhantomData<I>,
}

impl<I, T> ById<I, T> {
    pub fn with_capacity(n: usize) -> Self {
        ById { items: Vec::with_capacity(n), id: std::marker::PhantomData }
    }

    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }

    pub fn capacity(&self) -> usize {
        self.items.capacity()
    }
}

impl<I, T> From<Vec<T>> for ById<I, T> {
    fn from(items: Vec<T>) -> Self {
        ById { items, id: std::marker::PhantomData }
    }
}

impl<I: Id, T> std::ops::Index<I> for ById<I, T> {
    type Output = T;
    #[inline]
    fn index(&self, id: I) -> &T {
        &self.items[id.index()]
    }
}

impl<I: Id, T> std::ops::IndexMut<I> for ById<I, T> {
    #[inline]
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.items[id.index()]
    }
}

impl<I, T> std::ops::Deref for ById<I, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<I, T> std::ops::DerefMut for ById<I, T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.items
    }
}

/// An enum whose variants index a fixed array ([`ByKind`]).
pub trait Kind: Copy {
    fn index(self) -> usize;
}

/// One value per variant of `K` (`counts[ReqType::Bye]`): no casts at the call sites. It
/// derefs to the array, in variant order, for iteration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByKind<K, T, const N: usize> {
    items: [T; N],
    kind: std::marker::PhantomData<K>,
}

impl<K, T: Default, const N: usize> Default for ByKind<K, T, N> {
    fn default() -> Self {
        ByKind { items: std::array::from_fn(|_| T::default()), kind: std::marker::PhantomData }
    }
}

/// Written as the sequence of its values in variant order (serde derives no impl for
/// const-generic arrays); read back only at exactly `N` values.
impl<K, T: serde::Serialize, const N: usize> serde::Serialize for ByKind<K, T, N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.items.iter())
    }
}

impl<'de, K, T: serde::Deserialize<'de>, const N: usize> serde::Deserialize<'de> for ByKind<K, T, N> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items: Vec<T> = Vec::deserialize(d)?;
        let got = items.len();
        let items: [T; N] =
            items.try_into().map_err(|_| serde::de::Error::invalid_length(got, &format!("{N} values").as_str()))?;
        Ok(ByKind { items, kind: std::marker::PhantomData })
    }
}

impl<K: Kind, T, const N: usize> std::ops::Index<K> for ByKind<K, T, N> {
    type Output = T;
    #[inline]
    fn index(&self, k: K) -> &T {
        &self.items[k.index()]
    }
}

impl<K: Kind, T, const N: usize> std::ops::IndexMut<K> for ByKind<K, T, N> {
    #[inline]
    fn index_mut(&mut self, k: K) -> &mut T {
        &mut self.items[k.index()]
    }
}

impl<K, T, const N: usize> std::ops::Deref for ByKind<K, T, N> {
    type Target = [T; N];
    fn deref(&self) -> &[T; N] {
        &self.items
    }
}

impl<K, T, const N: usize> std::ops::DerefMut for ByKind<K, T, N> {
    fn deref_mut(&mut self) -> &mut [T; N] {
        &mut self.items
    }
}
