//! systemd's manager, `org.freedesktop.systemd1`, with typed methods: units,
//! services, jobs that can be waited for, and state changes delivered as
//! they happen.
//!
//! - [`Manager`]: the manager object, on whatever [`Bus`] it is given (the
//!   system bus, the user bus, or a direct connection from
//!   [`Bus::open_manager_direct`]).
//! - [`Unit`] and [`Service`]: one unit, by name (the object path is
//!   computed with [`path_encode`](crate::path::path_encode), so names with
//!   `@` or `\x2d` work) or by path.
//! - [`Job`]: what starting, stopping or restarting returns; [`Job::wait`]
//!   returns its [`JobResult`]. The `JobRemoved` signal is subscribed to
//!   before the call that creates the job, so it cannot be missed.
//! - [`UnitWatch`] and [`ManagerEvents`]: a unit's `ActiveState`/`SubState`
//!   changes and the manager's `UnitNew`/`UnitRemoved`/`JobNew`/`JobRemoved`
//!   signals, received as they are sent, without polling.
//!
//! ```no_run
//! use std::time::Duration;
//! use sdbus::systemd1::{JobMode, JobResult, Manager};
//!
//! let bus = sdbus::Bus::open_user()?;
//! let manager = Manager::new(&bus);
//! let job = manager.start_unit("foo.service", JobMode::Replace)?;
//! assert_eq!(job.wait_timeout(Duration::from_secs(30))?, Some(JobResult::Done));
//! let service = manager.unit("foo.service")?.service()?;
//! println!("{} runs as pid {}", service.name(), service.main_pid()?);
//! # Ok::<(), sdbus::Error>(())
//! ```
//!
//! Every unit name is checked before it is sent: an invalid one is an
//! [`Error::Invalid`] of kind [`InvalidKind::UnitName`] naming it. Whatever
//! has no typed method here stays reachable through the unit's
//! [`path`](Unit::path) and the bus: [`Unit::get_property`],
//! [`Unit::properties`], [`Bus::call_method`].

use crate::bus::Bus;
use crate::error::{Error, InvalidKind, Result};

mod job;
mod manager;
mod types;
mod unit;
pub(crate) mod watch;

pub use job::Job;
pub use manager::Manager;
pub use types::{
    ActiveState, JobMode, JobResult, JobType, KillWho, LoadState, QueuedJob, UnitFile,
    UnitFileChange, UnitFileChangeType, UnitFileState, UnitProcess, UnitStatus,
};
pub use unit::{Service, Unit};
pub use watch::{ManagerEvent, ManagerEvents, UnitStateChange, UnitWatch};

/// The manager's bus name.
pub const DESTINATION: &str = "org.freedesktop.systemd1";
/// The manager's object path.
pub const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
/// The prefix of units' object paths.
pub const UNIT_PATH_PREFIX: &str = "/org/freedesktop/systemd1/unit";
/// The manager's interface.
pub const MANAGER_INTERFACE: &str = "org.freedesktop.systemd1.Manager";
/// The interface every unit has.
pub const UNIT_INTERFACE: &str = "org.freedesktop.systemd1.Unit";
/// The interface of service units.
pub const SERVICE_INTERFACE: &str = "org.freedesktop.systemd1.Service";
/// The interface of jobs.
pub const JOB_INTERFACE: &str = "org.freedesktop.systemd1.Job";

/// The unit types systemd knows, as unit name suffixes.
pub(crate) const UNIT_TYPES: [&str; 11] = [
    "service",
    "socket",
    "target",
    "device",
    "mount",
    "automount",
    "swap",
    "timer",
    "path",
    "slice",
    "scope",
];

/// Checks a unit name as systemd's `unit_name_is_valid` does (plain,
/// instance or template names), so that a bad name is refused in Rust,
/// naming it, before anything is sent.
///
/// ```
/// use sdbus::systemd1::validate_unit_name;
///
/// assert!(validate_unit_name("getty@tty1.service").is_ok());
/// assert!(validate_unit_name("sys-devices-a\\x2db.device").is_ok());
/// assert!(validate_unit_name("getty@.service").is_ok());
/// assert!(validate_unit_name("no-suffix").is_err());
/// assert!(validate_unit_name("foo.bogus").is_err());
/// assert!(validate_unit_name("@foo.service").is_err());
/// ```
pub fn validate_unit_name(name: &str) -> Result<()> {
    unit_name_problem(name).map_or(Ok(()), |reason| {
        Err(Error::invalid(InvalidKind::UnitName, name, reason))
    })
}

/// Why `name` is not a valid unit name, if it is not.
fn unit_name_problem(name: &str) -> Option<&'static str> {
    // UNIT_NAME_MAX is 256 with the terminating NUL.
    if name.len() > 255 {
        return Some("is longer than 255 bytes");
    }
    let Some((prefix, suffix)) = name.rsplit_once('.') else {
        return Some("has no unit type suffix (such as .service)");
    };
    if prefix.is_empty() {
        return Some("has an empty name before the unit type");
    }
    if !UNIT_TYPES.contains(&suffix) {
        return Some("does not end in a unit type (.service, .socket, .target, …)");
    }
    let valid = |c: char| c.is_ascii_alphanumeric() || ":-_.\\@".contains(c);
    if !prefix.chars().all(valid) {
        return Some(r"contains a character other than [A-Za-z0-9:-_.\@]");
    }
    if prefix.starts_with('@') {
        return Some("starts with '@'");
    }
    None
}

/// The sender to match the manager's signals with: its bus name on a bus,
/// none on a direct connection, where messages carry no sender.
fn signal_sender(bus: &Bus) -> Option<&'static str> {
    bus.is_bus_client().then_some(DESTINATION)
}
