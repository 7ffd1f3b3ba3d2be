//! Panic-safe calls from C into Rust.
//!
//! Rust closures registered with sd-bus run inside `sd_bus_process`,
//! `sd_bus_call` and friends. A panic must not unwind through C, so each
//! trampoline catches it and parks it in a thread-local; the Rust function
//! that called into sd-bus then resumes it with [`resume_panic`], on the same
//! thread, as if the closure had panicked there.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    static PARKED_PANIC: RefCell<Option<Box<dyn Any + Send>>> = const { RefCell::new(None) };
    /// Whether `PARKED_PANIC` may hold a panic: checked after every call
    /// into sd-bus, and cheaper to reach than `PARKED_PANIC`, which needs a
    /// destructor (and so a registration check on every access).
    static PANIC_PARKED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, catching a panic; returns `on_panic` if it panicked.
pub(crate) fn catch<R>(on_panic: R, f: impl FnOnce() -> R) -> R {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => {
            PARKED_PANIC.with(|parked| {
                // Keep the first panic: later ones are usually consequences.
                parked.borrow_mut().get_or_insert(payload);
            });
            PANIC_PARKED.set(true);
            on_panic
        }
    }
}

/// Re-raises a panic caught in a callback, if there is one.
#[inline]
pub(crate) fn resume_panic() {
    if PANIC_PARKED.get() {
        resume_parked_panic();
    }
}

#[cold]
#[inline(never)]
fn resume_parked_panic() {
    PANIC_PARKED.set(false);
    if let Some(payload) = PARKED_PANIC.with(|parked| parked.borrow_mut().take()) {
        panic::resume_unwind(payload);
    }
}
