//! Serving objects: methods, properties and signals built from Rust
//! closures, registered with sd-bus as object vtables.
//!
//! An [`Interface`] is built from handlers; [`Bus::serve`] registers it at
//! an object path and returns a [`Slot`]: the object is served until the
//! slot is dropped (or, [`detached`](Slot::detach), as long as the bus).
//! Several interfaces can be served at one path, and one interface at many
//! paths ([`Bus::serve_fallback`] serves a whole subtree, deciding which
//! objects exist with a closure). Introspection, `org.freedesktop.DBus.Properties`
//! and `Peer` come from sd-bus itself and match what was registered.
//!
//! ```no_run
//! use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
//! use std::sync::Arc;
//!
//! use sdbus::server::{Interface, MemberFlags, RequestNameFlags};
//! use sdbus::BusError;
//!
//! # fn demo() -> sdbus::Result<()> {
//! let bus = sdbus::Bus::open_user()?;
//! let total = Arc::new(AtomicI32::new(0));
//! let (add_total, get_total) = (Arc::clone(&total), Arc::clone(&total));
//! let calculator = Interface::new("com.example.Calculator")
//!     .method("Add", move |_request, (a, b): (i32, i32)| {
//!         let sum = a.checked_add(b).ok_or_else(|| {
//!             BusError::new("com.example.Calculator.Overflow", format!("{a} + {b} overflows"))
//!         })?;
//!         add_total.fetch_add(sum, Ordering::Relaxed);
//!         Ok((sum,))
//!     })
//!     .arg_names(["a", "b", "sum"])
//!     .property_ro("Total", move |_| Ok(get_total.load(Ordering::Relaxed)))
//!     .flags(MemberFlags::EMITS_INVALIDATION)
//!     .signal::<(String,)>("Cleared")
//!     .arg_names(["reason"]);
//! let _object = bus.serve("/com/example/calc", calculator)?;
//! assert!(bus.request_name("com.example.Calculator", RequestNameFlags::empty())?.is_owner());
//! let stop = AtomicBool::new(false);
//! bus.run_until(|| stop.load(Ordering::Relaxed))?;
//! # Ok(()) }
//! ```
//!
//! # Handlers
//! Handlers are closures that are [`Send`] and `'static`: they are stored
//! in the bus, which may move to another thread. They run inside
//! [`Bus::process`] (or [`Bus::run_until`]) on the thread that owns the bus,
//! one at a time, so state they share needs `Arc` and atomics or a `Mutex`
//! only because of `Send`, never for concurrency. A handler may use the bus
//! through [`Request::bus`]: to make calls, emit signals, or serve more
//! objects, but a handler that (through such a call) ends up invoking
//! itself gets an error instead of running twice at once.
//!
//! - A method gets a [`Request`] (sender, path, credentials, the call
//!   message) and its arguments, read as one tuple with
//!   [`ReadArgs`](crate::ReadArgs); it returns a tuple of results, appended
//!   with [`AppendArgs`], or a [`BusError`] that the caller
//!   receives with its name and message. The input and output signatures
//!   are derived from those types; [`Interface::method_dynamic`] declares
//!   them instead and works on the messages directly. sd-bus refuses calls
//!   whose arguments do not match the input signature (`InvalidArgs`)
//!   before the handler runs.
//! - A property has a getter and, if writable, a setter; both get a
//!   [`PropertyContext`]. After a successful `Set`, a property flagged
//!   [`EMITS_CHANGE`](MemberFlags::EMITS_CHANGE) or
//!   [`EMITS_INVALIDATION`](MemberFlags::EMITS_INVALIDATION) announces the
//!   change with `PropertiesChanged` by itself; changes made otherwise are
//!   announced with [`Bus::emit_properties_changed`].
//! - A signal is declared with its argument types, for introspection, and
//!   emitted with [`Bus::emit_signal`].
//!
//! `?` works in handlers on both [`BusError`] and this crate's [`Error`]:
//! errors that are not D-Bus errors become `InvalidArgs` (for values that
//! could not be read) or `Failed`.
//!
//! # Panics in handlers
//! A panic never unwinds into sd-bus: it is caught at the C boundary, the
//! caller gets an `org.freedesktop.DBus.Error.Failed` reply saying that the
//! handler panicked (without the panic's message, which stays local), and
//! the server keeps serving. The panic is not resumed: it is counted
//! ([`handler_panics`]) and reported to the hook set with
//! [`set_panic_hook`] (by default a line on standard error, after the
//! usual message of Rust's own panic hook).
//!
//! # Access control
//! On connections sd-bus does not trust, which include the system bus but
//! not the user bus, methods and writable properties are privileged by
//! default: callers need the server's user id, or to be root, or to have
//! `CAP_SYS_ADMIN`; sd-bus answers others `AccessDenied` and introspection
//! marks these members `org.freedesktop.systemd1.Privileged`. Mark members
//! that anyone may use [`UNPRIVILEGED`](MemberFlags::UNPRIVILEGED) (the bus
//! daemon's policy still applies).
//!
//! # Names and the object manager
//! [`Bus::request_name`] and [`Bus::release_name`] own well-known names;
//! [`Bus::add_object_manager`] serves `org.freedesktop.DBus.ObjectManager`
//! for a subtree, announced with [`Bus::emit_interfaces_added`] and
//! [`Bus::emit_interfaces_removed`]; [`Bus::add_node_enumerator`] lists
//! objects that exist only through a fallback.

mod interface;
mod names;
mod object_manager;
mod panic;
mod request;
mod vtable;

use std::ffi::c_char;
use std::ptr;
use std::time::Duration;

use libsystemd_sys as sys;

pub use interface::{Interface, MemberFlags};
pub use names::{ReleaseNameReply, RequestNameFlags, RequestNameReply};
pub use panic::{handler_panics, set_panic_hook, HandlerKind, HandlerPanic};
pub use request::{PropertyContext, Request};

use crate::bus::Bus;
use crate::cstr::CStrBuf;
use crate::error::{check, BusError, Error, InvalidKind, Result};
use crate::names::{InterfaceName, MemberName, ObjectPath};
use crate::types::AppendArgs;
#[cfg(doc)]
use crate::Slot;

/// How long [`Bus::run_until`] waits for the bus at most before it checks
/// its stop condition again: the longest a stop request can go unnoticed
/// while the bus is idle.
///
/// ```
/// assert_eq!(sdbus::server::RUN_POLL_INTERVAL.as_millis(), 100);
/// ```
pub const RUN_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The error name of a handler's failure that is not a D-Bus error.
const FAILED: &str = "org.freedesktop.DBus.Error.Failed";

/// The error name of arguments or values that could not be read.
const INVALID_ARGS: &str = "org.freedesktop.DBus.Error.InvalidArgs";

/// Lets handlers use `?` on this crate's results: a D-Bus error stays
/// itself; values that could not be read or were refused become
/// `org.freedesktop.DBus.Error.InvalidArgs`, anything else
/// `org.freedesktop.DBus.Error.Failed`, with the error's text as message.
///
/// ```
/// use sdbus::{BusError, Error};
///
/// let mismatch = Error::TypeMismatch { expected: "s".into(), found: "i".into() };
/// let error = BusError::from(mismatch);
/// assert_eq!(error.name(), "org.freedesktop.DBus.Error.InvalidArgs");
/// assert!(error.message().contains("expected signature \"s\""));
/// ```
impl From<Error> for BusError {
    fn from(error: Error) -> BusError {
        match error {
            Error::Bus(error) => error,
            Error::Invalid { .. } | Error::TypeMismatch { .. } => {
                BusError::new(INVALID_ARGS, error.to_string())
            }
            other => BusError::new(FAILED, other.to_string()),
        }
    }
}

impl Bus {
    /// Serves requests until `stop` returns true: processes everything
    /// pending, then waits for more. `stop` is checked before each message
    /// is processed and, while the bus is idle, at least every
    /// [`RUN_POLL_INTERVAL`] (100 ms): that is how long a stop request made
    /// from another thread (such as an `AtomicBool` being set) can take to
    /// be noticed. Runs on the calling thread, which owns the bus; use a
    /// thread of your own to serve in the background.
    ///
    /// Returns an error if the connection fails or is closed. A panic in a
    /// match or asynchronous-reply callback is resumed from here, as from
    /// [`Bus::process`]; panics in served handlers are not (see the
    /// [module documentation](self)).
    ///
    /// ```no_run
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// # fn demo() -> sdbus::Result<()> {
    /// let stop = Arc::new(AtomicBool::new(false));
    /// let server_stop = Arc::clone(&stop);
    /// let server = std::thread::spawn(move || -> sdbus::Result<()> {
    ///     let bus = sdbus::Bus::open_user()?;
    ///     // … bus.serve(…), bus.request_name(…) …
    ///     bus.run_until(|| server_stop.load(Ordering::Relaxed))
    /// });
    /// // … later:
    /// stop.store(true, Ordering::Relaxed);
    /// server.join().expect("the server thread panicked")?;
    /// # Ok(()) }
    /// ```
    pub fn run_until(&self, mut stop: impl FnMut() -> bool) -> Result<()> {
        loop {
            if stop() {
                return Ok(());
            }
            if !self.process()? {
                self.wait(Some(RUN_POLL_INTERVAL))?;
            }
        }
    }

    /// Emits the signal `interface.member` from the object at `path`, with
    /// `args` (a tuple, `()` for none) as its body.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// bus.emit_signal("/com/example/calc", "com.example.Calculator", "Cleared", &("reset",))?;
    /// # Ok(()) }
    /// ```
    pub fn emit_signal<A: AppendArgs + ?Sized>(
        &self,
        path: &str,
        interface: &str,
        member: &str,
        args: &A,
    ) -> Result<()> {
        let mut signal = self.new_signal(path, interface, member)?;
        signal.append_args(args)?;
        self.send(&signal)?;
        Ok(())
    }

    /// Emits `org.freedesktop.DBus.Properties.PropertiesChanged` for the
    /// properties `names` of `interface` served at `path`: those flagged
    /// [`EMITS_CHANGE`](MemberFlags::EMITS_CHANGE) with their current
    /// values (their getters run now), those flagged
    /// [`EMITS_INVALIDATION`](MemberFlags::EMITS_INVALIDATION) as
    /// invalidated. Nothing is sent for an empty list. (A successful `Set`
    /// announces itself: this is for changes made otherwise.)
    ///
    /// A property that is not served there, or does not announce its
    /// changes, is an [`Error::Invalid`].
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// bus.emit_properties_changed("/com/example/calc", "com.example.Calculator", &["Total"])?;
    /// # Ok(()) }
    /// ```
    pub fn emit_properties_changed(
        &self,
        path: &str,
        interface: &str,
        names: &[&str],
    ) -> Result<()> {
        let path_c = CStrBuf::validated(path, InvalidKind::ObjectPath, ObjectPath::validate)?;
        let interface_c = CStrBuf::validated(
            interface,
            InvalidKind::InterfaceName,
            InterfaceName::validate,
        )?;
        let ret = with_strv(
            names,
            InvalidKind::MemberName,
            MemberName::validate,
            |names| {
                // SAFETY: valid bus, NUL-terminated path and interface, and a
                // NULL-terminated list of names.
                unsafe {
                    sys::sd_bus_emit_properties_changed_strv(
                        self.as_ptr(),
                        path_c.as_ptr(),
                        interface_c.as_ptr(),
                        names,
                    )
                }
            },
        )?;
        let value = || format!("{interface}.{{{}}} at {path}", names.join(", "));
        match -ret {
            libc::ENOENT => Err(Error::invalid(
                InvalidKind::Property,
                value(),
                "is not served there",
            )),
            libc::EDOM => Err(Error::invalid(
                InvalidKind::Property,
                value(),
                "does not announce its changes (neither EMITS_CHANGE nor EMITS_INVALIDATION, or HIDDEN)",
            )),
            _ => check("sd_bus_emit_properties_changed", ret).map(drop),
        }
    }
}

/// Runs `f` with a NULL-terminated array of C copies of `items`, each
/// checked with `validate` first.
fn with_strv<R>(
    items: &[&str],
    kind: InvalidKind,
    validate: fn(&str) -> Result<()>,
    f: impl FnOnce(*mut *mut c_char) -> R,
) -> Result<R> {
    let copies = items
        .iter()
        .map(|item| CStrBuf::validated(item, kind, validate))
        .collect::<Result<Vec<_>>>()?;
    // sd-bus takes `char **` but only reads the strings.
    let mut pointers: Vec<*mut c_char> = copies
        .iter()
        .map(|copy| copy.as_ptr().cast_mut())
        .chain([ptr::null_mut()])
        .collect();
    Ok(f(pointers.as_mut_ptr()))
}
