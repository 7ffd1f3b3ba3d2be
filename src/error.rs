//! The crate's one error type.
//!
//! Every fallible function of `sdbus` returns [`Result<T>`]. An [`Error`] is
//! one of: an errno from sd-bus or the kernel ([`Error::Os`]), a D-Bus error
//! reply from a peer ([`Error::Bus`], whose well-known names match as
//! [`BusErrorKind`]), input that was refused before it reached C
//! ([`Error::Invalid`]), a message whose contents do not have the type asked
//! for ([`Error::TypeMismatch`]), or a bus used in a forked child
//! ([`Error::Forked`]).
//!
//! ```
//! use sdbus::{BusErrorKind, Error};
//!
//! fn describe(err: &Error) -> &'static str {
//!     match err.bus_error_kind() {
//!         Some(BusErrorKind::NoSuchUnit) => "no such unit",
//!         Some(BusErrorKind::AccessDenied) => "not allowed",
//!         _ => "something else",
//!     }
//! }
//! # let _ = describe;
//! ```

use std::ffi::{c_int, CStr};
use std::fmt;

use libsystemd_sys as sys;

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `sdbus`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// sd-bus or the kernel failed with an errno while doing `operation`.
    #[error("{operation}: {}", Errno(*.errno))]
    Os {
        /// What was being done, such as `"sd_bus_open_user"`.
        operation: &'static str,
        /// The positive errno value.
        errno: i32,
    },
    /// The peer answered with a D-Bus error, or sd-bus produced one locally
    /// (a timeout, a disconnected bus).
    #[error(transparent)]
    Bus(#[from] BusError),
    /// Input was refused before anything reached C.
    #[error("invalid {kind} {value:?}: {reason}")]
    Invalid {
        /// What kind of input it was.
        kind: InvalidKind,
        /// The offending value, as given (lossily converted to UTF-8).
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A message's contents do not have the type that was asked for.
    #[error("type mismatch: expected signature {expected:?}, found {found:?}")]
    TypeMismatch {
        /// The signature the reader expected.
        expected: String,
        /// The signature actually present at the read position ("" at the
        /// end of the message or container).
        found: String,
    },
    /// A transient unit did not succeed, or its start job did not complete,
    /// where [`Run::raise_on_fail`](crate::transient::Run::raise_on_fail)
    /// asked for an error (or [`RunOutcome::into_result`](crate::transient::RunOutcome::into_result)).
    #[error("unit {unit} failed: {reason}")]
    UnitFailed {
        /// The unit's name.
        unit: String,
        /// What happened: the start job's result, or the outcome's summary.
        reason: String,
        /// How the unit's command ended, when it ran.
        outcome: Option<Box<crate::transient::RunOutcome>>,
    },
    /// A bus or message created before `fork()` was used in the child
    /// process. sd-bus connections cannot be shared across `fork()`: open a
    /// new one in the child.
    #[error("{operation}: sd-bus object used in a forked child process; open a new connection after fork()")]
    Forked {
        /// What was being done.
        operation: &'static str,
    },
}

impl Error {
    /// Builds an [`Error::Invalid`].
    pub(crate) fn invalid(
        kind: InvalidKind,
        value: impl Into<String>,
        reason: &'static str,
    ) -> Self {
        Error::Invalid {
            kind,
            value: value.into(),
            reason,
        }
    }

    /// Builds the error for a negative return value of an sd-bus function.
    pub(crate) fn from_negative_errno(operation: &'static str, ret: c_int) -> Self {
        let errno = -ret;
        if errno == libc::ECHILD {
            Error::Forked { operation }
        } else {
            Error::Os { operation, errno }
        }
    }

    /// The error for an sd-bus function that reported success but handed
    /// back no object: it never happens, but it must not be a panic.
    pub(crate) fn no_object(operation: &'static str) -> Self {
        Error::Os {
            operation,
            errno: libc::EIO,
        }
    }

    /// The positive errno this error stands for, if any. D-Bus errors map to
    /// the errno sd-bus associates with their name (`EACCES` for
    /// `AccessDenied`, `ETIMEDOUT` for `Timeout`…).
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Os { errno, .. } => Some(*errno),
            Error::Bus(e) => Some(e.errno()),
            Error::Forked { .. } => Some(libc::ECHILD),
            Error::Invalid { .. } | Error::TypeMismatch { .. } | Error::UnitFailed { .. } => None,
        }
    }

    /// The D-Bus error, if this is one.
    pub fn bus_error(&self) -> Option<&BusError> {
        match self {
            Error::Bus(e) => Some(e),
            _ => None,
        }
    }

    /// The well-known kind of the D-Bus error, if this is one. Timeouts
    /// reported as an errno (`ETIMEDOUT`) also count as
    /// [`BusErrorKind::Timeout`].
    pub fn bus_error_kind(&self) -> Option<BusErrorKind> {
        match self {
            Error::Bus(e) => Some(e.kind()),
            Error::Os { errno, .. } if *errno == libc::ETIMEDOUT => Some(BusErrorKind::Timeout),
            _ => None,
        }
    }
}

/// Turns an sd-bus return value into a `Result`: negative values are errors.
#[inline]
pub(crate) fn check(operation: &'static str, ret: c_int) -> Result<c_int> {
    if ret < 0 {
        Err(Error::from_negative_errno(operation, ret))
    } else {
        Ok(ret)
    }
}

/// What kind of input an [`Error::Invalid`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidKind {
    /// A D-Bus object path.
    ObjectPath,
    /// A bus name, unique (`:1.42`) or well-known.
    BusName,
    /// An interface name.
    InterfaceName,
    /// A method, signal or property member name.
    MemberName,
    /// A D-Bus error name.
    ErrorName,
    /// A type signature.
    Signature,
    /// A match rule.
    MatchRule,
    /// A bus address.
    Address,
    /// A property name or a property's value.
    Property,
    /// A value that does not fit the signature it is sent with.
    Value,
    /// A string that must not contain NUL bytes.
    String,
    /// An argument that is out of range.
    Argument,
    /// Introspection XML that cannot be parsed.
    Introspection,
    /// A message that is not of the kind expected (such as a
    /// `PropertiesChanged` signal).
    Message,
    /// A systemd unit name (such as `foo.service`).
    UnitName,
}

impl fmt::Display for InvalidKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidKind::ObjectPath => "object path",
            InvalidKind::BusName => "bus name",
            InvalidKind::InterfaceName => "interface name",
            InvalidKind::MemberName => "member name",
            InvalidKind::ErrorName => "error name",
            InvalidKind::Signature => "signature",
            InvalidKind::MatchRule => "match rule",
            InvalidKind::Address => "bus address",
            InvalidKind::Property => "property",
            InvalidKind::Value => "value",
            InvalidKind::String => "string",
            InvalidKind::Argument => "argument",
            InvalidKind::Introspection => "introspection data",
            InvalidKind::Message => "message",
            InvalidKind::UnitName => "unit name",
        })
    }
}

struct Errno(i32);

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = std::io::Error::from_raw_os_error(self.0);
        write!(f, "{text}")
    }
}

/// A D-Bus error: its name, message and errno.
///
/// Match well-known names with [`BusError::kind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusError {
    name: String,
    message: String,
    errno: i32,
}

impl BusError {
    /// A D-Bus error with the given name and message, for a handler to
    /// return. The errno is the one sd-bus maps the name to.
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        let name = name.into();
        let errno = BusErrorKind::from_name(&name).default_errno();
        BusError {
            name,
            message: message.into(),
            errno,
        }
    }

    /// Copies the contents of an `sd_bus_error` that is set, and frees it.
    /// Returns `None` if it is not set.
    ///
    /// # Safety
    /// `error` must be a valid, initialised `sd_bus_error`.
    pub(crate) unsafe fn take_from(error: &mut sys::sd_bus_error, ret: c_int) -> Option<Self> {
        // SAFETY: the caller guarantees `error` is valid; sd_bus_error_is_set
        // only reads its name pointer.
        if unsafe { sys::sd_bus_error_is_set(error) } == 0 {
            return None;
        }
        // SAFETY: a set error has a non-NULL, NUL-terminated name; message
        // may be NULL.
        let name = unsafe { CStr::from_ptr(error.name) }
            .to_string_lossy()
            .into_owned();
        let message = if error.message.is_null() {
            String::new()
        } else {
            // SAFETY: non-NULL message pointers of a set error are NUL-terminated.
            unsafe { CStr::from_ptr(error.message) }
                .to_string_lossy()
                .into_owned()
        };
        // SAFETY: `error` is valid; sd_bus_error_get_errno only reads it.
        let mapped = unsafe { sys::sd_bus_error_get_errno(error) };
        // SAFETY: `error` is valid and owned by the caller, who does not use
        // its (now freed) strings after this.
        unsafe { sys::sd_bus_error_free(error) };
        let errno = if ret < 0 { -ret } else { mapped };
        Some(BusError {
            name,
            message,
            errno,
        })
    }

    /// The error name, such as `org.freedesktop.DBus.Error.AccessDenied`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The errno sd-bus maps this error to.
    pub fn errno(&self) -> i32 {
        self.errno
    }

    /// The well-known kind, or [`BusErrorKind::Other`].
    pub fn kind(&self) -> BusErrorKind {
        BusErrorKind::from_name(&self.name)
    }
}

impl fmt::Display for BusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}: {}", self.name, self.message)
        }
    }
}

impl std::error::Error for BusError {}

macro_rules! bus_error_kinds {
    ($($(#[$doc:meta])* $kind:ident = $name:literal, $errno:expr;)*) => {
        /// Well-known D-Bus error names, from the D-Bus specification and
        /// from systemd's manager.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum BusErrorKind {
            $($(#[$doc])* $kind,)*
            /// Any other error name.
            Other,
        }

        impl BusErrorKind {
            /// The kind of an error name.
            pub fn from_name(name: &str) -> Self {
                match name {
                    $($name => BusErrorKind::$kind,)*
                    _ => BusErrorKind::Other,
                }
            }

            /// The error name of this kind (`None` for [`BusErrorKind::Other`]).
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $(BusErrorKind::$kind => Some($name),)*
                    BusErrorKind::Other => None,
                }
            }

            fn default_errno(self) -> i32 {
                match self {
                    $(BusErrorKind::$kind => $errno,)*
                    BusErrorKind::Other => libc::EIO,
                }
            }
        }
    };
}

bus_error_kinds! {
    /// `org.freedesktop.DBus.Error.Failed`
    Failed = "org.freedesktop.DBus.Error.Failed", libc::EACCES;
    /// `org.freedesktop.DBus.Error.NoMemory`
    NoMemory = "org.freedesktop.DBus.Error.NoMemory", libc::ENOMEM;
    /// `org.freedesktop.DBus.Error.ServiceUnknown`: no such name on the bus.
    ServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown", libc::EHOSTUNREACH;
    /// `org.freedesktop.DBus.Error.NameHasNoOwner`
    NameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner", libc::ENXIO;
    /// `org.freedesktop.DBus.Error.NoReply`: the call timed out.
    NoReply = "org.freedesktop.DBus.Error.NoReply", libc::ETIMEDOUT;
    /// `org.freedesktop.DBus.Error.IOError`
    IoError = "org.freedesktop.DBus.Error.IOError", libc::EIO;
    /// `org.freedesktop.DBus.Error.BadAddress`
    BadAddress = "org.freedesktop.DBus.Error.BadAddress", libc::EADDRNOTAVAIL;
    /// `org.freedesktop.DBus.Error.NotSupported`
    NotSupported = "org.freedesktop.DBus.Error.NotSupported", libc::EOPNOTSUPP;
    /// `org.freedesktop.DBus.Error.LimitsExceeded`
    LimitsExceeded = "org.freedesktop.DBus.Error.LimitsExceeded", libc::ENOBUFS;
    /// `org.freedesktop.DBus.Error.AccessDenied`
    AccessDenied = "org.freedesktop.DBus.Error.AccessDenied", libc::EACCES;
    /// `org.freedesktop.DBus.Error.AuthFailed`
    AuthFailed = "org.freedesktop.DBus.Error.AuthFailed", libc::EACCES;
    /// `org.freedesktop.DBus.Error.NoServer`
    NoServer = "org.freedesktop.DBus.Error.NoServer", libc::EHOSTDOWN;
    /// `org.freedesktop.DBus.Error.Timeout`
    Timeout = "org.freedesktop.DBus.Error.Timeout", libc::ETIMEDOUT;
    /// `org.freedesktop.DBus.Error.NoNetwork`
    NoNetwork = "org.freedesktop.DBus.Error.NoNetwork", libc::ENONET;
    /// `org.freedesktop.DBus.Error.AddressInUse`
    AddressInUse = "org.freedesktop.DBus.Error.AddressInUse", libc::EADDRINUSE;
    /// `org.freedesktop.DBus.Error.Disconnected`
    Disconnected = "org.freedesktop.DBus.Error.Disconnected", libc::ECONNRESET;
    /// `org.freedesktop.DBus.Error.InvalidArgs`
    InvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs", libc::EINVAL;
    /// `org.freedesktop.DBus.Error.FileNotFound`
    FileNotFound = "org.freedesktop.DBus.Error.FileNotFound", libc::ENOENT;
    /// `org.freedesktop.DBus.Error.FileExists`
    FileExists = "org.freedesktop.DBus.Error.FileExists", libc::EEXIST;
    /// `org.freedesktop.DBus.Error.UnknownMethod`
    UnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod", libc::EBADR;
    /// `org.freedesktop.DBus.Error.UnknownObject`
    UnknownObject = "org.freedesktop.DBus.Error.UnknownObject", libc::EBADR;
    /// `org.freedesktop.DBus.Error.UnknownInterface`
    UnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface", libc::EBADR;
    /// `org.freedesktop.DBus.Error.UnknownProperty`
    UnknownProperty = "org.freedesktop.DBus.Error.UnknownProperty", libc::EBADR;
    /// `org.freedesktop.DBus.Error.PropertyReadOnly`
    PropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly", libc::EROFS;
    /// `org.freedesktop.DBus.Error.UnixProcessIdUnknown`
    UnixProcessIdUnknown = "org.freedesktop.DBus.Error.UnixProcessIdUnknown", libc::ESRCH;
    /// `org.freedesktop.DBus.Error.InvalidSignature`
    InvalidSignature = "org.freedesktop.DBus.Error.InvalidSignature", libc::EINVAL;
    /// `org.freedesktop.DBus.Error.InconsistentMessage`
    InconsistentMessage = "org.freedesktop.DBus.Error.InconsistentMessage", libc::EBADMSG;
    /// `org.freedesktop.DBus.Error.MatchRuleNotFound`
    MatchRuleNotFound = "org.freedesktop.DBus.Error.MatchRuleNotFound", libc::ENOENT;
    /// `org.freedesktop.DBus.Error.MatchRuleInvalid`
    MatchRuleInvalid = "org.freedesktop.DBus.Error.MatchRuleInvalid", libc::EINVAL;
    /// `org.freedesktop.DBus.Error.InteractiveAuthorizationRequired`
    InteractiveAuthorizationRequired = "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired", libc::EACCES;
    /// `org.freedesktop.systemd1.NoSuchUnit`
    NoSuchUnit = "org.freedesktop.systemd1.NoSuchUnit", libc::ENOENT;
    /// `org.freedesktop.systemd1.NoUnitForPID`
    NoUnitForPid = "org.freedesktop.systemd1.NoUnitForPID", libc::ESRCH;
    /// `org.freedesktop.systemd1.NoUnitForInvocationID`
    NoUnitForInvocationId = "org.freedesktop.systemd1.NoUnitForInvocationID", libc::ENOENT;
    /// `org.freedesktop.systemd1.UnitExists`
    UnitExists = "org.freedesktop.systemd1.UnitExists", libc::EEXIST;
    /// `org.freedesktop.systemd1.LoadFailed`
    LoadFailed = "org.freedesktop.systemd1.LoadFailed", libc::EIO;
    /// `org.freedesktop.systemd1.BadUnitSetting`
    BadUnitSetting = "org.freedesktop.systemd1.BadUnitSetting", libc::ENOEXEC;
    /// `org.freedesktop.systemd1.JobFailed`
    JobFailed = "org.freedesktop.systemd1.JobFailed", libc::EREMOTEIO;
    /// `org.freedesktop.systemd1.NoSuchJob`
    NoSuchJob = "org.freedesktop.systemd1.NoSuchJob", libc::ENOENT;
    /// `org.freedesktop.systemd1.NotSubscribed`
    NotSubscribed = "org.freedesktop.systemd1.NotSubscribed", libc::EINVAL;
    /// `org.freedesktop.systemd1.AlreadySubscribed`
    AlreadySubscribed = "org.freedesktop.systemd1.AlreadySubscribed", libc::EINVAL;
    /// `org.freedesktop.systemd1.OnlyByDependency`
    OnlyByDependency = "org.freedesktop.systemd1.OnlyByDependency", libc::EINVAL;
    /// `org.freedesktop.systemd1.TransactionJobsConflicting`
    TransactionJobsConflicting = "org.freedesktop.systemd1.TransactionJobsConflicting", libc::EDEADLK;
    /// `org.freedesktop.systemd1.TransactionOrderIsCyclic`
    TransactionOrderIsCyclic = "org.freedesktop.systemd1.TransactionOrderIsCyclic", libc::EDEADLK;
    /// `org.freedesktop.systemd1.TransactionIsDestructive`
    TransactionIsDestructive = "org.freedesktop.systemd1.TransactionIsDestructive", libc::EDEADLK;
    /// `org.freedesktop.systemd1.UnitMasked`
    UnitMasked = "org.freedesktop.systemd1.UnitMasked", libc::ERFKILL;
    /// `org.freedesktop.systemd1.UnitGenerated`
    UnitGenerated = "org.freedesktop.systemd1.UnitGenerated", libc::EADDRNOTAVAIL;
    /// `org.freedesktop.systemd1.UnitLinked`
    UnitLinked = "org.freedesktop.systemd1.UnitLinked", libc::ELOOP;
    /// `org.freedesktop.systemd1.JobTypeNotApplicable`
    JobTypeNotApplicable = "org.freedesktop.systemd1.JobTypeNotApplicable", libc::EBADR;
    /// `org.freedesktop.systemd1.NoIsolation`
    NoIsolation = "org.freedesktop.systemd1.NoIsolation", libc::EPERM;
    /// `org.freedesktop.systemd1.ShuttingDown`
    ShuttingDown = "org.freedesktop.systemd1.ShuttingDown", libc::ECANCELED;
    /// `org.freedesktop.systemd1.ScopeNotRunning`
    ScopeNotRunning = "org.freedesktop.systemd1.ScopeNotRunning", libc::EHOSTDOWN;
    /// `org.freedesktop.systemd1.UnitInactive`
    UnitInactive = "org.freedesktop.systemd1.UnitInactive", libc::ENOLINK;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_names_round_trip() {
        for kind in [
            BusErrorKind::AccessDenied,
            BusErrorKind::NoSuchUnit,
            BusErrorKind::InteractiveAuthorizationRequired,
        ] {
            assert_eq!(BusErrorKind::from_name(kind.name().unwrap()), kind);
        }
        assert_eq!(
            BusErrorKind::from_name("com.example.Nope"),
            BusErrorKind::Other
        );
    }

    #[test]
    fn echild_means_forked() {
        assert_eq!(
            Error::from_negative_errno("sd_bus_call", -libc::ECHILD),
            Error::Forked {
                operation: "sd_bus_call"
            }
        );
        let err = Error::from_negative_errno("sd_bus_open", -libc::ENOENT);
        assert_eq!(err.errno(), Some(libc::ENOENT));
        assert!(err.to_string().starts_with("sd_bus_open: "));
    }
}
