//! The allocator SQLite takes its own memory from (its page cache, B-tree balancing, the search
//! index's buffers). By default that is the C library's `malloc`, whose heap grows by 4 KB pages:
//! a 50k-customer import took ~28,000 page faults in it, ~5 % of the import. A binary that links a
//! faster allocator (the CLI, the app and the server link mimalloc, which maps memory in large
//! pages) hands it to SQLite here, before it opens its first database.
//!
//! The one place in the core that needs `unsafe`: SQLite takes C functions, which call the ones given.
#![allow(unsafe_code)]

use rusqlite::ffi;
use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

/// An allocator's C functions, such as mimalloc's `mi_malloc`, `mi_free`, `mi_realloc` and
/// `mi_usable_size`.
#[derive(Clone, Copy)]
pub struct Allocator {
    pub malloc: unsafe extern "C" fn(usize) -> *mut c_void,
    pub free: unsafe extern "C" fn(*mut c_void),
    pub realloc: unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void,
    pub usable_size: unsafe extern "C" fn(*const c_void) -> usize,
}

static ALLOCATOR: OnceLock<Allocator> = OnceLock::new();

/// Makes SQLite allocate from `allocator`. Only before SQLite starts (the process's first
/// connection): later, or a second time, it changes nothing and returns false.
pub fn use_allocator(allocator: Allocator) -> bool {
    if ALLOCATOR.set(allocator).is_err() {
        return false;
    }
    let methods = ffi::sqlite3_mem_methods {
        xMalloc: Some(x_malloc),
        xFree: Some(x_free),
        xRealloc: Some(x_realloc),
        xSize: Some(x_size),
        xRoundup: Some(x_roundup),
        xInit: Some(x_init),
        xShutdown: Some(x_shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: SQLite copies the methods it is given; once started it refuses (SQLITE_MISUSE) and
    // keeps its own. SQLCipher's memory wrapper, installed when SQLite starts, wraps these.
    unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &raw const methods) == ffi::SQLITE_OK }
}

fn allocator() -> &'static Allocator {
    // SQLite calls these only after `use_allocator` stored the allocator and installed them.
    ALLOCATOR.get().expect("SQLite's allocator is set before SQLite uses it")
}

unsafe extern "C" fn x_malloc(size: c_int) -> *mut c_void {
    unsafe { (allocator().malloc)(size.max(0) as usize) }
}

unsafe extern "C" fn x_free(p: *mut c_void) {
    unsafe { (allocator().free)(p) }
}

unsafe extern "C" fn x_realloc(p: *mut c_void, size: c_int) -> *mut c_void {
    unsafe { (allocator().realloc)(p, size.max(0) as usize) }
}

unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    if p.is_null() {
        return 0;
    }
    unsafe { (allocator().usable_size)(p) }.min(c_int::MAX as usize) as c_int
}

/// Sizes as SQLite's own allocator rounds them: to a multiple of 8.
unsafe extern "C" fn x_roundup(size: c_int) -> c_int {
    size.saturating_add(7) & !7
}

unsafe extern "C" fn x_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_shutdown(_: *mut c_void) {}
