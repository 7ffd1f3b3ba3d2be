//! Safe, zero-overhead Rust bindings to libsystemd's **sd-bus**: D-Bus
//! clients and services, and systemd driven through its manager.
//!
//! ```
//! let bus = sdbus::Bus::open_system()?;
//! let manager = ("org.freedesktop.systemd1", "/org/freedesktop/systemd1");
//! let version: String =
//!     bus.get_property(manager.0, manager.1, "org.freedesktop.systemd1.Manager", "Version")?;
//! let reply = bus.call_method(manager.0, manager.1, "org.freedesktop.systemd1.Manager", "GetUnitByPID", &(std::process::id(),))?;
//! println!("systemd {version}; this process runs in {}", reply.read::<sdbus::names::ObjectPath>()?);
//! # Ok::<(), sdbus::Error>(())
//! ```
//!
//! (The crate's doctests run against a real manager: `scripts/test` runs
//! them inside the project's sandbox.)
//!
//! # Concepts
//! - [`Bus`]: a connection. It is [`Send`] but not [`Sync`], since sd-bus
//!   objects may move between threads but never be used from two at once.
//!   [`Message`]s and [`Slot`]s borrow their bus, which keeps them on its
//!   thread.
//! - [`Message`]: headers and a body of typed values, appended with
//!   [`Append`] and read with [`Read`]; [`Value`] for types known only at
//!   run time; [`Variant`] for typed variants.
//! - [`names`]: validated object paths, bus, interface, member and error
//!   names and signatures. Every name given as `&str` is checked before it
//!   reaches C, and refused with an [`Error::Invalid`] naming it.
//! - [`path`]: `path_encode`/`path_decode`, as systemd names its units' objects.
//! - [`slot`]: match rules and subscriptions, asynchronous calls, served
//!   objects; dropping the [`Slot`] undoes the registration. A panic in a
//!   callback is caught at the C boundary and resumed in the caller.
//! - [`properties`], [`introspect`], [`monitor`], [`creds`]: the standard
//!   interfaces and bus tools.
//! - [`systemd1`]: systemd's manager, units, services and jobs, typed; jobs
//!   waited for without losing their result, and unit state changes
//!   received as they happen, without polling.
//! - [`object`]: pystemd's `SDObject` done right: any object, introspected
//!   once per kind, its methods called and properties read *and set* with
//!   dynamic values coerced to the introspected signatures; [`machine1`]
//!   and [`login1`] paths on top.
//! - [`server`]: serving objects from Rust handlers (vtables, properties,
//!   signals, object manager, well-known names).
//! - [`daemon`]: the service side: `sd_notify`, watchdog, socket
//!   activation, fd store.
//! - [`transient`]: `StartTransientUnit` made pleasant — [`Run`], the
//!   `systemd-run` of Rust, with every unit property typed or parsed from
//!   unit-file syntax; [`futures`]: Rust closures run inside transient
//!   units; `tokio` (feature `tokio`): an async driver for calls, signals
//!   and served objects.

#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

pub mod bus;
mod callback;
pub mod creds;
mod cstr;
pub mod daemon;
pub mod error;
pub mod futures;
pub mod introspect;
pub mod login1;
pub mod machine1;
pub mod message;
pub mod monitor;
pub mod names;
pub mod object;
pub mod path;
pub mod properties;
pub mod server;
pub mod slot;
pub mod systemd1;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod transient;
pub mod types;

pub use bus::{Bus, BusBuilder, ManagerScope};
pub use creds::Credentials;
pub use error::{BusError, BusErrorKind, Error, InvalidKind, Result};
pub use message::{ContainerKind, Message, MessageType};
pub use monitor::Monitor;
pub use properties::{Properties, PropertiesChanged};
pub use server::{Interface, Request, RequestNameFlags};
pub use slot::{PendingReply, Slot, Subscription};
pub use transient::{run, Run, RunOutcome, RunningUnit};
pub use types::{
    Append, AppendArgs, Array, Dict, IntoValue, Read, ReadArgs, SignatureBuf, Type, Value, Variant,
};

/// The README's code examples, compiled (and run, where not `no_run`) as
/// doctests so that they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
