//! [`List`], the type of multi-valued attributes: one machine word, and no allocation when empty.
//!
//! Every AD and cloud object has several multi-valued attributes (proxyAddresses, sIDHistory,
//! otherMails, licences, identities, provisioning errors, extra attributes). As `Vec`s each costs 24
//! bytes in the object plus a heap block with room to grow; most are empty or hold one to three
//! values, so at a million objects the vectors' own words and slack came to ~70 MB. A `List` is a
//! pointer to one heap block holding the length and exactly that many items (every empty list
//! points to the same static zero length instead):
//! pushing reallocates to the new exact size, which is cheap at these lengths. It dereferences to a
//! slice, so reading code is the same as for a `Vec`.

use serde::{Serialize, Serializer};
use std::alloc::{Layout, alloc, dealloc, handle_alloc_error, realloc};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// A list of `T` in one word (see the [module documentation](self)).
pub struct List<T> {
    /// The block: a `u32` length at offset 0, the items from offset [`HEADER`]; [`EMPTY`] when
    /// empty (never null, so an `Option<List<T>>` is one word too).
    block: NonNull<u8>,
    _items: PhantomData<T>,
}

/// Bytes before the first item (the length, padded so that items of alignment up to 8 are aligned).
const HEADER: usize = 8;

/// The block of every empty list: a zero length, never written nor freed.
static EMPTY: u64 = 0;

fn empty_block() -> NonNull<u8> {
    NonNull::from(&EMPTY).cast()
}

// SAFETY: a `List<T>` owns its items as a `Vec<T>` would; nothing else refers to its block.
unsafe impl<T: Send> Send for List<T> {}
// SAFETY: shared access only reads the block, as for `&[T]`.
unsafe impl<T: Sync> Sync for List<T> {}

impl<T> List<T> {
    const CHECK: () = assert!(
        std::mem::align_of::<T>() <= HEADER && std::mem::size_of::<T>() > 0,
        "List items must be sized and aligned to at most 8 bytes"
    );

    /// The empty list (no allocation).
    pub fn new() -> Self {
        List { block: empty_block(), _items: PhantomData }
    }

    /// The heap block, `None` for the empty list.
    fn owned_block(&self) -> Option<NonNull<u8>> {
        (self.block != empty_block()).then_some(self.block)
    }

    fn layout(len: usize) -> Layout {
        let () = Self::CHECK;
        let bytes = std::mem::size_of::<T>().checked_mul(len).and_then(|b| b.checked_add(HEADER));
        bytes.and_then(|b| Layout::from_size_align(b, HEADER).ok()).expect("list size overflows")
    }

    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        // SAFETY: every block, `EMPTY` included, starts with its `u32` length, written before the
        // block was stored.
        unsafe { self.block.cast::<u32>().read() as usize }
    }

    /// Whether the list has no items.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn items(&self) -> *mut T {
        match self.owned_block() {
            // SAFETY: the items start `HEADER` bytes into the block.
            Some(b) => unsafe { b.as_ptr().add(HEADER).cast::<T>() },
            None => NonNull::dangling().as_ptr(),
        }
    }

    /// Appends `value` (the block is reallocated to the new length).
    pub fn push(&mut self, value: T) {
        let len = self.len();
        let new_len = u32::try_from(len + 1).expect("a list holds at most u32::MAX items");
        let layout = Self::layout(len + 1);
        let block = match self.owned_block() {
            // SAFETY: the block was allocated with `layout(len)`, which has the same alignment.
            Some(b) => unsafe { realloc(b.as_ptr(), Self::layout(len), layout.size()) },
            // SAFETY: the layout's size is at least `HEADER`, never zero.
            None => unsafe { alloc(layout) },
        };
        let Some(block) = NonNull::new(block) else { handle_alloc_error(layout) };
        // SAFETY: the block has room for the header and `len + 1` items; item `len` is uninitialised.
        unsafe {
            block.cast::<u32>().write(new_len);
            block.as_ptr().add(HEADER).cast::<T>().add(len).write(value);
        }
        self.block = block;
    }

    /// The items as a `Vec`.
    pub fn into_vec(mut self) -> Vec<T> {
        let len = self.len();
        let mut v = Vec::with_capacity(len);
        if let Some(b) = self.owned_block() {
            self.block = empty_block();
            // SAFETY: the block holds `len` initialised items, moved out here; the block is freed
            // without dropping them again.
            unsafe {
                std::ptr::copy_nonoverlapping(b.as_ptr().add(HEADER).cast::<T>(), v.as_mut_ptr(), len);
                v.set_len(len);
                dealloc(b.as_ptr(), Self::layout(len));
            }
        }
        v
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        *self = List::new();
    }

    /// Keeps the items for which `keep` is true, in order.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        let mut v = std::mem::take(self).into_vec();
        v.retain(keep);
        *self = v.into();
    }
}

impl<T> Drop for List<T> {
    fn drop(&mut self) {
        let len = self.len();
        if let Some(b) = self.owned_block() {
            // SAFETY: the block holds `len` initialised items, dropped once here, then freed with the
            // layout it was allocated with.
            unsafe {
                std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(b.as_ptr().add(HEADER).cast::<T>(), len));
                dealloc(b.as_ptr(), Self::layout(len));
            }
        }
    }
}

impl<T> Deref for List<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        // SAFETY: `items` points at `len` initialised items (or is dangling with `len` 0).
        unsafe { std::slice::from_raw_parts(self.items(), self.len()) }
    }
}

impl<T> DerefMut for List<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`, and `&mut self` gives exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.items(), self.len()) }
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List::new()
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(v: Vec<T>) -> Self {
        if v.is_empty() {
            return List::new();
        }
        let len = v.len();
        u32::try_from(len).expect("a list holds at most u32::MAX items");
        let layout = Self::layout(len);
        // SAFETY: the layout's size is never zero.
        let Some(block) = NonNull::new(unsafe { alloc(layout) }) else { handle_alloc_error(layout) };
        let mut v = std::mem::ManuallyDrop::new(v);
        // SAFETY: the block has room for the header and `len` items; the vector's items are moved
        // (bitwise) into it and the vector's buffer is freed without dropping them.
        unsafe {
            block.cast::<u32>().write(len as u32);
            std::ptr::copy_nonoverlapping(v.as_ptr(), block.as_ptr().add(HEADER).cast::<T>(), len);
            v.set_len(0);
            std::mem::ManuallyDrop::drop(&mut v);
        }
        List { block, _items: PhantomData }
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<T>>().into()
    }
}

impl<T> Extend<T> for List<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.push(v);
        }
    }
}

impl<T> IntoIterator for List<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<'a, T> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Clone> Clone for List<T> {
    fn clone(&self) -> Self {
        self.iter().cloned().collect()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for List<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: PartialEq> PartialEq for List<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for List<T> {}

impl<T: PartialEq<U>, U> PartialEq<Vec<U>> for List<T> {
    fn eq(&self, other: &Vec<U>) -> bool {
        **self == **other
    }
}

impl<T: std::hash::Hash> std::hash::Hash for List<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

impl<T: Serialize> Serialize for List<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn a_list_is_one_word_and_empty_costs_nothing() {
        assert_eq!(std::mem::size_of::<List<crate::model::Text>>(), 8);
        assert_eq!(std::mem::size_of::<Option<List<u8>>>(), 8);
        let l: List<u64> = List::new();
        assert!(l.is_empty() && l.iter().next().is_none());
        assert_eq!(l.len(), 0);
        assert_eq!(Vec::<u64>::new().into_iter().collect::<List<u64>>(), l);
    }

    #[test]
    fn pushes_collects_and_reads_like_a_vec() {
        let mut l: List<String> = List::new();
        for i in 0..100 {
            l.push(format!("value {i}"));
        }
        assert_eq!(l.len(), 100);
        assert_eq!(l[37], "value 37");
        assert_eq!(l.iter().filter(|s| s.ends_with('9')).count(), 10);
        let c = l.clone();
        assert_eq!(c, l);
        l.retain(|s| s.ends_with('0'));
        assert_eq!(l.into_vec(), (0..10).map(|i| format!("value {}", i * 10)).collect::<Vec<_>>());
        let mut m: List<u8> = vec![3, 1, 2].into();
        m.sort();
        assert_eq!(&*m, &[1, 2, 3]);
        assert_eq!(format!("{m:?}"), "[1, 2, 3]");
        assert_eq!(serde_json::to_string(&m).unwrap(), "[1,2,3]");
        m.extend([4, 5]);
        assert_eq!(m.into_iter().sum::<u8>(), 15);
    }

    #[test]
    fn every_item_is_dropped_exactly_once() {
        let token = Rc::new(());
        {
            let mut l: List<Rc<()>> = (0..5).map(|_| token.clone()).collect();
            l.push(token.clone());
            assert_eq!(Rc::strong_count(&token), 7);
            let c = l.clone();
            assert_eq!(Rc::strong_count(&token), 13);
            drop(c);
            l.retain(|_| false);
            assert_eq!(Rc::strong_count(&token), 1);
            l.push(token.clone());
            let v = l.into_vec();
            assert_eq!(Rc::strong_count(&token), 2);
            drop(v);
        }
        assert_eq!(Rc::strong_count(&token), 1);
    }
}
