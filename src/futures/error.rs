//! [`FutureError`]: every way running a closure in a unit can fail.

use std::fmt;

use crate::systemd1::JobResult;

/// Why a closure run in a unit did not return a value.
///
/// The outcomes of the work itself are [`Panicked`](FutureError::Panicked),
/// [`Killed`](FutureError::Killed) and [`Exited`](FutureError::Exited);
/// the unit's are [`UnitFailed`](FutureError::UnitFailed) and
/// [`StartFailed`](FutureError::StartFailed); the transport's are
/// [`Encode`](FutureError::Encode) and [`Decode`](FutureError::Decode).
/// Any other failure (the bus, `fork`, `waitpid`) is an
/// [`Sdbus`](FutureError::Sdbus) error, which [`crate::Error`] converts
/// into with `?`.
///
/// ```
/// use sdbus::futures::FutureError;
///
/// let err = FutureError::Killed { signal: libc::SIGKILL, core_dumped: false };
/// assert_eq!(err.to_string(), "the worker was killed by signal 9 (SIGKILL)");
/// let err = FutureError::from(sdbus::Error::Os { operation: "fork", errno: libc::EAGAIN });
/// assert!(matches!(err, FutureError::Sdbus(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FutureError {
    /// The manager refused to create the unit, or to move the worker into
    /// it (`StartTransientUnit` or `AttachProcessesToUnit` failed): `error`
    /// is the manager's D-Bus error, such as an unknown property.
    #[error("unit {unit} could not be started: {error}")]
    UnitFailed {
        /// The unit's name.
        unit: String,
        /// The manager's error.
        #[source]
        error: crate::Error,
    },
    /// The manager created the unit but its start job did not succeed,
    /// for instance because `User=` names no user or the placeholder could
    /// not be executed.
    #[error("unit {unit} failed to start: start job {result}, service result {service_result:?}")]
    StartFailed {
        /// The unit's name.
        unit: String,
        /// The start job's result.
        result: JobResult,
        /// The service's `Result` property, such as `"exit-code"` (empty if
        /// it could not be read).
        service_result: String,
    },
    /// The worker could not take on the unit's namespaces or credentials
    /// before running the closure; the closure did not run.
    #[error("the worker could not join its unit: {step}: {}", std::io::Error::from_raw_os_error(*.errno))]
    Setup {
        /// What failed, such as `"setns net"` or `"setuid"`.
        step: String,
        /// The errno it failed with.
        errno: i32,
    },
    /// The closure panicked.
    #[error("the closure panicked: {message}")]
    Panicked {
        /// The panic message (`"Box<dyn Any>"` for a payload that is not a
        /// string).
        message: String,
        /// Where it panicked, as `file:line:column`, if known.
        location: Option<String>,
    },
    /// The worker was killed by a signal before it returned its result:
    /// `SIGTERM` when the unit was stopped, `SIGKILL` when the kernel's
    /// out-of-memory killer enforced `MemoryMax=` (or on
    /// [`kill`](crate::futures::UnitProcess::kill)).
    #[error("the worker was killed by signal {signal}{}", SignalName(*.signal))]
    Killed {
        /// The signal number.
        signal: i32,
        /// Whether it dumped core.
        core_dumped: bool,
    },
    /// The worker exited before it returned its result: the closure called
    /// `std::process::exit`, or the worker could not reach the caller
    /// (status 125).
    #[error("the worker exited with status {code} without returning a result")]
    Exited {
        /// The exit status.
        code: i32,
    },
    /// The closure's value could not be appended to a message in the
    /// worker (such as a string with a NUL byte).
    #[error("the result could not be encoded: {0}")]
    Encode(String),
    /// The worker's message could not be read back as the expected type.
    #[error("the result could not be decoded: {0}")]
    Decode(#[source] crate::Error),
    /// The pool task never ran: the pool was terminated first, or its
    /// dispatcher had stopped.
    #[error("the task was cancelled before it ran")]
    Cancelled,
    /// Talking to the manager or the worker, or creating the worker, failed.
    #[error(transparent)]
    Sdbus(#[from] crate::Error),
}

/// `" (SIGKILL)"` for the signals whose names are worth showing.
struct SignalName(i32);

impl fmt::Display for SignalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            libc::SIGHUP => "SIGHUP",
            libc::SIGINT => "SIGINT",
            libc::SIGQUIT => "SIGQUIT",
            libc::SIGILL => "SIGILL",
            libc::SIGABRT => "SIGABRT",
            libc::SIGBUS => "SIGBUS",
            libc::SIGFPE => "SIGFPE",
            libc::SIGKILL => "SIGKILL",
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGPIPE => "SIGPIPE",
            libc::SIGALRM => "SIGALRM",
            libc::SIGTERM => "SIGTERM",
            libc::SIGUSR1 => "SIGUSR1",
            libc::SIGUSR2 => "SIGUSR2",
            libc::SIGXCPU => "SIGXCPU",
            _ => return Ok(()),
        };
        write!(f, " ({name})")
    }
}

/// An `Error::Os` for a failed system call, from `errno`.
pub(crate) fn last_os_error(operation: &'static str) -> crate::Error {
    crate::Error::Os {
        operation,
        errno: std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO),
    }
}
