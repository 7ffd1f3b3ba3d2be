//! Panics in served handlers: caught at the C boundary, answered with
//! `Failed`, counted and reported, never resumed.
//!
//! Unlike the crate's other callbacks (see `crate::callback`), whose panics
//! are parked and resumed in the caller of `Bus::process`, a panicking
//! handler must not stop the server: a remote caller could otherwise bring
//! it down at will.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use crate::error::BusError;

/// Which kind of handler panicked.
///
/// ```
/// use sdbus::server::HandlerKind;
///
/// assert_eq!(HandlerKind::PropertyGet.to_string(), "property getter");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandlerKind {
    /// A method handler.
    Method,
    /// A property getter.
    PropertyGet,
    /// A property setter.
    PropertySet,
    /// The closure of [`Bus::serve_fallback`](crate::Bus::serve_fallback)
    /// that says which objects exist.
    Lookup,
    /// A node enumerator ([`Bus::add_node_enumerator`](crate::Bus::add_node_enumerator)).
    NodeEnumerator,
}

impl fmt::Display for HandlerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HandlerKind::Method => "method handler",
            HandlerKind::PropertyGet => "property getter",
            HandlerKind::PropertySet => "property setter",
            HandlerKind::Lookup => "object lookup",
            HandlerKind::NodeEnumerator => "node enumerator",
        })
    }
}

/// A panic caught in a handler of a served object, as given to the hook
/// set with [`set_panic_hook`].
///
/// ```
/// use sdbus::server::{HandlerKind, HandlerPanic};
///
/// fn log(panic: &HandlerPanic<'_>) {
///     if panic.kind == HandlerKind::Method {
///         eprintln!("{}.{} on {} panicked: {}", panic.interface, panic.member, panic.path, panic.message);
///     }
/// }
/// sdbus::server::set_panic_hook(log);
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct HandlerPanic<'a> {
    /// Which kind of handler it was.
    pub kind: HandlerKind,
    /// Its interface (empty for a node enumerator).
    pub interface: &'a str,
    /// The method or property (empty for lookups and node enumerators).
    pub member: &'a str,
    /// The object path the handler ran for.
    pub path: &'a str,
    /// The panic's message, when its payload was a string (else empty).
    pub message: &'a str,
}

impl fmt::Display for HandlerPanic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let site = Site {
            kind: self.kind,
            interface: self.interface,
            member: self.member,
            path: self.path,
        };
        write!(f, "{site} panicked")?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// Where a handler runs: what its panics and errors are reported with.
pub(super) struct Site<'a> {
    pub(super) kind: HandlerKind,
    pub(super) interface: &'a str,
    pub(super) member: &'a str,
    pub(super) path: &'a str,
}

impl Site<'_> {
    /// Runs a handler stored in `cell`: catches a panic (counted, reported,
    /// and answered with `Failed`) and refuses to run it again while it
    /// runs (a handler that, through the bus, ends up calling itself).
    pub(super) fn run<H, R>(
        &self,
        cell: &RefCell<H>,
        handler: impl FnOnce(&mut H) -> Result<R, BusError>,
    ) -> Result<R, BusError> {
        let Ok(mut guard) = cell.try_borrow_mut() else {
            return Err(BusError::new(
                super::FAILED,
                format!("{self} was called again while it was running"),
            ));
        };
        panic::catch_unwind(AssertUnwindSafe(|| handler(&mut guard))).unwrap_or_else(|payload| {
            let message = payload_message(&*payload);
            // Dropping the payload runs foreign code too.
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(payload)));
            report(&HandlerPanic {
                kind: self.kind,
                interface: self.interface,
                member: self.member,
                path: self.path,
                message: &message,
            });
            Err(BusError::new(super::FAILED, format!("{self} panicked")))
        })
    }
}

impl fmt::Display for Site<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} ", self.kind)?;
        match (self.interface, self.member) {
            ("", _) => {}
            (interface, "") => write!(f, "of {interface} ")?,
            (interface, member) => write!(f, "of {interface}.{member} ")?,
        }
        write!(f, "at {}", self.path)
    }
}

type Hook = Box<dyn Fn(&HandlerPanic<'_>) + Send + Sync>;

static PANICS: AtomicU64 = AtomicU64::new(0);
static HOOK: RwLock<Option<Hook>> = RwLock::new(None);

/// How many handler panics were caught in this process so far.
///
/// ```
/// let before = sdbus::server::handler_panics();
/// // … a handler panics while the bus is processed …
/// assert!(sdbus::server::handler_panics() >= before);
/// ```
pub fn handler_panics() -> u64 {
    PANICS.load(Ordering::Relaxed)
}

/// Replaces what happens, process-wide, when a handler panic is caught:
/// by default a line on standard error such as `sdbus: the method handler
/// of com.example.Calculator.Div at /com/example/calc panicked: attempt to
/// divide by zero; the caller got org.freedesktop.DBus.Error.Failed`. The
/// hook runs on the thread of the bus, inside its processing; a panic in
/// the hook itself is caught and ignored.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// static SEEN: AtomicU64 = AtomicU64::new(0);
/// sdbus::server::set_panic_hook(|panic| {
///     SEEN.fetch_add(1, Ordering::Relaxed);
///     eprintln!("{panic}");
/// });
/// ```
pub fn set_panic_hook(hook: impl Fn(&HandlerPanic<'_>) + Send + Sync + 'static) {
    let mut slot = HOOK
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *slot = Some(Box::new(hook));
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        String::new()
    }
}

/// Counts and reports a caught panic.
fn report(panic: &HandlerPanic<'_>) {
    PANICS.fetch_add(1, Ordering::Relaxed);
    let _ = panic::catch_unwind(AssertUnwindSafe(|| {
        let hook = HOOK.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        match hook.as_ref() {
            Some(hook) => hook(panic),
            None if panic.kind == HandlerKind::Method => {
                eprintln!("sdbus: {panic}; the caller got {}", super::FAILED);
            }
            None => eprintln!("sdbus: {panic}"),
        }
    }));
}
