//! Rust code in transient units: run a closure — not a command — in a
//! forked worker inside a systemd unit, so that the unit's limits and
//! sandboxing (`CPUQuota=`, `MemoryMax=`, `User=`, `PrivateNetwork=`…)
//! apply to that work, and stopping the unit ends it.
//!
//! - [`run`]: run a closure in a new unit and return its value.
//! - [`UnitProcess`]: the same in the background, with a handle: pid,
//!   unit, [`is_alive`](UnitProcess::is_alive),
//!   [`join`](UnitProcess::join), [`kill`](UnitProcess::kill),
//!   [`stop`](UnitProcess::stop).
//! - [`UnitPool`]: many closures in workers that all live in **one** unit
//!   and share its limits.
//! - [`Options`]: the properties and the manager, for all three.
//!
//! ```no_run
//! use sdbus::futures;
//! use sdbus::transient::UnitProperty;
//!
//! let mut properties = UnitProperty::parse("User=nobody")?;
//! properties.extend(UnitProperty::parse("PrivateNetwork=yes")?);
//! let (uid, gid) = futures::run(properties, || {
//!     // SAFETY: getuid and getgid cannot fail.
//!     unsafe { (libc::getuid(), libc::getgid()) }
//! })?;
//! assert_eq!((uid, gid), (65534, 65534));
//! # Ok::<(), sdbus::futures::FutureError>(())
//! ```
//!
//! The closure's value comes back marshalled with the crate's own D-Bus
//! types: it must implement [`Append`] and [`Read`] (numbers, strings,
//! tuples as structs, `Vec`, maps, [`Value`](crate::Value)…; `()` is not a
//! D-Bus value: return `true`). Its outcomes that are not a value are
//! typed [`FutureError`]s: it panicked ([`FutureError::Panicked`], with the
//! message), its worker was killed ([`FutureError::Killed`], with the
//! signal: the unit was stopped, or `MemoryMax=` was hit), the unit failed
//! to start ([`FutureError::UnitFailed`] with the manager's error,
//! [`FutureError::StartFailed`] with the job's result), the value could not
//! be read back ([`FutureError::Decode`]).
//!
//! # How a worker gets into a unit
//!
//! As pystemd's `futures` do. A transient **service** is started with the
//! caller's properties plus `Type=exec`, `Delegate=yes` and, as its main
//! process, a placeholder: `tail --pid=<caller's pid> -f /dev/null`, which
//! sleeps until the caller is gone (so a crashed caller leaves no unit
//! behind: the unit stops and takes its workers with it). `Type=exec`
//! makes the start job end only once the placeholder runs, with the
//! namespaces and credentials systemd gave it. Then, for each closure:
//!
//! 1. the caller forks a worker, which waits;
//! 2. the caller moves the worker into the service's control group
//!    (`AttachProcessesToUnit`, which `Delegate=yes` allows): from then on
//!    the unit's resource limits and accounting (`CPUQuota=`,
//!    `MemoryMax=`, `TasksMax=`, `IOWeight=`…) apply to it, and stopping
//!    the unit kills it;
//! 3. the worker enters each namespace of the placeholder that differs
//!    from its own (user, cgroup, ipc, uts, net, mount: `PrivateNetwork=`,
//!    `PrivateTmp=`, `ProtectSystem=`, `PrivateUsers=`…), with
//!    descriptors the caller opened before `fork`;
//! 4. the worker takes the placeholder's user, group and supplementary
//!    groups (read from `/proc/<pid>/status`, so whatever `User=`,
//!    `Group=`, `DynamicUser=` resolved to) when they differ from the
//!    caller's;
//! 5. the worker runs the closure and sends its report.
//!
//! Why a service and not a scope: a scope adopts processes and takes the
//! resource settings, but not the execution settings (`User=`,
//! `PrivateNetwork=`…), which only apply to processes systemd executes;
//! and a pool's unit must outlive its workers, which a scope does not
//! (it ends when its last process does). The placeholder gives both.
//!
//! What does **not** reach the closure: settings that act on the exec'd
//! process itself and cannot be copied from outside: `Environment=`,
//! `WorkingDirectory=`, `RootDirectory=`, `Nice=`, `Limit*=`, capabilities,
//! `NoNewPrivileges=`, `SystemCallFilter=` and the other seccomp filters,
//! `UMask=`. After entering a mount namespace the worker's working
//! directory is that namespace's `/`. `ExecStart=`, `ExecStartEx=` and
//! `Type=` are refused: the placeholder is the unit's main process.
//!
//! Requirements: Linux 5.3 or later (pidfds), `tail` in `$PATH`, `/usr/bin`
//! or `/bin`; the caller must see pids as the manager does (same pid
//! namespace); changing user and entering namespaces need root, so an
//! unprivileged caller can use a user manager's resource settings but not
//! `User=`.
//!
//! # The result's way back
//!
//! Before `fork`, the caller makes a socket pair. Once in the unit, the
//! worker opens a peer-to-peer D-Bus connection of its own on its end
//! (never a connection of the caller's: sd-bus connections cannot cross
//! `fork`) and sends one signal: the value (its body is the value, of the
//! value's own signature), the panic message, or the setup step that
//! failed. The caller serves its end as the connection's server on a
//! thread of its own (inline for [`run`]), so a worker never waits for the
//! caller to ask, and reads the value back with the type asked for. It
//! waits for the worker's exit on a pidfd, so a report is complete once
//! the worker has exited even if other workers still hold a copy of the
//! socket; without a report, the wait status says what happened
//! ([`FutureError::Killed`], [`FutureError::Exited`]). A value may even
//! carry file descriptors (`OwnedFd`), passed over the socket.
//!
//! # Fork safety
//!
//! `fork` in a multi-threaded program copies the whole memory but only
//! the calling thread: a lock that another thread held at that moment is
//! held forever in the worker, and data it was changing is half changed.
//! What this module does about it:
//!
//! - Everything the worker needs from the caller is prepared before
//!   `fork`: the socket pair, the namespace descriptors, the credentials,
//!   the closure. After `fork`, until the closure runs, the worker makes
//!   system calls, allocates through the C allocator, builds a new sd-bus
//!   connection, and replaces its panic hook, and nothing else: it takes
//!   none of the standard library's stdout, stderr or environment locks.
//! - Allocation is safe: glibc's `malloc` (and musl's since 1.2.1) take
//!   their locks around `fork`, so the worker's allocator is consistent.
//!   Rust's global allocator is the C one unless the program sets another
//!   (`#[global_allocator]`): that one must be fork-safe too.
//! - The worker's panic hook records the location and prints nothing: the
//!   default hook writes to stderr, whose lock another thread may have held
//!   at `fork`. Replacing the hook takes the hook's own lock, held only
//!   while another thread runs a panic hook.
//! - The worker unblocks every signal and restores the default action of
//!   `SIGTERM`, `SIGINT`, `SIGHUP` and `SIGQUIT`, so that stopping the unit
//!   ends it even if the caller handles those.
//! - The worker ends with `_exit`: no `atexit` handler or destructor of the
//!   caller's state runs twice, and buffered output of the caller is not
//!   written twice.
//!
//! What remains the closure's responsibility: it runs arbitrary code in
//! that copy, so it must not take a lock that another thread of the
//! caller may have held at `fork`: `println!`/`eprintln!` and
//! `std::io::stdout().lock()` (the stdout/stderr locks), `std::env::var`
//! and `set_var` (the environment lock, held while another thread changes
//! the environment), any `Mutex` or `RwLock` shared with the caller's
//! other threads, a logger's lock, a runtime's (an async executor's threads
//! do not exist in the worker). Writing with `libc::write` or to a file
//! it opens itself is safe, and so is starting threads of its own. The
//! closure works on a copy of the caller's memory: it may borrow the
//! caller's data, but its changes are not seen by the caller; descriptors
//! the caller had open are inherited.

mod error;
mod pool;
mod process;
mod unit;
mod worker;

pub use error::FutureError;
pub use pool::{PoolTask, UnitPool};
pub use process::UnitProcess;

use crate::bus::ManagerScope;
use crate::transient::{PropertyError, UnitProperty};
use crate::types::{Append, Read};

use self::unit::WorkUnit;

/// Where and how to run closures: the unit's properties and the manager.
///
/// ```no_run
/// use sdbus::futures::Options;
/// use sdbus::ManagerScope;
///
/// let options = Options::new()
///     .parse("CPUQuota=50%")?
///     .parse("MemoryMax=1G")?
///     .manager(ManagerScope::User);
/// let answer = options.run(|| 6 * 7u32)?;
/// let pool = options.pool(4)?;
/// # Ok::<(), sdbus::futures::FutureError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    properties: Vec<UnitProperty>,
    manager: ManagerScope,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl Options {
    /// No properties, on the system manager when running as root and the
    /// user's manager otherwise (as pystemd's `user_mode` default).
    pub fn new() -> Options {
        // SAFETY: geteuid cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        Options {
            properties: Vec::new(),
            manager: if root {
                ManagerScope::System
            } else {
                ManagerScope::User
            },
        }
    }

    /// Adds one property.
    pub fn property(mut self, property: UnitProperty) -> Options {
        self.properties.push(property);
        self
    }

    /// Adds properties.
    pub fn properties(mut self, properties: impl IntoIterator<Item = UnitProperty>) -> Options {
        self.properties.extend(properties);
        self
    }

    /// Adds the properties of a unit-file assignment such as
    /// `"CPUQuota=20%"` (see [`UnitProperty::parse`]).
    pub fn parse(self, assignment: &str) -> Result<Options, PropertyError> {
        Ok(self.properties(UnitProperty::parse(assignment)?))
    }

    /// Uses the system manager (over the system bus) or the user's (over
    /// the user's bus).
    pub fn manager(mut self, manager: ManagerScope) -> Options {
        self.manager = manager;
        self
    }

    /// The properties given so far.
    pub fn unit_properties(&self) -> &[UnitProperty] {
        &self.properties
    }

    /// Runs `f` in a worker inside a new transient service and returns its
    /// value; see [`run`].
    pub fn run<T, F>(&self, f: F) -> Result<T, FutureError>
    where
        T: Append + for<'m> Read<'m>,
        F: FnOnce() -> T,
    {
        let bus = self.open_bus()?;
        let unit = WorkUnit::start(&bus, "run", &self.properties)?;
        let outcome = worker::fork_worker(&bus, unit.name(), unit.plan(), worker::body(f))
            .and_then(worker::collect);
        // Best effort: the placeholder ends the unit with this process anyway.
        let _ = unit.stop(&bus);
        outcome
    }

    /// Starts `f` in a worker inside a new transient service; see
    /// [`UnitProcess::spawn`].
    pub fn spawn<T, F>(&self, f: F) -> Result<UnitProcess<T>, FutureError>
    where
        T: Append + for<'m> Read<'m> + Send + 'static,
        F: FnOnce() -> T,
    {
        UnitProcess::spawn_with(self, f)
    }

    /// Starts a pool of at most `max_workers` workers sharing one new
    /// transient service; see [`UnitPool`].
    pub fn pool(&self, max_workers: usize) -> Result<UnitPool, FutureError> {
        UnitPool::with_options(self, max_workers)
    }

    fn open_bus(&self) -> Result<crate::Bus, FutureError> {
        unit::open_bus(self.manager)
    }
}

/// Runs `f` in a forked worker inside a new transient service with
/// `properties`, on the default manager (see [`Options::new`]), waits for
/// it and returns its value. The unit is stopped afterwards.
///
/// `f` runs on a copy of the caller's memory: it may borrow, but what it
/// changes is not seen by the caller. See the [module
/// documentation](self) for what is safe to do in it.
///
/// ```no_run
/// use sdbus::futures::{self, FutureError};
/// use sdbus::transient::UnitProperty;
///
/// let result = futures::run(UnitProperty::parse("MemoryMax=50M")?, || {
///     let mut hog = vec![0u8; 200 << 20];
///     hog.iter_mut().step_by(4096).for_each(|b| *b = 1);
///     hog.len() as u64
/// });
/// assert!(matches!(result, Err(FutureError::Killed { signal: libc::SIGKILL, .. })));
/// # Ok::<(), sdbus::futures::FutureError>(())
/// ```
pub fn run<T, F>(properties: impl IntoIterator<Item = UnitProperty>, f: F) -> Result<T, FutureError>
where
    T: Append + for<'m> Read<'m>,
    F: FnOnce() -> T,
{
    Options::new().properties(properties).run(f)
}

impl From<PropertyError> for FutureError {
    fn from(err: PropertyError) -> FutureError {
        FutureError::Sdbus(err.into())
    }
}
