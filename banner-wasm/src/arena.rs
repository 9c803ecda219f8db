//! The banner's allocator: a bump pointer that never frees.
//!
//! Freeing nothing lets the compiler drop every deallocation path from the
//! banner: 480 B of gzip less than lol_alloc's free list, on every first
//! visit (measured). Resetting the heap once a dialog closes would be
//! unsound: wasm-bindgen keeps its externref slab on the heap for good. The
//! price is memory: each dialog shown keeps about 1.5 KB (its configuration
//! and state), so a visitor who opens the settings 100 times on one page
//! holds 150 KB more; `heap_used` reports it and a browser test bounds it.

use core::alloc::Layout;
use core::cell::Cell;

const PAGE: usize = 65_536;

/// Offsets into linear memory: where the heap starts, where the next
/// allocation may start and where the heap ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heap {
    pub start: usize,
    pub next: usize,
    pub end: usize,
}

impl Heap {
    /// Where `layout` goes, and the new bump pointer; `None` when the heap
    /// must grow first.
    pub fn place(&self, layout: Layout) -> Option<(usize, usize)> {
        let at = self.next.checked_add(layout.align() - 1)? & !(layout.align() - 1);
        let next = at.checked_add(layout.size())?;
        (next <= self.end).then_some((at, next))
    }

    /// Pages to add so that `layout` fits.
    pub fn pages_for(&self, layout: Layout) -> usize {
        (layout.size() + layout.align()).div_ceil(PAGE)
    }
}

pub struct Arena(Cell<Option<Heap>>);

// SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread.
unsafe impl Sync for Arena {}

impl Arena {
    pub const fn new() -> Self {
        Self(Cell::new(None))
    }

    /// Bytes allocated since the start.
    pub fn used(&self) -> usize {
        self.0.get().map_or(0, |h| h.next - h.start)
    }
}

#[cfg(target_arch = "wasm32")]
unsafe impl core::alloc::GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        use core::arch::wasm32::{memory_grow, memory_size};
        // The heap begins where linear memory ended at the first allocation:
        // below it are the stack and the static data.
        let mut heap = self.0.get().unwrap_or_else(|| {
            let end = memory_size(0) * PAGE;
            Heap {
                start: end,
                next: end,
                end,
            }
        });
        let (at, next) = match heap.place(layout) {
            Some(placed) => placed,
            None => {
                let pages = heap.pages_for(layout);
                if memory_grow(0, pages) == usize::MAX {
                    return core::ptr::null_mut();
                }
                heap.end += pages * PAGE;
                match heap.place(layout) {
                    Some(placed) => placed,
                    None => return core::ptr::null_mut(),
                }
            }
        };
        self.0.set(Some(Heap { next, ..heap }));
        at as *mut u8
    }

    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heap() -> Heap {
        Heap {
            start: PAGE,
            next: PAGE,
            end: 2 * PAGE,
        }
    }

    #[test]
    fn allocations_are_aligned_and_do_not_overlap() {
        let mut h = heap();
        let (a, next) = h.place(Layout::from_size_align(3, 1).unwrap()).unwrap();
        h.next = next;
        let (b, _) = h.place(Layout::from_size_align(8, 8).unwrap()).unwrap();
        assert_eq!((a, b), (PAGE, PAGE + 8));
    }

    #[test]
    fn a_full_heap_asks_for_enough_pages() {
        let h = Heap {
            next: 2 * PAGE - 4,
            ..heap()
        };
        let big = Layout::from_size_align(PAGE + 1, 8).unwrap();
        assert_eq!(h.place(big), None);
        assert_eq!(h.pages_for(big), 2);
        let grown = Heap {
            end: h.end + 2 * PAGE,
            ..h
        };
        assert!(grown.place(big).is_some());
    }
}
