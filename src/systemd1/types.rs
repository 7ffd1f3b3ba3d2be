//! The manager's typed values: the strings it exchanges as enums (job
//! modes, unit states, job results…) and the rows of its list methods.

use std::fmt;

use crate::error::Result;
use crate::message::Message;
use crate::names::ObjectPath;
use crate::types::{Append, Read, SignatureBuf, Type};

/// Defines a string enum of the manager. `input` enums are only sent, so
/// every value is known; `output` enums are received, and keep a value this
/// crate does not know (from a newer systemd) in an `Other` variant.
macro_rules! string_enum {
    (
        input $(#[$doc:meta])* $name:ident {
            $($(#[$vdoc:meta])* $variant:ident = $text:literal,)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// The string systemd knows this value by.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// A string, `s`.
        impl Type for $name {
            fn write_signature(sig: &mut SignatureBuf) {
                sig.push(b's');
            }
        }

        /// Appends [`Self::as_str`].
        impl Append for $name {
            fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
                self.as_str().append_to(msg)
            }
        }
    };
    (
        output $(#[$doc:meta])* $name:ident {
            $($(#[$vdoc:meta])* $variant:ident = $text:literal,)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value this crate does not know (from a newer systemd), as sent.
            Other(String),
        }

        impl $name {
            /// The string systemd knows this value by.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// A string, `s`.
        impl Type for $name {
            fn write_signature(sig: &mut SignatureBuf) {
                sig.push(b's');
            }
        }

        /// Reads a string without copying it, unless it is an unknown value.
        impl<'m> Read<'m> for $name {
            fn read_from(msg: &'m Message<'_>) -> Result<Self> {
                <&str>::read_from(msg).map($name::from)
            }
        }
    };
}

string_enum! {
    input
    /// How a new job interacts with the jobs already queued (the `mode`
    /// argument of `StartUnit` and friends, `systemctl --job-mode=`).
    ///
    /// ```
    /// use sdbus::systemd1::JobMode;
    /// assert_eq!(JobMode::Replace.as_str(), "replace");
    /// assert_eq!(JobMode::IgnoreDependencies.to_string(), "ignore-dependencies");
    /// ```
    JobMode {
        /// Replace conflicting queued jobs (the usual mode).
        Replace = "replace",
        /// Fail if the new job conflicts with a queued one.
        Fail = "fail",
        /// Start the unit and stop every unit not needed by it (targets).
        Isolate = "isolate",
        /// Ignore every dependency of the unit.
        IgnoreDependencies = "ignore-dependencies",
        /// Ignore requirement dependencies, but keep ordering.
        IgnoreRequirements = "ignore-requirements",
        /// Like `Replace`, and the new jobs cannot be replaced in turn.
        ReplaceIrreversibly = "replace-irreversibly",
        /// Cancel every queued job first.
        Flush = "flush",
        /// Also act on the units that trigger this one (stop jobs only).
        Triggering = "triggering",
        /// Propagate a restart to the units that depend on this one
        /// (systemd 254 and later).
        RestartDependencies = "restart-dependencies",
    }
}

string_enum! {
    input
    /// Which processes of a unit a signal goes to (`systemctl --kill-whom=`).
    KillWho {
        /// The main process only.
        Main = "main",
        /// The control process (`ExecReload=`, `ExecStop=`…) only.
        Control = "control",
        /// Every process of the unit.
        All = "all",
    }
}

string_enum! {
    output
    /// A unit's `ActiveState`: the high-level state every unit type shares.
    ///
    /// ```
    /// use sdbus::systemd1::ActiveState;
    /// assert_eq!(ActiveState::from("active"), ActiveState::Active);
    /// assert_eq!(ActiveState::from("new-state").as_str(), "new-state");
    /// ```
    ActiveState {
        /// Started, running or bound.
        Active = "active",
        /// Active, and reloading its configuration.
        Reloading = "reloading",
        /// Stopped (or never started).
        Inactive = "inactive",
        /// Stopped after a failure.
        Failed = "failed",
        /// Starting.
        Activating = "activating",
        /// Stopping.
        Deactivating = "deactivating",
        /// Under maintenance (`systemctl clean` running).
        Maintenance = "maintenance",
        /// Active, and refreshing extensions (systemd 253 and later).
        Refreshing = "refreshing",
    }
}

string_enum! {
    output
    /// A unit's `LoadState`: whether its configuration could be loaded.
    LoadState {
        /// Not loaded yet.
        Stub = "stub",
        /// Loaded.
        Loaded = "loaded",
        /// No unit file was found.
        NotFound = "not-found",
        /// The unit file has a setting that makes it unusable.
        BadSetting = "bad-setting",
        /// Loading failed (see the unit's `LoadError`).
        Error = "error",
        /// Merged into another unit (an alias).
        Merged = "merged",
        /// Masked.
        Masked = "masked",
    }
}

string_enum! {
    output
    /// The result of a finished job, from the manager's `JobRemoved` signal.
    JobResult {
        /// The job succeeded.
        Done = "done",
        /// The job was cancelled before it finished.
        Canceled = "canceled",
        /// The job timed out (`JobTimeoutSec=`).
        Timeout = "timeout",
        /// The job failed: for a start job, the unit failed to start.
        Failed = "failed",
        /// A job this one depended on failed.
        Dependency = "dependency",
        /// The job was skipped: it did not apply to the unit's state.
        Skipped = "skipped",
        /// The job was invalid for the unit's type.
        Invalid = "invalid",
        /// An `Assert…=` of the unit failed.
        Assert = "assert",
        /// The unit type is not supported here.
        Unsupported = "unsupported",
        /// The job was garbage-collected before it ran.
        Collected = "collected",
        /// The unit refuses to be started more than once (`RefuseManualStart`…).
        Once = "once",
    }
}

string_enum! {
    output
    /// The type of a job, as the manager reports it.
    JobType {
        /// Start the unit.
        Start = "start",
        /// Check that the unit is active.
        VerifyActive = "verify-active",
        /// Stop the unit.
        Stop = "stop",
        /// Reload the unit.
        Reload = "reload",
        /// Restart the unit.
        Restart = "restart",
        /// Restart the unit if it is running.
        TryRestart = "try-restart",
        /// Reload the unit if it is running.
        TryReload = "try-reload",
        /// Reload the unit if it is running, else start it.
        ReloadOrStart = "reload-or-start",
        /// Do nothing (a collapsed job).
        Nop = "nop",
    }
}

string_enum! {
    output
    /// The enablement state of a unit file (`systemctl is-enabled`).
    UnitFileState {
        /// Enabled through a symlink in a `.wants/` or `.requires/` directory.
        Enabled = "enabled",
        /// Enabled for this boot only (under `/run`).
        EnabledRuntime = "enabled-runtime",
        /// Linked into the search path from elsewhere.
        Linked = "linked",
        /// Linked for this boot only.
        LinkedRuntime = "linked-runtime",
        /// An alias of another unit file.
        Alias = "alias",
        /// Masked.
        Masked = "masked",
        /// Masked for this boot only.
        MaskedRuntime = "masked-runtime",
        /// Has no `[Install]` section: cannot be enabled.
        Static = "static",
        /// Not enabled.
        Disabled = "disabled",
        /// Enabled indirectly (through `Also=` or a template).
        Indirect = "indirect",
        /// Created by a generator.
        Generated = "generated",
        /// Created at run time over D-Bus.
        Transient = "transient",
        /// The file is invalid.
        Bad = "bad",
        /// The enablement state could not be determined.
        Invalid = "invalid",
    }
}

string_enum! {
    output
    /// What [`Manager::enable_unit_files`](super::Manager::enable_unit_files)
    /// and similar calls did to one file.
    UnitFileChangeType {
        /// A symlink was created.
        Symlink = "symlink",
        /// A symlink or file was removed.
        Unlink = "unlink",
        /// The unit is masked, so nothing was done.
        IsMask = "is-mask",
        /// A symlink points to a file that does not exist.
        IsDangling = "is-dangling",
        /// The `WantedBy=`/`RequiredBy=` target does not exist.
        DestinationNotPresent = "destination-not-present",
        /// An auxiliary unit was skipped.
        AuxiliaryUnitSkipped = "auxiliary-unit-skipped",
    }
}

/// Defines a row type read from a struct of the manager's lists, through a
/// tuple of the same signature.
macro_rules! row {
    ($name:ident from $tuple:ty, |$row:pat_param| $build:expr) => {
        /// A struct, with the signature of its fields in order.
        impl Type for $name {
            fn write_signature(sig: &mut SignatureBuf) {
                <$tuple>::write_signature(sig);
            }
        }

        impl<'m> Read<'m> for $name {
            fn read_from(msg: &'m Message<'_>) -> Result<Self> {
                let $row = <$tuple>::read_from(msg)?;
                Ok($build)
            }
        }
    };
}

/// A job queued for a unit, as [`UnitStatus::job`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedJob {
    /// The job's number.
    pub id: u32,
    /// What the job does.
    pub job_type: JobType,
    /// The job's object path.
    pub path: ObjectPath,
}

/// One row of `ListUnits` (`a(ssssssouso)`), as `systemctl list-units`
/// shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitStatus {
    /// The unit's name, such as `dbus.service`.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Whether its configuration was loaded.
    pub load_state: LoadState,
    /// Its high-level state.
    pub active_state: ActiveState,
    /// Its type-specific state, such as `running` or `exited`.
    pub sub_state: String,
    /// The unit this one follows in state (devices), or `""`.
    pub following: String,
    /// The unit's object path.
    pub path: ObjectPath,
    /// The job queued for the unit, if any.
    pub job: Option<QueuedJob>,
}

row!(
    UnitStatus from (String, String, LoadState, ActiveState, String, String, ObjectPath, u32, JobType, ObjectPath),
    |(name, description, load_state, active_state, sub_state, following, path, job_id, job_type, job_path)| {
        UnitStatus {
            name,
            description,
            load_state,
            active_state,
            sub_state,
            following,
            path,
            // The manager sends id 0, type "" and path "/" for no job.
            job: (job_id != 0).then_some(QueuedJob {
                id: job_id,
                job_type,
                path: job_path,
            }),
        }
    }
);

/// One process of a unit, from `GetUnitProcesses` or a service's
/// `GetProcesses` (`a(sus)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitProcess {
    /// The control group the process is in, such as
    /// `/app.slice/foo.service`.
    pub cgroup: String,
    /// Its process id.
    pub pid: u32,
    /// Its command line, as one string.
    pub cmdline: String,
}

row!(UnitProcess from (String, u32, String), |(cgroup, pid, cmdline)| UnitProcess { cgroup, pid, cmdline });

/// One row of `ListUnitFiles` (`a(ss)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFile {
    /// The unit file's path.
    pub path: String,
    /// Its enablement state.
    pub state: UnitFileState,
}

row!(UnitFile from (String, UnitFileState), |(path, state)| UnitFile { path, state });

/// One change made by `EnableUnitFiles`, `DisableUnitFiles` and the like
/// (`a(sss)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFileChange {
    /// What was done.
    pub change: UnitFileChangeType,
    /// The file (usually a symlink) that was changed.
    pub path: String,
    /// Where a new symlink points, or `""`.
    pub destination: String,
}

row!(
    UnitFileChange from (UnitFileChangeType, String, String),
    |(change, path, destination)| UnitFileChange { change, path, destination }
);
