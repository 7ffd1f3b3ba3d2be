//! The property table: every unit-file setting [`UnitProperty::parse`]
//! knows, with the D-Bus property it becomes, how its value is parsed, the
//! unit types it applies to and a sample value.
//!
//! # Coverage
//!
//! Every setting systemd 252's `systemd-run -p` (`bus_append_*_property`
//! in `src/shared/bus-unit-util.c`) handles for service, socket, timer,
//! path, slice and scope units, restricted to the unit types whose
//! transient units the 252 manager accepts it for (`Delegate=` only for
//! services and scopes, `ManagedOOM*=` not for sockets, `ExecReload=` not
//! for sockets, `OnFailure=`/`OnSuccess=` not for slices, which cannot
//! fail), plus the `Exec*Ex=` forms. Where `systemd-run` 252 sends a name
//! its own manager refuses, the table sends the one it accepts:
//! `StandardInputText=` goes to `StandardInputData`, `SmackLabelIPIn=` to
//! `SmackLabelIPin` (the manager's spelling).
//!
//! Not covered:
//! - `JobTimeoutSec=`: the 252 manager refuses `JobTimeoutUSec` for
//!   transient units (its setter falls through to "unknown property"), so
//!   `systemd-run -p JobTimeoutSec=` fails as well;
//!   `JobRunningTimeoutSec=` works.
//! - Mount and automount units, whose settings are for the system
//!   manager's file systems.
//! - Settings newer than 252 (`MemoryZSwapMax=`, `LogFilterPatterns=`…):
//!   send them with [`UnitProperty::new_raw`].
//! - D-Bus-only properties without unit-file syntax (`PIDs`, `AddRef`,
//!   `Standard*FileDescriptor`): typed constructors or
//!   [`UnitProperty::new_raw`].
//!
//! # Adding a property
//!
//! Add one line to [`TABLE`] with the [`entry`] helper (or [`same`] when
//! the D-Bus name is the unit-file name):
//!
//! ```text
//! entry("TimeoutAbortSec", "TimeoutAbortUSec", Kind::Sec, SERVICE, "10s"),
//! ```
//!
//! 1. The unit-file name, as `systemd-run -p` takes it.
//! 2. The D-Bus property it sets. For most kinds this is the property the
//!    value goes to; kinds that write into a shared list name the list
//!    (`Listen`, `TimersMonotonic`, `Paths`, `Conditions`, `Asserts`) and
//!    use the unit-file name inside each element.
//! 3. The [`Kind`]: how the value is parsed and which signature it gets.
//!    Reuse one if the syntax exists already; a new syntax needs a new
//!    variant, its expected-form text in [`Kind::expected`] and its
//!    conversion in `convert` in `property.rs`.
//! 4. The unit types it applies to: [`SERVICE`], [`SOCKET`], [`TIMER`],
//!    [`PATH`], [`SLICE`], [`SCOPE`], combined with `.or()`, or the groups
//!    of systemd's own code: [`CGROUP`], [`EXEC`], [`KILL`], [`ALL`].
//! 5. A sample value the manager accepts for every listed unit type.
//!
//! The table checks itself: `tests/transient_properties.rs` starts
//! transient units (waiting behind a blocking unit, so nothing runs) with
//! every entry's sample for every unit type it lists and fails for any
//! the manager refuses, reads the properties back, and compares the
//! result with what `systemd-run -p` makes of the same samples. A wrong
//! D-Bus name, signature, unit type or conversion shows up there.
//!
//! [`UnitProperty::parse`]: super::UnitProperty::parse
//! [`UnitProperty::new_raw`]: super::UnitProperty::new_raw

use super::property::UnitType;

/// The unit types an entry applies to, as a bit set over [`UnitType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Units(u8);

impl Units {
    /// Both sets.
    pub(crate) const fn or(self, other: Units) -> Units {
        Units(self.0 | other.0)
    }

    /// Whether `unit` is in the set.
    pub(crate) const fn contains(self, unit: UnitType) -> bool {
        self.0 & Units::of(unit).0 != 0
    }

    /// The set of one unit type.
    pub(crate) const fn of(unit: UnitType) -> Units {
        Units(match unit {
            UnitType::Service => 1,
            UnitType::Socket => 2,
            UnitType::Timer => 4,
            UnitType::Path => 8,
            UnitType::Slice => 16,
            UnitType::Scope => 32,
        })
    }
}

/// Services.
pub(crate) const SERVICE: Units = Units::of(UnitType::Service);
/// Sockets.
pub(crate) const SOCKET: Units = Units::of(UnitType::Socket);
/// Timers.
pub(crate) const TIMER: Units = Units::of(UnitType::Timer);
/// Paths.
pub(crate) const PATH: Units = Units::of(UnitType::Path);
/// Slices.
pub(crate) const SLICE: Units = Units::of(UnitType::Slice);
/// Scopes.
pub(crate) const SCOPE: Units = Units::of(UnitType::Scope);
/// Units with a cgroup: systemd's `bus_append_cgroup_property`.
pub(crate) const CGROUP: Units = SERVICE.or(SOCKET).or(SLICE).or(SCOPE);
/// Units that run processes: `bus_append_execute_property`.
pub(crate) const EXEC: Units = SERVICE.or(SOCKET);
/// Units whose processes get killed: `bus_append_kill_property`.
pub(crate) const KILL: Units = SERVICE.or(SOCKET).or(SCOPE);
/// Every unit type: `bus_append_unit_property`.
pub(crate) const ALL: Units = CGROUP.or(TIMER).or(PATH);
/// Units that can fail: every type but slices, whose `OnFailure=` and
/// `OnSuccess=` the manager ignores.
pub(crate) const CAN_FAIL: Units = SERVICE.or(SOCKET).or(TIMER).or(PATH).or(SCOPE);
/// Units whose cgroup `systemd-oomd` may act on.
pub(crate) const MANAGED_OOM: Units = SERVICE.or(SLICE).or(SCOPE);

/// The allowed values of an enumerated setting, and the text that lists
/// them for error messages.
#[derive(Debug)]
pub(crate) struct Choices {
    pub(crate) values: &'static [&'static str],
    pub(crate) expected: &'static str,
}

/// Which syntax a resource limit's values have (`rlimit_parse_one`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitValue {
    /// A plain number.
    Count,
    /// A size in bytes (1024-based suffixes).
    Bytes,
    /// A time span, rounded up to whole seconds.
    Seconds,
    /// A time span in microseconds (plain numbers are microseconds).
    Microseconds,
    /// A nice level (`-20`…`19` with a sign) or a raw value `0`…`40`.
    Nice,
}

/// How a setting's value is parsed, and into which D-Bus type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// `s`: the value as it is.
    String,
    /// `s`: one of a fixed set of values.
    Choice(&'static Choices),
    /// `s`: a boolean or one of a fixed set of values, sent as given.
    BoolOrChoice(&'static Choices),
    /// `b`.
    Bool,
    /// `as`: whitespace-separated words, quotes removed.
    Strv,
    /// `as`: words with quotes removed and C escapes resolved.
    StrvEscaped,
    /// `as`: `VAR=value` assignments, quotes removed and escapes resolved.
    Environment,
    /// `t`: a time span in microseconds.
    Sec,
    /// `t`: a time span in microseconds; empty means infinity.
    SecEmptyInfinity,
    /// `t`: a time span in nanoseconds.
    NSec,
    /// `t`: a size in bytes.
    Size,
    /// `t` bytes, `infinity`, or a percentage sent as `{name}Scale` `u`.
    /// An empty value is 0 or infinity (`empty_is_max`).
    Memory { empty_is_max: bool },
    /// `t` count, `infinity`, or a percentage sent as `TasksMaxScale` `u`.
    TasksMax,
    /// `t`: a percentage of one CPU, as microseconds per second.
    CpuQuota,
    /// `t`: a weight from `min` to `max` (`idle`: also `idle`, 0); empty
    /// resets it.
    Weight { min: u64, max: u64, idle: bool },
    /// `i`: any 32-bit integer.
    Int32,
    /// `i`: an integer from `min` to `max`.
    IntRange { min: i32, max: i32 },
    /// `u`: an unsigned 32-bit integer.
    UInt32,
    /// `x`: a signed 64-bit integer.
    Int64,
    /// `u`: an octal file mode.
    Mode,
    /// `i`: a name from a table or a number up to `max`.
    Named {
        names: &'static [(&'static str, i32)],
        max: i32,
        expected: &'static str,
    },
    /// `i`: secure bits by name.
    SecureBits,
    /// `t`: a mount propagation flag.
    MountFlags,
    /// `i`: a signal.
    Signal,
    /// `t`: a coredump filter mask.
    CoredumpFilter,
    /// `i`: an errno or `kill`.
    SeccompErrno,
    /// `u`: a percentage scaled to `u32::MAX`.
    ScaledPercent,
    /// `ay`: a CPU or NUMA node set.
    CpuSet,
    /// `ay` CPU set, or `numa` as `CPUAffinityFromNUMA` `b`.
    CpuAffinity,
    /// `ay` NUMA node set, or `all`.
    NumaMask,
    /// `b`, or a controller list as `DelegateControllers` `as`.
    Delegate,
    /// `a(ss)`: a device path and its access (`rwm`).
    DeviceAllow,
    /// `a(st)`: a device path and a bandwidth or IOPS limit.
    IoDeviceLimit,
    /// `a(st)`: a device path and a weight.
    IoDeviceWeight,
    /// `a(st)`: a device path and a latency target in microseconds.
    IoDeviceLatency,
    /// `a(iayu)`: address prefixes or `any`, `localhost`, `link-local`,
    /// `multicast`.
    IpAddresses,
    /// `as`: one path.
    SinglePath,
    /// `a(ss)`: `type:path` of a BPF program.
    BpfProgram,
    /// `a(iiqq)`: `[family:][protocol:]ports`.
    SocketBind,
    /// `a(sb)` `EnvironmentFiles`: a path, `-` to ignore a missing one.
    EnvironmentFile,
    /// `a(say)`: `id:data` (escaped text, or Base64 when `encrypted`).
    SetCredential { encrypted: bool },
    /// `a(ss)`: `id[:path]`.
    LoadCredential,
    /// `aay`: one `FIELD=value`.
    LogExtraFields,
    /// `s`, or `fd:`, `file:`, `append:`, `truncate:` forms sent as their
    /// own properties.
    Stdio,
    /// `ay`: escaped text, a newline appended.
    StdinText,
    /// `ay`: Base64 data.
    StdinData,
    /// `t` hard limit and `{name}Soft` `t`, from `soft[:hard]`.
    Limit(LimitValue),
    /// `(bs)`: a label, `-` to ignore failures.
    SecurityLabel,
    /// `t`: a capability mask, `~` to invert.
    Capabilities,
    /// `(bas)`: an allow list, or a deny list after `~`.
    FilterList,
    /// `t`: namespace flags.
    RestrictNamespaces,
    /// `a(ssbt)`: `[-]source[:destination[:options]]` entries.
    BindPaths,
    /// `a(ss)`: `path[:options]` entries.
    TemporaryFileSystem,
    /// `ay` hexadecimal hash, or a path sent as `RootHashPath`.
    RootHash,
    /// `ay` from `base64:…`, or a path sent as `RootHashSignaturePath`.
    RootHashSignature,
    /// `a(ss)`: `[partition:]options` entries.
    RootImageOptions,
    /// `a(ssba(ss))`: `[-]source:destination[:options…]` entries.
    MountImages,
    /// `a(sba(ss))`: `[-]source[:options…]` entries.
    ExtensionImages,
    /// `as` names, and `source:link` pairs as `{name}Symlink` `a(sst)`.
    Directories,
    /// `a(sasb)` command line with `-@:+!` prefixes; `a(sasas)` as
    /// `{name}Ex` when the prefixes need it.
    Exec,
    /// `(aiai)`: exit statuses and signals.
    ExitStatusSet,
    /// `TimeoutStartUSec` and `TimeoutStopUSec`, `t` each.
    TimeoutBoth,
    /// `a(ss)` `Listen`: the socket type (the name after `Listen`) and
    /// address.
    Listen,
    /// `a(st)` `TimersMonotonic`: the setting's name and a time span.
    TimerMonotonic,
    /// `a(ss)` `TimersCalendar`: the setting's name and a calendar event.
    TimerCalendar,
    /// `a(ss)` `Paths`: the setting's name and a path.
    PathSpec,
    /// `i`: an exit status 0…255, or -1 when empty.
    ActionExitStatus,
    /// `a(sbbs)` `Conditions`/`Asserts`: the setting's name, `|` trigger,
    /// `!` negation, parameter.
    Condition,
}

impl Kind {
    /// The expected form of a value, for error messages.
    pub(crate) fn expected(&self) -> &'static str {
        match self {
            Kind::String => "a string without NUL bytes",
            Kind::Choice(c) | Kind::BoolOrChoice(c) => c.expected,
            Kind::Bool => "a boolean: yes/no, true/false, on/off or 1/0",
            Kind::Strv | Kind::StrvEscaped => {
                "a whitespace-separated list of words, optionally quoted"
            }
            Kind::Environment => {
                "whitespace-separated VAR=value assignments, optionally quoted, with C escapes"
            }
            Kind::Sec => "a time span such as 5s, 1min 30s, 100ms, 2h, or infinity",
            Kind::SecEmptyInfinity => {
                "a time span such as 10ms or 1s, infinity, or empty for infinity"
            }
            Kind::NSec => "a time span in nanoseconds such as 50000, 50us or 1ms, or infinity",
            Kind::Size => "a size in bytes with an optional K, M, G, T, P or E suffix (1024-based)",
            Kind::Memory { .. } => {
                "a size in bytes with an optional K, M, G, T, P or E suffix (1024-based), \
                 a percentage of physical memory such as 50%, or infinity"
            }
            Kind::TasksMax => "a number of tasks, a percentage of the system's limit, or infinity",
            Kind::CpuQuota => "a percentage of one CPU above 0%, such as 20% or 150%",
            Kind::Weight {
                min: 1,
                max: 10_000,
                idle: true,
            } => "a weight from 1 to 10000, or idle",
            Kind::Weight {
                min: 1,
                max: 10_000,
                ..
            } => "a weight from 1 to 10000",
            Kind::Weight { min: 2, .. } => "a share count from 2 to 262144",
            Kind::Weight { .. } => "a weight from 10 to 1000",
            Kind::Int32 => "an integer",
            Kind::IntRange { min: -20, .. } => "a nice level from -20 to 19",
            Kind::IntRange { .. } => "an I/O priority from 0 to 7",
            Kind::UInt32 => "an unsigned integer",
            Kind::Int64 => "an integer",
            Kind::Mode => "an octal file mode such as 0755",
            Kind::Named { expected, .. } => expected,
            Kind::SecureBits => {
                "secure bits: keep-caps, keep-caps-locked, no-setuid-fixup, \
                 no-setuid-fixup-locked, noroot, noroot-locked"
            }
            Kind::MountFlags => "shared, slave or private",
            Kind::Signal => "a signal name such as SIGTERM or TERM, RTMIN+n, or a signal number",
            Kind::CoredumpFilter => {
                "coredump filter names (private-anonymous, shared-anonymous, \
                 private-file-backed, shared-file-backed, elf-headers, private-huge, \
                 shared-huge, private-dax, shared-dax), default, all, or hexadecimal masks"
            }
            Kind::SeccompErrno => "an errno name such as EPERM, a number up to 4095, or kill",
            Kind::ScaledPercent => "a percentage from 0% to 100%, such as 60% or 60.5%",
            Kind::CpuSet => "CPU or NUMA node numbers and ranges such as 0-3 8,9",
            Kind::CpuAffinity => "CPU numbers and ranges such as 0-3 8,9, or numa",
            Kind::NumaMask => "NUMA node numbers and ranges such as 0-1, or all",
            Kind::Delegate => "a boolean or a list of cgroup controllers",
            Kind::DeviceAllow => "a device path or class, then optionally its access: r, w, m",
            Kind::IoDeviceLimit => {
                "a device path and a limit in bytes or operations per second \
                 (1000-based K, M, G, T suffixes) or infinity, such as /dev/sda 5M"
            }
            Kind::IoDeviceWeight => "a device path and a weight from 1 to 10000",
            Kind::IoDeviceLatency => "a device path and a time span, such as /dev/sda 25ms",
            Kind::IpAddresses => {
                "IP addresses with optional prefix lengths (10.0.0.0/8 ::1), or any, \
                 localhost, link-local or multicast"
            }
            Kind::SinglePath => "a path",
            Kind::BpfProgram => "a BPF program type and path, such as egress:/sys/fs/bpf/prog",
            Kind::SocketBind => {
                "[ipv4:|ipv6:][tcp:|udp:] then a port, a port range or any, such as tcp:80"
            }
            Kind::EnvironmentFile => "a path, with a leading - if it may be missing",
            Kind::SetCredential { encrypted: false } => "ID:DATA, the data with C escapes",
            Kind::SetCredential { encrypted: true } => "ID:DATA, the data in Base64",
            Kind::LoadCredential => "ID or ID:PATH",
            Kind::LogExtraFields => "a journal field assignment FIELD=value",
            Kind::Stdio => {
                "inherit, null, tty, journal, kmsg, socket, fd:NAME, file:PATH, \
                 append:PATH, truncate:PATH and the like"
            }
            Kind::StdinText => "text with C escapes",
            Kind::StdinData => "Base64 data",
            Kind::Limit(LimitValue::Count) => "a number or infinity, or SOFT:HARD",
            Kind::Limit(LimitValue::Bytes) => {
                "a size with an optional K, M, G, T, P or E suffix (1024-based) or \
                 infinity, or SOFT:HARD"
            }
            Kind::Limit(LimitValue::Seconds) => "a time span such as 30s or infinity, or SOFT:HARD",
            Kind::Limit(LimitValue::Microseconds) => {
                "a time span (plain numbers in microseconds) or infinity, or SOFT:HARD"
            }
            Kind::Limit(LimitValue::Nice) => {
                "a nice level from -20 to 19 with its sign, or a raw value from 0 to 40, \
                 or SOFT:HARD"
            }
            Kind::SecurityLabel => "a security label, with a leading - to ignore failures",
            Kind::Capabilities => {
                "capability names such as CAP_NET_ADMIN CAP_SYS_TIME, with a leading ~ to invert"
            }
            Kind::FilterList => "a list of names, with a leading ~ for a deny list",
            Kind::RestrictNamespaces => {
                "a boolean, or namespace names (cgroup ipc net mnt pid user uts) with a \
                 leading ~ to invert"
            }
            Kind::BindPaths => "[-]SOURCE[:DESTINATION[:rbind|norbind]] entries",
            Kind::TemporaryFileSystem => "PATH[:OPTIONS] entries",
            Kind::RootHash => "a hexadecimal hash of at least 16 bytes, or an absolute path",
            Kind::RootHashSignature => "base64:DATA or an absolute path",
            Kind::RootImageOptions => "[PARTITION:]OPTIONS entries",
            Kind::MountImages => "[-]SOURCE:DESTINATION[:[PARTITION:]OPTIONS…] entries",
            Kind::ExtensionImages => "[-]SOURCE[:[PARTITION:]OPTIONS…] entries",
            Kind::Directories => "relative directory names, or SOURCE:LINK pairs",
            Kind::Exec => {
                "a command line, optionally prefixed with -, @, :, + or !, such as \
                 -/usr/bin/true or @/bin/sh sh -c 'echo hi'"
            }
            Kind::ExitStatusSet => "exit statuses (0-255 or names) and signal names",
            Kind::TimeoutBoth | Kind::TimerMonotonic => {
                "a time span such as 5s, 1min 30s, 100ms, 2h, or infinity"
            }
            Kind::Listen => "a socket address, path or name",
            Kind::TimerCalendar => "a calendar event such as daily or Mon *-*-* 09:00:00",
            Kind::PathSpec => "a path",
            Kind::ActionExitStatus => "an exit status from 0 to 255, or empty",
            Kind::Condition => "a condition parameter, optionally prefixed with | and !",
        }
    }
}

/// One setting of the property table behind [`UnitProperty::parse`]: its
/// unit-file name, the D-Bus property it sets, the unit types it applies
/// to and a sample value.
///
/// The table (424 settings) covers what systemd 252's `systemd-run -p`
/// accepts for service, socket, timer, path, slice and scope units, as far
/// as the 252 manager accepts it for transient units; it leaves out
/// `JobTimeoutSec=` (which that manager refuses for transient units),
/// mount and automount units, and settings newer than 252, which
/// [`UnitProperty::new_raw`] sends. The crate's tests start transient
/// units with every sample and compare them with what `systemd-run -p`
/// makes of them; `src/transient/table.rs` explains how to add a setting.
///
/// The whole table is [`PropertyInfo::all`]; [`PropertyInfo::find`] looks a
/// setting up by name.
///
/// [`UnitProperty::parse`]: super::UnitProperty::parse
/// [`UnitProperty::new_raw`]: super::UnitProperty::new_raw
///
/// ```
/// use sdbus::transient::{PropertyInfo, UnitType};
///
/// let quota = PropertyInfo::find("CPUQuota", UnitType::Service).unwrap();
/// assert_eq!(quota.dbus_name(), "CPUQuotaPerSecUSec");
/// assert!(quota.applies_to(UnitType::Slice));
/// assert!(!quota.applies_to(UnitType::Timer));
/// let parsed = quota.parse(quota.sample())?;
/// assert_eq!(parsed[0].name(), "CPUQuotaPerSecUSec");
/// # Ok::<(), sdbus::transient::PropertyError>(())
/// ```
#[derive(Debug)]
pub struct PropertyInfo {
    pub(crate) name: &'static str,
    pub(crate) dbus: &'static str,
    pub(crate) kind: Kind,
    pub(crate) units: Units,
    pub(crate) sample: &'static str,
}

/// A table entry.
const fn entry(
    name: &'static str,
    dbus: &'static str,
    kind: Kind,
    units: Units,
    sample: &'static str,
) -> PropertyInfo {
    PropertyInfo {
        name,
        dbus,
        kind,
        units,
        sample,
    }
}

/// An entry whose D-Bus name is its unit-file name.
const fn same(name: &'static str, kind: Kind, units: Units, sample: &'static str) -> PropertyInfo {
    entry(name, name, kind, units, sample)
}

macro_rules! choices {
    ($name:ident = [$($v:literal),+ $(,)?]) => {
        const $name: Choices = Choices {
            values: &[$($v),+],
            expected: concat!("one of: ", choices!(@join $($v),+)),
        };
    };
    (@join $first:literal $(, $rest:literal)*) => { concat!($first $(, ", ", $rest)*) };
}

choices!(DEVICE_POLICY = ["auto", "closed", "strict"]);
choices!(OOM_MODE = ["auto", "kill"]);
choices!(OOM_PREFERENCE = ["none", "avoid", "omit"]);
choices!(UTMP_MODE = ["init", "login", "user"]);
choices!(PROTECT_SYSTEM = ["full", "strict"]);
choices!(PROTECT_HOME = ["read-only", "tmpfs"]);
choices!(PRESERVE = ["restart"]);
choices!(KEYRING_MODE = ["inherit", "private", "shared"]);
choices!(PROTECT_PROC = ["default", "noaccess", "invisible", "ptraceable"]);
choices!(PROC_SUBSET = ["all", "pid"]);
choices!(KILL_MODE = ["control-group", "process", "mixed", "none"]);
choices!(SERVICE_TYPE = ["simple", "exec", "forking", "oneshot", "dbus", "notify", "idle"]);
choices!(EXIT_TYPE = ["main", "cgroup"]);
choices!(
    RESTART = [
        "no",
        "on-success",
        "on-failure",
        "on-abnormal",
        "on-watchdog",
        "on-abort",
        "always"
    ]
);
choices!(NOTIFY_ACCESS = ["none", "main", "exec", "all"]);
choices!(OOM_POLICY = ["continue", "stop", "kill"]);
choices!(FAILURE_MODE = ["terminate", "abort", "kill"]);
choices!(BIND_IPV6_ONLY = ["default", "both", "ipv6-only"]);
choices!(TIMESTAMPING = ["off", "us", "usec", "\u{b5}s", "ns", "nsec"]);
choices!(
    JOB_MODE = [
        "fail",
        "replace",
        "replace-irreversibly",
        "isolate",
        "flush",
        "ignore-dependencies",
        "ignore-requirements",
        "triggering"
    ]
);
choices!(
    ACTION = [
        "none",
        "reboot",
        "reboot-force",
        "reboot-immediate",
        "poweroff",
        "poweroff-force",
        "poweroff-immediate",
        "exit",
        "exit-force",
        "kexec",
        "kexec-force",
        "halt",
        "halt-force",
        "halt-immediate"
    ]
);
choices!(COLLECT_MODE = ["inactive", "inactive-or-failed"]);

const LOG_LEVEL: Kind = Kind::Named {
    names: &[
        ("emerg", 0),
        ("alert", 1),
        ("crit", 2),
        ("err", 3),
        ("warning", 4),
        ("notice", 5),
        ("info", 6),
        ("debug", 7),
    ],
    max: 7,
    expected: "a log level: emerg, alert, crit, err, warning, notice, info, debug or 0-7",
};

const SYSLOG_FACILITY: Kind = Kind::Named {
    names: &[
        ("kern", 0),
        ("user", 1),
        ("mail", 2),
        ("daemon", 3),
        ("auth", 4),
        ("syslog", 5),
        ("lpr", 6),
        ("news", 7),
        ("uucp", 8),
        ("cron", 9),
        ("authpriv", 10),
        ("ftp", 11),
        ("local0", 16),
        ("local1", 17),
        ("local2", 18),
        ("local3", 19),
        ("local4", 20),
        ("local5", 21),
        ("local6", 22),
        ("local7", 23),
    ],
    max: 23,
    expected: "a syslog facility such as daemon, user or local0-local7, or a number",
};

const SCHED_POLICY: Kind = Kind::Named {
    names: &[
        ("other", 0),
        ("fifo", 1),
        ("rr", 2),
        ("batch", 3),
        ("idle", 5),
    ],
    max: i32::MAX,
    expected: "a scheduling policy: other, batch, idle, fifo or rr",
};

const IOPRIO_CLASS: Kind = Kind::Named {
    names: &[
        ("none", 0),
        ("realtime", 1),
        ("best-effort", 2),
        ("idle", 3),
    ],
    max: 3,
    expected: "an I/O scheduling class: realtime, best-effort or idle",
};

const NUMA_POLICY: Kind = Kind::Named {
    names: &[
        ("default", 0),
        ("preferred", 1),
        ("bind", 2),
        ("interleave", 3),
        ("local", 4),
    ],
    max: 4,
    expected: "a NUMA policy: default, preferred, bind, interleave or local",
};

const IP_TOS: Kind = Kind::Named {
    names: &[
        ("low-delay", 0x10),
        ("throughput", 0x08),
        ("reliability", 0x04),
        ("low-cost", 0x02),
    ],
    max: 0xff,
    expected: "low-delay, throughput, reliability, low-cost or a number up to 255",
};

const IP_PROTOCOL: Kind = Kind::Named {
    names: &[("tcp", 6), ("udp", 17), ("sctp", 132), ("udplite", 136)],
    max: 255,
    expected: "an IP protocol: sctp or udplite (or tcp, udp, a number)",
};

/// Memory limits and protections: empty means infinity, or zero.
const MEM_MAX: Kind = Kind::Memory { empty_is_max: true };
const MEM_MIN: Kind = Kind::Memory {
    empty_is_max: false,
};

const WEIGHT: Kind = Kind::Weight {
    min: 1,
    max: 10_000,
    idle: false,
};
const CPU_WEIGHT: Kind = Kind::Weight {
    min: 1,
    max: 10_000,
    idle: true,
};
const SHARES: Kind = Kind::Weight {
    min: 2,
    max: 262_144,
    idle: false,
};
const BLKIO_WEIGHT: Kind = Kind::Weight {
    min: 10,
    max: 1_000,
    idle: false,
};

/// Every known setting.
#[rustfmt::skip]
pub(crate) static TABLE: &[PropertyInfo] = &[
    // Cgroup settings: services, sockets, slices, scopes.
    same("DevicePolicy", Kind::Choice(&DEVICE_POLICY), CGROUP, "closed"),
    same("Slice", Kind::String, SERVICE.or(SOCKET).or(SCOPE), "app.slice"),
    same("ManagedOOMSwap", Kind::Choice(&OOM_MODE), MANAGED_OOM, "auto"),
    same("ManagedOOMMemoryPressure", Kind::Choice(&OOM_MODE), MANAGED_OOM, "auto"),
    same("ManagedOOMPreference", Kind::Choice(&OOM_PREFERENCE), CGROUP, "avoid"),
    same("ManagedOOMMemoryPressureLimit", Kind::ScaledPercent, MANAGED_OOM, "60%"),
    same("CPUAccounting", Kind::Bool, CGROUP, "yes"),
    same("MemoryAccounting", Kind::Bool, CGROUP, "yes"),
    same("IOAccounting", Kind::Bool, CGROUP, "yes"),
    same("BlockIOAccounting", Kind::Bool, CGROUP, "yes"),
    same("TasksAccounting", Kind::Bool, CGROUP, "yes"),
    same("IPAccounting", Kind::Bool, CGROUP, "yes"),
    same("CPUWeight", CPU_WEIGHT, CGROUP, "200"),
    same("StartupCPUWeight", CPU_WEIGHT, CGROUP, "50"),
    same("IOWeight", WEIGHT, CGROUP, "200"),
    same("StartupIOWeight", WEIGHT, CGROUP, "50"),
    same("CPUShares", SHARES, CGROUP, "2048"),
    same("StartupCPUShares", SHARES, CGROUP, "512"),
    same("AllowedCPUs", Kind::CpuSet, CGROUP, "0"),
    same("StartupAllowedCPUs", Kind::CpuSet, CGROUP, "0"),
    same("AllowedMemoryNodes", Kind::CpuSet, CGROUP, "0"),
    same("StartupAllowedMemoryNodes", Kind::CpuSet, CGROUP, "0"),
    same("BlockIOWeight", BLKIO_WEIGHT, CGROUP, "500"),
    same("StartupBlockIOWeight", BLKIO_WEIGHT, CGROUP, "100"),
    same("DisableControllers", Kind::Strv, CGROUP, "io"),
    same("Delegate", Kind::Delegate, SERVICE.or(SCOPE), "yes"),
    same("MemoryMin", MEM_MIN, CGROUP, "16M"),
    same("DefaultMemoryLow", MEM_MIN, CGROUP, "16M"),
    same("DefaultMemoryMin", MEM_MIN, CGROUP, "16M"),
    same("MemoryLow", MEM_MIN, CGROUP, "32M"),
    same("MemoryHigh", MEM_MAX, CGROUP, "768M"),
    same("MemoryMax", MEM_MAX, CGROUP, "1G"),
    same("MemorySwapMax", MEM_MAX, CGROUP, "0"),
    same("MemoryLimit", MEM_MAX, CGROUP, "1G"),
    same("TasksMax", Kind::TasksMax, CGROUP, "100"),
    entry("CPUQuota", "CPUQuotaPerSecUSec", Kind::CpuQuota, CGROUP, "20%"),
    entry("CPUQuotaPeriodSec", "CPUQuotaPeriodUSec", Kind::SecEmptyInfinity, CGROUP, "10ms"),
    same("DeviceAllow", Kind::DeviceAllow, CGROUP, "/dev/null rw"),
    same("IOReadBandwidthMax", Kind::IoDeviceLimit, CGROUP, "/dev/null 10M"),
    same("IOWriteBandwidthMax", Kind::IoDeviceLimit, CGROUP, "/dev/null 10M"),
    same("IOReadIOPSMax", Kind::IoDeviceLimit, CGROUP, "/dev/null 1K"),
    same("IOWriteIOPSMax", Kind::IoDeviceLimit, CGROUP, "/dev/null 1K"),
    same("BlockIOReadBandwidth", Kind::IoDeviceLimit, CGROUP, "/dev/null 10M"),
    same("BlockIOWriteBandwidth", Kind::IoDeviceLimit, CGROUP, "/dev/null 10M"),
    same("IODeviceWeight", Kind::IoDeviceWeight, CGROUP, "/dev/null 200"),
    same("BlockIODeviceWeight", Kind::IoDeviceWeight, CGROUP, "/dev/null 500"),
    entry("IODeviceLatencyTargetSec", "IODeviceLatencyTargetUSec", Kind::IoDeviceLatency, CGROUP, "/dev/null 25ms"),
    same("IPAddressAllow", Kind::IpAddresses, CGROUP, "10.0.0.0/8 ::1"),
    same("IPAddressDeny", Kind::IpAddresses, CGROUP, "any"),
    same("IPIngressFilterPath", Kind::SinglePath, CGROUP, "/sys/fs/bpf/sdbus-example"),
    same("IPEgressFilterPath", Kind::SinglePath, CGROUP, "/sys/fs/bpf/sdbus-example"),
    same("BPFProgram", Kind::BpfProgram, CGROUP, "egress:/sys/fs/bpf/sdbus-example"),
    same("SocketBindAllow", Kind::SocketBind, CGROUP, "ipv4:tcp:8080-8089"),
    same("SocketBindDeny", Kind::SocketBind, CGROUP, "any"),
    // Execution settings: services and sockets.
    same("User", Kind::String, EXEC.or(SCOPE), "nobody"),
    same("Group", Kind::String, EXEC.or(SCOPE), "nogroup"),
    same("UtmpIdentifier", Kind::String, EXEC, "sdbus"),
    same("UtmpMode", Kind::Choice(&UTMP_MODE), EXEC, "user"),
    same("PAMName", Kind::String, EXEC, "login"),
    same("TTYPath", Kind::String, EXEC, "/dev/tty9"),
    same("WorkingDirectory", Kind::String, EXEC, "/tmp"),
    same("RootDirectory", Kind::String, EXEC, "/"),
    same("SyslogIdentifier", Kind::String, EXEC, "sdbus-example"),
    same("ProtectSystem", Kind::BoolOrChoice(&PROTECT_SYSTEM), EXEC, "strict"),
    same("ProtectHome", Kind::BoolOrChoice(&PROTECT_HOME), EXEC, "read-only"),
    same("SELinuxContext", Kind::String, EXEC, "-system_u:system_r:init_t:s0"),
    same("RootImage", Kind::String, EXEC, "/var/lib/machines/example.raw"),
    same("RootVerity", Kind::String, EXEC, "/var/lib/machines/example.verity"),
    same("RuntimeDirectoryPreserve", Kind::BoolOrChoice(&PRESERVE), EXEC, "restart"),
    same("Personality", Kind::String, EXEC, "x86-64"),
    same("KeyringMode", Kind::Choice(&KEYRING_MODE), EXEC, "private"),
    same("ProtectProc", Kind::Choice(&PROTECT_PROC), EXEC, "invisible"),
    same("ProcSubset", Kind::Choice(&PROC_SUBSET), EXEC, "pid"),
    same("NetworkNamespacePath", Kind::String, EXEC, "/proc/1/ns/net"),
    same("IPCNamespacePath", Kind::String, EXEC, "/proc/1/ns/ipc"),
    same("LogNamespace", Kind::String, EXEC, "example"),
    same("IgnoreSIGPIPE", Kind::Bool, EXEC, "no"),
    same("TTYVHangup", Kind::Bool, EXEC, "no"),
    same("TTYReset", Kind::Bool, EXEC, "no"),
    same("TTYVTDisallocate", Kind::Bool, EXEC, "no"),
    same("PrivateTmp", Kind::Bool, EXEC, "yes"),
    same("PrivateDevices", Kind::Bool, EXEC, "yes"),
    same("PrivateNetwork", Kind::Bool, EXEC, "yes"),
    same("PrivateUsers", Kind::Bool, EXEC, "yes"),
    same("PrivateMounts", Kind::Bool, EXEC, "yes"),
    same("PrivateIPC", Kind::Bool, EXEC, "yes"),
    same("NoNewPrivileges", Kind::Bool, EXEC, "yes"),
    same("SyslogLevelPrefix", Kind::Bool, EXEC, "no"),
    same("MemoryDenyWriteExecute", Kind::Bool, EXEC, "yes"),
    same("RestrictRealtime", Kind::Bool, EXEC, "yes"),
    same("DynamicUser", Kind::Bool, EXEC, "yes"),
    same("RemoveIPC", Kind::Bool, EXEC, "yes"),
    same("ProtectKernelTunables", Kind::Bool, EXEC, "yes"),
    same("ProtectKernelModules", Kind::Bool, EXEC, "yes"),
    same("ProtectKernelLogs", Kind::Bool, EXEC, "yes"),
    same("ProtectClock", Kind::Bool, EXEC, "yes"),
    same("ProtectControlGroups", Kind::Bool, EXEC, "yes"),
    same("MountAPIVFS", Kind::Bool, EXEC, "yes"),
    same("CPUSchedulingResetOnFork", Kind::Bool, EXEC, "yes"),
    same("LockPersonality", Kind::Bool, EXEC, "yes"),
    same("ProtectHostname", Kind::Bool, EXEC, "yes"),
    same("RestrictSUIDSGID", Kind::Bool, EXEC, "yes"),
    same("ReadWriteDirectories", Kind::Strv, EXEC, "/tmp"),
    same("ReadOnlyDirectories", Kind::Strv, EXEC, "/usr"),
    same("InaccessibleDirectories", Kind::Strv, EXEC, "-/nonexistent"),
    same("ReadWritePaths", Kind::Strv, EXEC, "/tmp -/var/tmp"),
    same("ReadOnlyPaths", Kind::Strv, EXEC, "/usr"),
    same("InaccessiblePaths", Kind::Strv, EXEC, "-/nonexistent"),
    same("ExecPaths", Kind::Strv, EXEC, "/usr/bin"),
    same("NoExecPaths", Kind::Strv, EXEC, "/tmp"),
    same("ExecSearchPath", Kind::Strv, EXEC, "/usr/bin /bin"),
    same("ExtensionDirectories", Kind::Strv, EXEC, "-/nonexistent"),
    same("ConfigurationDirectory", Kind::Strv, EXEC, "sdbus-example"),
    same("SupplementaryGroups", Kind::Strv, EXEC, "nogroup"),
    same("SystemCallArchitectures", Kind::Strv, EXEC, "native"),
    same("SyslogLevel", LOG_LEVEL, EXEC, "info"),
    same("LogLevelMax", LOG_LEVEL, EXEC, "debug"),
    same("SyslogFacility", SYSLOG_FACILITY, EXEC, "daemon"),
    same("SecureBits", Kind::SecureBits, EXEC, "keep-caps noroot"),
    same("CPUSchedulingPolicy", SCHED_POLICY, EXEC, "batch"),
    same("CPUSchedulingPriority", Kind::Int32, EXEC, "0"),
    same("OOMScoreAdjust", Kind::Int32, EXEC, "100"),
    same("CoredumpFilter", Kind::CoredumpFilter, EXEC, "default"),
    same("Nice", Kind::IntRange { min: -20, max: 19 }, EXEC, "5"),
    same("SystemCallErrorNumber", Kind::SeccompErrno, EXEC, "EPERM"),
    same("IOSchedulingClass", IOPRIO_CLASS, EXEC, "best-effort"),
    same("IOSchedulingPriority", Kind::IntRange { min: 0, max: 7 }, EXEC, "4"),
    same("RuntimeDirectoryMode", Kind::Mode, EXEC, "0700"),
    same("StateDirectoryMode", Kind::Mode, EXEC, "0700"),
    same("CacheDirectoryMode", Kind::Mode, EXEC, "0700"),
    same("LogsDirectoryMode", Kind::Mode, EXEC, "0700"),
    same("ConfigurationDirectoryMode", Kind::Mode, EXEC, "0755"),
    same("UMask", Kind::Mode, EXEC, "0027"),
    same("TimerSlackNSec", Kind::NSec, EXEC, "50us"),
    entry("LogRateLimitIntervalSec", "LogRateLimitIntervalUSec", Kind::Sec, EXEC, "30s"),
    same("LogRateLimitBurst", Kind::UInt32, EXEC, "1000"),
    same("TTYRows", Kind::UInt32, EXEC, "24"),
    same("TTYColumns", Kind::UInt32, EXEC, "80"),
    same("MountFlags", Kind::MountFlags, EXEC, "slave"),
    same("Environment", Kind::Environment, EXEC, "A=1 \"B=two words\""),
    same("UnsetEnvironment", Kind::StrvEscaped, EXEC, "TERM"),
    same("PassEnvironment", Kind::StrvEscaped, EXEC, "LANG"),
    entry("EnvironmentFile", "EnvironmentFiles", Kind::EnvironmentFile, EXEC, "-/etc/sdbus-example.env"),
    same("SetCredential", Kind::SetCredential { encrypted: false }, EXEC, "token:s3cr3t"),
    same("SetCredentialEncrypted", Kind::SetCredential { encrypted: true }, EXEC, "sealed:c2VjcmV0"),
    same("LoadCredential", Kind::LoadCredential, EXEC, "token:/etc/hostname"),
    same("LoadCredentialEncrypted", Kind::LoadCredential, EXEC, "sealed:/etc/hostname.cred"),
    same("LogExtraFields", Kind::LogExtraFields, EXEC, "SDBUS_EXAMPLE=1"),
    same("StandardInput", Kind::Stdio, EXEC, "null"),
    same("StandardOutput", Kind::Stdio, EXEC, "journal"),
    same("StandardError", Kind::Stdio, EXEC, "inherit"),
    entry("StandardInputText", "StandardInputData", Kind::StdinText, EXEC, "hello"),
    same("StandardInputData", Kind::StdinData, EXEC, "aGVsbG8K"),
    same("LimitCPU", Kind::Limit(LimitValue::Seconds), EXEC, "1h"),
    same("LimitFSIZE", Kind::Limit(LimitValue::Bytes), EXEC, "1G"),
    same("LimitDATA", Kind::Limit(LimitValue::Bytes), EXEC, "infinity"),
    same("LimitSTACK", Kind::Limit(LimitValue::Bytes), EXEC, "8M:infinity"),
    same("LimitCORE", Kind::Limit(LimitValue::Bytes), EXEC, "0"),
    same("LimitRSS", Kind::Limit(LimitValue::Bytes), EXEC, "infinity"),
    same("LimitNOFILE", Kind::Limit(LimitValue::Count), EXEC, "1024:4096"),
    same("LimitAS", Kind::Limit(LimitValue::Bytes), EXEC, "infinity"),
    same("LimitNPROC", Kind::Limit(LimitValue::Count), EXEC, "512"),
    same("LimitMEMLOCK", Kind::Limit(LimitValue::Bytes), EXEC, "64K"),
    same("LimitLOCKS", Kind::Limit(LimitValue::Count), EXEC, "infinity"),
    same("LimitSIGPENDING", Kind::Limit(LimitValue::Count), EXEC, "1000"),
    same("LimitMSGQUEUE", Kind::Limit(LimitValue::Bytes), EXEC, "800K"),
    same("LimitNICE", Kind::Limit(LimitValue::Nice), EXEC, "+0"),
    same("LimitRTPRIO", Kind::Limit(LimitValue::Count), EXEC, "0"),
    same("LimitRTTIME", Kind::Limit(LimitValue::Microseconds), EXEC, "200ms"),
    same("AppArmorProfile", Kind::SecurityLabel, EXEC, "-sdbus-example"),
    same("SmackProcessLabel", Kind::SecurityLabel, EXEC, "-sdbus-example"),
    same("CapabilityBoundingSet", Kind::Capabilities, EXEC, "CAP_NET_BIND_SERVICE CAP_KILL"),
    same("AmbientCapabilities", Kind::Capabilities, EXEC, "CAP_NET_BIND_SERVICE"),
    same("CPUAffinity", Kind::CpuAffinity, EXEC, "0"),
    same("NUMAPolicy", NUMA_POLICY, EXEC, "local"),
    same("NUMAMask", Kind::NumaMask, EXEC, "0"),
    same("RestrictAddressFamilies", Kind::FilterList, EXEC, "AF_UNIX AF_INET"),
    same("RestrictFileSystems", Kind::FilterList, EXEC, "~tracefs"),
    same("SystemCallFilter", Kind::FilterList, EXEC, "@system-service"),
    same("SystemCallLog", Kind::FilterList, EXEC, "~@system-service"),
    same("RestrictNetworkInterfaces", Kind::FilterList, EXEC, "lo"),
    same("RestrictNamespaces", Kind::RestrictNamespaces, EXEC, "~user"),
    same("BindPaths", Kind::BindPaths, EXEC, "/tmp:/var/tmp"),
    same("BindReadOnlyPaths", Kind::BindPaths, EXEC, "-/etc/hostname:/etc/name:norbind"),
    same("TemporaryFileSystem", Kind::TemporaryFileSystem, EXEC, "/var:ro"),
    same("RootHash", Kind::RootHash, EXEC, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
    same("RootHashSignature", Kind::RootHashSignature, EXEC, "base64:c2lnbmF0dXJl"),
    same("RootImageOptions", Kind::RootImageOptions, EXEC, "root:ro"),
    same("MountImages", Kind::MountImages, EXEC, "-/var/lib/machines/example.raw:/mnt:ro"),
    same("ExtensionImages", Kind::ExtensionImages, EXEC, "-/var/lib/extensions/example.raw"),
    same("StateDirectory", Kind::Directories, EXEC, "sdbus-example"),
    same("RuntimeDirectory", Kind::Directories, EXEC, "sdbus-example"),
    same("CacheDirectory", Kind::Directories, EXEC, "sdbus-example"),
    same("LogsDirectory", Kind::Directories, EXEC, "sdbus-example"),
    // Kill settings: services, sockets, scopes.
    same("KillMode", Kind::Choice(&KILL_MODE), KILL, "control-group"),
    same("SendSIGHUP", Kind::Bool, KILL, "yes"),
    same("SendSIGKILL", Kind::Bool, KILL, "yes"),
    same("KillSignal", Kind::Signal, KILL, "SIGINT"),
    same("RestartKillSignal", Kind::Signal, KILL, "SIGTERM"),
    same("FinalKillSignal", Kind::Signal, KILL, "SIGKILL"),
    same("WatchdogSignal", Kind::Signal, KILL, "SIGABRT"),
    // Services.
    same("PIDFile", Kind::String, SERVICE, "/run/sdbus-example.pid"),
    same("Type", Kind::Choice(&SERVICE_TYPE), SERVICE, "exec"),
    same("ExitType", Kind::Choice(&EXIT_TYPE), SERVICE, "cgroup"),
    same("Restart", Kind::Choice(&RESTART), SERVICE, "on-failure"),
    same("BusName", Kind::String, SERVICE, "com.example.Service"),
    same("NotifyAccess", Kind::Choice(&NOTIFY_ACCESS), SERVICE, "main"),
    same("USBFunctionDescriptors", Kind::String, SERVICE, "/dev/null"),
    same("USBFunctionStrings", Kind::String, SERVICE, "/dev/null"),
    same("OOMPolicy", Kind::Choice(&OOM_POLICY), SERVICE, "stop"),
    same("TimeoutStartFailureMode", Kind::Choice(&FAILURE_MODE), SERVICE, "terminate"),
    same("TimeoutStopFailureMode", Kind::Choice(&FAILURE_MODE), SERVICE, "kill"),
    same("PermissionsStartOnly", Kind::Bool, SERVICE, "no"),
    same("RootDirectoryStartOnly", Kind::Bool, SERVICE, "no"),
    same("RemainAfterExit", Kind::Bool, SERVICE, "yes"),
    same("GuessMainPID", Kind::Bool, SERVICE, "no"),
    entry("RestartSec", "RestartUSec", Kind::Sec, SERVICE, "500ms"),
    entry("TimeoutStartSec", "TimeoutStartUSec", Kind::Sec, SERVICE, "30s"),
    entry("TimeoutStopSec", "TimeoutStopUSec", Kind::Sec, SERVICE.or(SCOPE), "5s"),
    entry("TimeoutAbortSec", "TimeoutAbortUSec", Kind::Sec, SERVICE, "10s"),
    entry("RuntimeMaxSec", "RuntimeMaxUSec", Kind::Sec, SERVICE.or(SCOPE), "1h"),
    entry("RuntimeRandomizedExtraSec", "RuntimeRandomizedExtraUSec", Kind::Sec, SERVICE.or(SCOPE), "1min"),
    entry("WatchdogSec", "WatchdogUSec", Kind::Sec, SERVICE, "30s"),
    entry("TimeoutSec", "TimeoutStartUSec", Kind::TimeoutBoth, SERVICE, "1min"),
    same("FileDescriptorStoreMax", Kind::UInt32, SERVICE, "4"),
    same("ExecCondition", Kind::Exec, SERVICE, "/bin/true"),
    same("ExecStartPre", Kind::Exec, EXEC, "-/bin/true"),
    same("ExecStart", Kind::Exec, SERVICE, "/bin/true"),
    same("ExecStartPost", Kind::Exec, EXEC, "/bin/true"),
    same("ExecReload", Kind::Exec, SERVICE, "/bin/kill -HUP $MAINPID"),
    same("ExecStop", Kind::Exec, SERVICE, "/bin/true"),
    same("ExecStopPost", Kind::Exec, EXEC, "/bin/true"),
    same("ExecConditionEx", Kind::Exec, SERVICE, ":/bin/true"),
    same("ExecStartPreEx", Kind::Exec, SERVICE, "+/bin/true"),
    same("ExecStartEx", Kind::Exec, SERVICE, "/bin/true"),
    same("ExecStartPostEx", Kind::Exec, SERVICE, "!/bin/true"),
    same("ExecReloadEx", Kind::Exec, SERVICE, "-/bin/true"),
    same("ExecStopEx", Kind::Exec, SERVICE, "/bin/true"),
    same("ExecStopPostEx", Kind::Exec, SERVICE, "!!/bin/true"),
    same("RestartPreventExitStatus", Kind::ExitStatusSet, SERVICE, "42 SIGUSR1"),
    same("RestartForceExitStatus", Kind::ExitStatusSet, SERVICE, "NOTINSTALLED"),
    same("SuccessExitStatus", Kind::ExitStatusSet, SERVICE, "0 143 SIGTERM"),
    // Sockets.
    same("Accept", Kind::Bool, SOCKET, "no"),
    same("FlushPending", Kind::Bool, SOCKET, "yes"),
    same("Writable", Kind::Bool, SOCKET, "no"),
    same("KeepAlive", Kind::Bool, SOCKET, "yes"),
    same("NoDelay", Kind::Bool, SOCKET, "yes"),
    same("FreeBind", Kind::Bool, SOCKET, "yes"),
    same("Transparent", Kind::Bool, SOCKET, "no"),
    same("Broadcast", Kind::Bool, SOCKET, "no"),
    same("PassCredentials", Kind::Bool, SOCKET, "yes"),
    same("PassSecurity", Kind::Bool, SOCKET, "yes"),
    same("PassPacketInfo", Kind::Bool, SOCKET, "yes"),
    same("ReusePort", Kind::Bool, SOCKET, "yes"),
    same("RemoveOnStop", Kind::Bool, SOCKET, "yes"),
    same("SELinuxContextFromNet", Kind::Bool, SOCKET, "no"),
    same("Priority", Kind::Int32, SOCKET, "6"),
    same("IPTTL", Kind::Int32, SOCKET, "64"),
    same("Mark", Kind::Int32, SOCKET, "1"),
    same("IPTOS", IP_TOS, SOCKET, "low-delay"),
    same("Backlog", Kind::UInt32, SOCKET, "128"),
    same("MaxConnections", Kind::UInt32, SOCKET, "64"),
    same("MaxConnectionsPerSource", Kind::UInt32, SOCKET, "8"),
    same("KeepAliveProbes", Kind::UInt32, SOCKET, "9"),
    same("TriggerLimitBurst", Kind::UInt32, SOCKET.or(PATH), "20"),
    same("SocketMode", Kind::Mode, SOCKET, "0660"),
    same("DirectoryMode", Kind::Mode, SOCKET.or(PATH), "0755"),
    same("MessageQueueMaxMessages", Kind::Int64, SOCKET, "10"),
    same("MessageQueueMessageSize", Kind::Int64, SOCKET, "8192"),
    entry("TimeoutSec", "TimeoutUSec", Kind::Sec, SOCKET, "1min"),
    entry("KeepAliveTimeSec", "KeepAliveTimeUSec", Kind::Sec, SOCKET, "2h"),
    entry("KeepAliveIntervalSec", "KeepAliveIntervalUSec", Kind::Sec, SOCKET, "75s"),
    entry("DeferAcceptSec", "DeferAcceptUSec", Kind::Sec, SOCKET, "1s"),
    entry("TriggerLimitIntervalSec", "TriggerLimitIntervalUSec", Kind::Sec, SOCKET.or(PATH), "2s"),
    same("ReceiveBuffer", Kind::Size, SOCKET, "256K"),
    same("SendBuffer", Kind::Size, SOCKET, "256K"),
    same("PipeSize", Kind::Size, SOCKET, "64K"),
    same("SmackLabel", Kind::String, SOCKET, "sdbus-example"),
    // The manager spells it so.
    entry("SmackLabelIPIn", "SmackLabelIPin", Kind::String, SOCKET, "sdbus-example"),
    same("SmackLabelIPOut", Kind::String, SOCKET, "sdbus-example"),
    same("TCPCongestion", Kind::String, SOCKET, "cubic"),
    same("BindToDevice", Kind::String, SOCKET, "lo"),
    same("BindIPv6Only", Kind::Choice(&BIND_IPV6_ONLY), SOCKET, "both"),
    same("FileDescriptorName", Kind::String, SOCKET, "example"),
    same("SocketUser", Kind::String, SOCKET, "root"),
    same("SocketGroup", Kind::String, SOCKET, "root"),
    same("Timestamping", Kind::Choice(&TIMESTAMPING), SOCKET, "us"),
    same("Symlinks", Kind::Strv, SOCKET, "/run/sdbus-example.link"),
    same("SocketProtocol", IP_PROTOCOL, SOCKET, "sctp"),
    entry("ListenStream", "Listen", Kind::Listen, SOCKET, "127.0.0.1:47001"),
    entry("ListenDatagram", "Listen", Kind::Listen, SOCKET, "127.0.0.1:47002"),
    entry("ListenSequentialPacket", "Listen", Kind::Listen, SOCKET, "/run/sdbus-example.seqpacket"),
    entry("ListenNetlink", "Listen", Kind::Listen, SOCKET, "kobject-uevent 1"),
    entry("ListenSpecial", "Listen", Kind::Listen, SOCKET, "/dev/null"),
    entry("ListenMessageQueue", "Listen", Kind::Listen, SOCKET, "/sdbus-example"),
    entry("ListenFIFO", "Listen", Kind::Listen, SOCKET, "/run/sdbus-example.fifo"),
    entry("ListenUSBFunction", "Listen", Kind::Listen, SOCKET, "/dev/usb-ffs/sdbus-example"),
    // Timers.
    same("WakeSystem", Kind::Bool, TIMER, "no"),
    same("RemainAfterElapse", Kind::Bool, TIMER, "yes"),
    same("Persistent", Kind::Bool, TIMER, "no"),
    same("OnTimezoneChange", Kind::Bool, TIMER, "yes"),
    same("OnClockChange", Kind::Bool, TIMER, "yes"),
    same("FixedRandomDelay", Kind::Bool, TIMER, "yes"),
    entry("AccuracySec", "AccuracyUSec", Kind::Sec, TIMER, "1s"),
    entry("RandomizedDelaySec", "RandomizedDelayUSec", Kind::Sec, TIMER, "10s"),
    entry("OnActiveSec", "TimersMonotonic", Kind::TimerMonotonic, TIMER, "1h"),
    entry("OnBootSec", "TimersMonotonic", Kind::TimerMonotonic, TIMER, "1h"),
    entry("OnStartupSec", "TimersMonotonic", Kind::TimerMonotonic, TIMER, "1h"),
    entry("OnUnitActiveSec", "TimersMonotonic", Kind::TimerMonotonic, TIMER, "1h"),
    entry("OnUnitInactiveSec", "TimersMonotonic", Kind::TimerMonotonic, TIMER, "1h"),
    entry("OnCalendar", "TimersCalendar", Kind::TimerCalendar, TIMER, "Mon *-*-* 09:00:00"),
    // Paths.
    same("MakeDirectory", Kind::Bool, PATH, "yes"),
    entry("PathExists", "Paths", Kind::PathSpec, PATH, "/run/sdbus-example"),
    entry("PathExistsGlob", "Paths", Kind::PathSpec, PATH, "/run/sdbus-*"),
    entry("PathChanged", "Paths", Kind::PathSpec, PATH, "/run/sdbus-example"),
    entry("PathModified", "Paths", Kind::PathSpec, PATH, "/run/sdbus-example"),
    entry("DirectoryNotEmpty", "Paths", Kind::PathSpec, PATH, "/run/sdbus-example.d"),
    // Every unit.
    same("Description", Kind::String, ALL, "An example unit"),
    same("SourcePath", Kind::String, ALL, "/dev/null"),
    same("OnFailureJobMode", Kind::Choice(&JOB_MODE), ALL, "replace"),
    same("JobTimeoutAction", Kind::Choice(&ACTION), ALL, "none"),
    same("JobTimeoutRebootArgument", Kind::String, ALL, ""),
    same("StartLimitAction", Kind::Choice(&ACTION), ALL, "none"),
    same("FailureAction", Kind::Choice(&ACTION), ALL, "none"),
    same("SuccessAction", Kind::Choice(&ACTION), ALL, "none"),
    same("RebootArgument", Kind::String, ALL, ""),
    same("CollectMode", Kind::Choice(&COLLECT_MODE), ALL, "inactive-or-failed"),
    same("StopWhenUnneeded", Kind::Bool, ALL, "no"),
    same("RefuseManualStart", Kind::Bool, ALL, "no"),
    same("RefuseManualStop", Kind::Bool, ALL, "no"),
    same("AllowIsolate", Kind::Bool, ALL, "no"),
    same("IgnoreOnIsolate", Kind::Bool, ALL, "yes"),
    same("DefaultDependencies", Kind::Bool, ALL, "yes"),
    entry("JobRunningTimeoutSec", "JobRunningTimeoutUSec", Kind::Sec, ALL, "1h"),
    entry("StartLimitIntervalSec", "StartLimitIntervalUSec", Kind::Sec, ALL, "10s"),
    same("StartLimitBurst", Kind::UInt32, ALL, "5"),
    same("SuccessActionExitStatus", Kind::ActionExitStatus, ALL, "0"),
    same("FailureActionExitStatus", Kind::ActionExitStatus, ALL, ""),
    same("Documentation", Kind::Strv, ALL, "man:systemd-run(1) https://example.com/"),
    same("RequiresMountsFor", Kind::Strv, ALL, "/tmp"),
    same("Markers", Kind::Strv, ALL, "needs-restart"),
    same("Requires", Kind::Strv, ALL, "basic.target"),
    same("Requisite", Kind::Strv, ALL, "basic.target"),
    same("Wants", Kind::Strv, ALL, "basic.target"),
    same("BindsTo", Kind::Strv, ALL, "basic.target"),
    same("PartOf", Kind::Strv, ALL, "basic.target"),
    same("Upholds", Kind::Strv, ALL, "basic.target"),
    same("Conflicts", Kind::Strv, ALL, "sdbus-example.service"),
    same("Before", Kind::Strv, ALL, "sdbus-example.service"),
    same("After", Kind::Strv, ALL, "basic.target"),
    same("OnSuccess", Kind::Strv, CAN_FAIL, "sdbus-example.service"),
    same("OnFailure", Kind::Strv, CAN_FAIL, "sdbus-example.service"),
    same("PropagatesReloadTo", Kind::Strv, ALL, "sdbus-example.service"),
    same("ReloadPropagatedFrom", Kind::Strv, ALL, "sdbus-example.service"),
    same("PropagatesStopTo", Kind::Strv, ALL, "sdbus-example.service"),
    same("StopPropagatedFrom", Kind::Strv, ALL, "sdbus-example.service"),
    same("JoinsNamespaceOf", Kind::Strv, ALL, "sdbus-example.service"),
    entry("ConditionArchitecture", "Conditions", Kind::Condition, ALL, "x86-64"),
    entry("ConditionFirmware", "Conditions", Kind::Condition, ALL, "uefi"),
    entry("ConditionVirtualization", "Conditions", Kind::Condition, ALL, "!container"),
    entry("ConditionHost", "Conditions", Kind::Condition, ALL, "example"),
    entry("ConditionKernelCommandLine", "Conditions", Kind::Condition, ALL, "quiet"),
    entry("ConditionKernelVersion", "Conditions", Kind::Condition, ALL, ">=4.0"),
    entry("ConditionCredential", "Conditions", Kind::Condition, ALL, "token"),
    entry("ConditionSecurity", "Conditions", Kind::Condition, ALL, "|selinux"),
    entry("ConditionCapability", "Conditions", Kind::Condition, ALL, "CAP_KILL"),
    entry("ConditionACPower", "Conditions", Kind::Condition, ALL, "true"),
    entry("ConditionNeedsUpdate", "Conditions", Kind::Condition, ALL, "/etc"),
    entry("ConditionFirstBoot", "Conditions", Kind::Condition, ALL, "no"),
    entry("ConditionPathExists", "Conditions", Kind::Condition, ALL, "/"),
    entry("ConditionPathExistsGlob", "Conditions", Kind::Condition, ALL, "/e*"),
    entry("ConditionPathIsDirectory", "Conditions", Kind::Condition, ALL, "/tmp"),
    entry("ConditionPathIsSymbolicLink", "Conditions", Kind::Condition, ALL, "!/tmp"),
    entry("ConditionPathIsMountPoint", "Conditions", Kind::Condition, ALL, "/"),
    entry("ConditionPathIsReadWrite", "Conditions", Kind::Condition, ALL, "/tmp"),
    entry("ConditionPathIsEncrypted", "Conditions", Kind::Condition, ALL, "!/"),
    entry("ConditionDirectoryNotEmpty", "Conditions", Kind::Condition, ALL, "/etc"),
    entry("ConditionFileNotEmpty", "Conditions", Kind::Condition, ALL, "/etc/passwd"),
    entry("ConditionFileIsExecutable", "Conditions", Kind::Condition, ALL, "/bin/true"),
    entry("ConditionUser", "Conditions", Kind::Condition, ALL, "root"),
    entry("ConditionGroup", "Conditions", Kind::Condition, ALL, "root"),
    entry("ConditionControlGroupController", "Conditions", Kind::Condition, ALL, "memory"),
    entry("ConditionCPUs", "Conditions", Kind::Condition, ALL, ">=1"),
    entry("ConditionMemory", "Conditions", Kind::Condition, ALL, ">=64M"),
    entry("ConditionEnvironment", "Conditions", Kind::Condition, ALL, "HOME"),
    entry("ConditionCPUFeature", "Conditions", Kind::Condition, ALL, "sse2"),
    entry("ConditionOSRelease", "Conditions", Kind::Condition, ALL, "ID=debian"),
    entry("ConditionMemoryPressure", "Conditions", Kind::Condition, ALL, "90%"),
    entry("ConditionCPUPressure", "Conditions", Kind::Condition, ALL, "90%"),
    entry("ConditionIOPressure", "Conditions", Kind::Condition, ALL, "90%"),
    entry("AssertArchitecture", "Asserts", Kind::Condition, ALL, "x86-64"),
    entry("AssertFirmware", "Asserts", Kind::Condition, ALL, "uefi"),
    entry("AssertVirtualization", "Asserts", Kind::Condition, ALL, "!container"),
    entry("AssertHost", "Asserts", Kind::Condition, ALL, "example"),
    entry("AssertKernelCommandLine", "Asserts", Kind::Condition, ALL, "quiet"),
    entry("AssertKernelVersion", "Asserts", Kind::Condition, ALL, ">=4.0"),
    entry("AssertCredential", "Asserts", Kind::Condition, ALL, "token"),
    entry("AssertSecurity", "Asserts", Kind::Condition, ALL, "|selinux"),
    entry("AssertCapability", "Asserts", Kind::Condition, ALL, "CAP_KILL"),
    entry("AssertACPower", "Asserts", Kind::Condition, ALL, "true"),
    entry("AssertNeedsUpdate", "Asserts", Kind::Condition, ALL, "/etc"),
    entry("AssertFirstBoot", "Asserts", Kind::Condition, ALL, "no"),
    entry("AssertPathExists", "Asserts", Kind::Condition, ALL, "/"),
    entry("AssertPathExistsGlob", "Asserts", Kind::Condition, ALL, "/e*"),
    entry("AssertPathIsDirectory", "Asserts", Kind::Condition, ALL, "/tmp"),
    entry("AssertPathIsSymbolicLink", "Asserts", Kind::Condition, ALL, "!/tmp"),
    entry("AssertPathIsMountPoint", "Asserts", Kind::Condition, ALL, "/"),
    entry("AssertPathIsReadWrite", "Asserts", Kind::Condition, ALL, "/tmp"),
    entry("AssertPathIsEncrypted", "Asserts", Kind::Condition, ALL, "!/"),
    entry("AssertDirectoryNotEmpty", "Asserts", Kind::Condition, ALL, "/etc"),
    entry("AssertFileNotEmpty", "Asserts", Kind::Condition, ALL, "/etc/passwd"),
    entry("AssertFileIsExecutable", "Asserts", Kind::Condition, ALL, "/bin/true"),
    entry("AssertUser", "Asserts", Kind::Condition, ALL, "root"),
    entry("AssertGroup", "Asserts", Kind::Condition, ALL, "root"),
    entry("AssertControlGroupController", "Asserts", Kind::Condition, ALL, "memory"),
    entry("AssertCPUs", "Asserts", Kind::Condition, ALL, ">=1"),
    entry("AssertMemory", "Asserts", Kind::Condition, ALL, ">=64M"),
    entry("AssertEnvironment", "Asserts", Kind::Condition, ALL, "HOME"),
    entry("AssertCPUFeature", "Asserts", Kind::Condition, ALL, "sse2"),
    entry("AssertOSRelease", "Asserts", Kind::Condition, ALL, "ID=debian"),
    entry("AssertMemoryPressure", "Asserts", Kind::Condition, ALL, "90%"),
    entry("AssertCPUPressure", "Asserts", Kind::Condition, ALL, "90%"),
    entry("AssertIOPressure", "Asserts", Kind::Condition, ALL, "90%"),
];

/// The entry for `name` that applies to `unit`, if any.
pub(crate) fn find(name: &str, unit: UnitType) -> Option<&'static PropertyInfo> {
    TABLE
        .iter()
        .find(|e| e.name == name && e.units.contains(unit))
}

/// Whether any entry has this name.
pub(crate) fn is_known(name: &str) -> bool {
    TABLE.iter().any(|e| e.name == name)
}

/// The first entry named `name`, preferring the one for services.
pub(crate) fn find_any(name: &str) -> Option<&'static PropertyInfo> {
    find(name, UnitType::Service).or_else(|| TABLE.iter().find(|e| e.name == name))
}

/// Up to three known names closest to `name`: a case-insensitive edit
/// distance within a third of the name's length (at least 2), nearest
/// first. A D-Bus property name (`CPUQuotaPerSecUSec`) suggests the
/// settings that set it.
pub(crate) fn suggestions(name: &str) -> Vec<&'static str> {
    let lower = name.to_ascii_lowercase();
    let limit = (name.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &'static str)> = Vec::new();
    for e in TABLE {
        let distance = if e.dbus == name || e.dbus.eq_ignore_ascii_case(name) {
            0
        } else {
            levenshtein(&lower, &e.name.to_ascii_lowercase())
        };
        if distance <= limit && !scored.iter().any(|(_, n)| *n == e.name) {
            scored.push((distance, e.name));
        }
    }
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// The edit distance between two strings, in characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_unit_type() {
        for unit in UnitType::ALL {
            let mut names: Vec<_> = TABLE
                .iter()
                .filter(|e| e.units.contains(unit))
                .map(|e| e.name)
                .collect();
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), count, "duplicate names for {unit:?}");
        }
    }

    #[test]
    fn every_choice_list_is_in_its_text() {
        for e in TABLE {
            if let Kind::Choice(c) | Kind::BoolOrChoice(c) = e.kind {
                for v in c.values {
                    assert!(c.expected.contains(v), "{}: {v}", e.name);
                }
            }
        }
    }

    #[test]
    fn every_sample_parses() {
        for e in TABLE {
            let parsed = e.parse(e.sample);
            assert!(parsed.is_ok(), "{}={}: {parsed:?}", e.name, e.sample);
        }
    }

    #[test]
    fn odd_values_never_panic() {
        let odd = [
            "",
            " ",
            "\\",
            "'",
            "\"",
            "~",
            "-",
            ":",
            "::",
            "a:",
            ":a",
            "|!",
            "=",
            "@",
            "-@:+!!",
            "\u{2031}",
            "\u{2030}",
            "%",
            "1.%",
            "é",
            "1é",
            "\\x",
            "\\u12",
            "\\xé1",
            "\\0",
            "0x",
            "0b",
            "0o",
            "+",
            "--1",
            "99999999999999999999999999",
            "1.99999999999999999999E",
            "infinity:",
            "1:2:3",
            "/",
            "base64:",
            "base64:=",
            "a=b c",
            "'a b' \"c",
            "ipv4:tcp:",
            "any:80",
            "1-",
            "-1",
            "65536",
            "0-99999",
            "RTMIN+99",
            "1y 1y 1y 1y 1y 1y 1y 1y",
        ];
        for e in TABLE {
            for value in odd {
                let _ = e.parse(value);
            }
        }
    }

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn suggestions_are_near() {
        assert_eq!(suggestions("CPUQuta")[0], "CPUQuota");
        assert_eq!(suggestions("memorymax")[0], "MemoryMax");
        assert_eq!(suggestions("CPUQuotaPerSecUSec")[0], "CPUQuota");
        assert_eq!(suggestions("TimeoutStopUSec")[0], "TimeoutStopSec");
        assert!(suggestions("Zzzzzzzzzzzz").is_empty());
        assert!(suggestions("Nicee").contains(&"Nice"));
    }
}
