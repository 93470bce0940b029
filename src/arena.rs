//! The binary's allocator: a bump arena in `.bss`, falling back to the system allocator.
//!
//! Why: ctune is a short-lived process (the `exec` path runs on every container start) that
//! allocates a few hundred small strings and buffers, then exits or execs. musl's allocator
//! (the static release build) returns freed pages to the kernel at once: measured here, 115
//! `mmap`/`munmap` pairs at ~20 µs each in a VM, more than the rest of the probe together.
//! Bumping a pointer through zeroed `.bss` costs one page fault per 4 KiB actually touched and
//! no system call. Only the most recent block is ever given back (temporaries mostly die in
//! order); anything larger than what is left goes to the system allocator, so a huge input
//! cannot exhaust it.
//!
//! Only `main.rs` installs it; the library and the tests use the default allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of arena. Untouched pages cost nothing (zero pages are mapped on first use).
pub const ARENA_BYTES: usize = 4 << 20;
/// Blocks at least this large go straight to the system allocator (file buffers that may grow).
const LARGE: usize = 256 << 10;

/// `next` comes first so that it shares its page with the first allocations: after `buf` it
/// sat alone 4 MiB away, one more page fault at every start.
#[repr(C, align(4096))]
pub struct Arena {
    next: AtomicUsize,
    buf: UnsafeCell<[u8; ARENA_BYTES]>,
}

// SAFETY: `next` hands out disjoint ranges of `buf` with an atomic compare-and-swap; no two
// allocations overlap, so sharing between threads is sound.
unsafe impl Sync for Arena {}

impl Arena {
    pub const fn new() -> Arena {
        Arena {
            next: AtomicUsize::new(0),
            buf: UnsafeCell::new([0; ARENA_BYTES]),
        }
    }

    fn base(&self) -> usize {
        self.buf.get() as usize
    }

    fn owns(&self, p: *mut u8) -> bool {
        let a = p as usize;
        a >= self.base() && a < self.base() + ARENA_BYTES
    }

    /// A range of `layout` inside the arena, or None when it does not fit.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        if layout.size() >= LARGE {
            return None;
        }
        let base = self.base();
        let mut cur = self.next.load(Ordering::Relaxed);
        loop {
            let start = (base + cur).checked_next_multiple_of(layout.align())? - base;
            let end = start.checked_add(layout.size())?;
            if end > ARENA_BYTES {
                return None;
            }
            match self
                .next
                .compare_exchange_weak(cur, end, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some((base + start) as *mut u8),
                Err(now) => cur = now,
            }
        }
    }
}

impl Default for Arena {
    fn default() -> Self {
        Arena::new()
    }
}

// SAFETY: every pointer returned is either a fresh, suitably aligned range of the arena that no
// other allocation covers, or comes from `System`, and is given back to `System` only if it
// came from there (`owns`).
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(p) => p,
            None => System.alloc(layout),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            // Given-back blocks may be reused, so arena memory is not known to be zero.
            Some(p) => {
                std::ptr::write_bytes(p, 0, layout.size());
                p
            }
            // `System.alloc` would not zero (a reused heap chunk keeps its old bytes).
            None => System.alloc_zeroed(layout),
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if !self.owns(p) {
            System.dealloc(p, layout);
            return;
        }
        // The most recent block is given back (temporaries mostly die in order), so the
        // same pages serve again instead of touching new ones.
        let offset = p as usize - self.base();
        let _ = self.next.compare_exchange(
            offset + layout.size(),
            offset,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !self.owns(p) {
            return System.realloc(p, layout, new_size);
        }
        // Grow in place when this is the last allocation made.
        let offset = p as usize - self.base();
        let end = offset + layout.size();
        if new_size < LARGE
            && offset + new_size <= ARENA_BYTES
            && self
                .next
                .compare_exchange(end, offset + new_size, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            return p;
        }
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let q = self.alloc(new_layout);
        if !q.is_null() {
            std::ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_are_disjoint_aligned_and_fall_back() {
        // A static, not a Box: the 4 MiB value would be built on the test thread's stack first.
        static A: Arena = Arena::new();
        let a = &A;
        unsafe {
            let l = Layout::from_size_align(24, 8).unwrap();
            let p = a.alloc(l);
            let q = a.alloc(Layout::from_size_align(100, 64).unwrap());
            assert!(a.owns(p) && a.owns(q));
            assert_eq!(q as usize % 64, 0);
            assert!(q as usize >= p as usize + 24);
            // Growing the last block stays in place; growing an older one moves it.
            let q2 = a.realloc(q, Layout::from_size_align(100, 64).unwrap(), 200);
            assert_eq!(q, q2);
            std::ptr::write_bytes(p, 7, 24);
            let p2 = a.realloc(p, l, 48);
            assert_ne!(p, p2);
            assert_eq!(*p2.add(23), 7);
            // The last block, freed, is handed out again.
            let r = a.alloc(Layout::from_size_align(10, 1).unwrap());
            a.dealloc(r, Layout::from_size_align(10, 1).unwrap());
            assert_eq!(a.alloc(Layout::from_size_align(10, 1).unwrap()), r);
            // Large blocks come from the system allocator and go back to it.
            let big = Layout::from_size_align(LARGE, 8).unwrap();
            let b = a.alloc(big);
            assert!(!a.owns(b));
            a.dealloc(b, big);
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_in_the_arena_and_out_of_it() {
        static A: Arena = Arena::new();
        unsafe {
            // A block given back dirty and handed out again, zeroed.
            let l = Layout::from_size_align(64, 8).unwrap();
            let p = A.alloc(l);
            std::ptr::write_bytes(p, 0xaa, 64);
            A.dealloc(p, l);
            let z = A.alloc_zeroed(l);
            assert_eq!(z, p);
            assert!((0..64).all(|i| *z.add(i) == 0));
            // From the system allocator: a freed, dirtied chunk of the same size is likely
            // reused, so a plain alloc there would show the 0xaa bytes. (Twice: glibc maps the
            // first one and, once it is freed, serves that size from its heap.)
            let big = Layout::from_size_align(LARGE, 8).unwrap();
            for _ in 0..2 {
                let d = System.alloc(big);
                std::ptr::write_bytes(d, 0xaa, LARGE);
                System.dealloc(d, big);
            }
            let zb = A.alloc_zeroed(big);
            assert!(!A.owns(zb));
            assert!((0..LARGE).all(|i| *zb.add(i) == 0));
            A.dealloc(zb, big);
        }
    }
}
