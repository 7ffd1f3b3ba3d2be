//! [`Run`]: a command as a transient service or scope, the way
//! `systemd-run` and pystemd's `run` start one, and [`RunningUnit`] to wait
//! for it (signal-driven) and read how it ended.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::property::{CollectMode, ServiceType, UnitProperty, UnitType};
use super::pty::{Pty, PtyTerminal, Relay};
use super::spawn::{ChildProcess, Command, Gated, Settings};
use super::stdio::{os_error, Stdio, Stream};
use super::wait::{pump, Extras, Tracker, PROPERTIES_INTERFACE};
use crate::bus::Bus;
use crate::error::{BusErrorKind, Error, InvalidKind, Result};
use crate::names::ObjectPath;
use crate::path::path_encode;
use crate::properties::read_properties_where;
use crate::systemd1::{
    validate_unit_name, JobMode, JobResult, KillWho, Manager, Unit, DESTINATION, JOB_INTERFACE,
    MANAGER_INTERFACE, MANAGER_PATH, UNIT_INTERFACE, UNIT_PATH_PREFIX,
};
use crate::types::Value;

/// How long the pty relay keeps copying the unit's last output once the
/// unit is over, in case something outside the unit still holds its
/// terminal open (the relay normally stops as soon as the terminal is
/// closed on the unit's side).
const PTY_DRAIN_LIMIT: Duration = Duration::from_secs(1);

/// `CLD_EXITED`, `CLD_KILLED` and `CLD_DUMPED`, as `ExecMainCode` reports
/// how the main process ended.
const CLD_EXITED: i32 = 1;
const CLD_KILLED: i32 = 2;
const CLD_DUMPED: i32 = 3;

/// Which manager a [`Run`] talks to.
#[derive(Debug)]
enum Target<'b> {
    System,
    User,
    Bus(&'b Bus),
}

/// The unit type the command runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Kind {
    #[default]
    Service,
    Scope,
}

impl Kind {
    fn unit_type(self) -> UnitType {
        match self {
            Kind::Service => UnitType::Service,
            Kind::Scope => UnitType::Scope,
        }
    }
}

/// A property given to the builder, parsed at [`Run::start`].
#[derive(Debug)]
enum Setting {
    Text(String),
    Typed(UnitProperty),
}

/// Where a pty session is relayed to.
#[derive(Debug)]
enum PtyChoice {
    Stdio,
    Terminal(PtyTerminal),
}

/// Everything the builder collects; no lifetime, so that [`Run::bus`] can
/// change the target's.
#[derive(Debug, Default)]
struct Spec {
    argv: Vec<String>,
    kind: Kind,
    name: Option<String>,
    description: Option<String>,
    adopt: Vec<u32>,
    aux: Vec<(String, Vec<UnitProperty>)>,
    trigger: Option<(UnitType, Vec<UnitProperty>)>,
    settings: Vec<Setting>,
    /// Builder methods used that only services have, by setting name.
    service_only: Vec<&'static str>,
    environment: Vec<(String, String)>,
    working_directory: Option<PathBuf>,
    user: Option<String>,
    group: Option<String>,
    nice: Option<i32>,
    stdio: [Option<Stdio>; 3],
    pty: Option<PtyChoice>,
    job_mode: Option<JobMode>,
    raise_on_fail: bool,
}

/// A command to run as a transient unit: `systemd-run` as a builder, with
/// every option of pystemd's `run`.
///
/// The command is an `argv` (never a shell string, unless asked for with
/// [`Run::shell`]). By default it runs as a **service** of the system
/// manager named `sdbus-run-<random hex>.service`, described by its command
/// line; [`Run::scope`] runs it as a child of the caller in a **scope**
/// instead, and [`Run::adopt`] makes a scope of processes already running.
/// [`Run::timer`] and [`Run::socket`] start the service through a timer or
/// a socket created in the same call.
///
/// Settings are given in typed form ([`Run::service_type`],
/// [`Run::runtime_max`], [`Run::env`]…), in unit-file syntax exactly like
/// `systemd-run -p` ([`Run::property`]: `"CPUQuota=20%"`, `"MemoryMax=1G"`),
/// or as any [`UnitProperty`] ([`Run::property_typed`]). Nothing is checked
/// or sent until [`Run::start`]: every error of the builder (an unknown
/// property, a malformed value, a setting a scope does not have, a bad unit
/// name) surfaces there, before anything reaches the manager.
///
/// ```no_run
/// use std::time::Duration;
/// use sdbus::transient::{Run, ServiceType, Stdio};
///
/// let mut unit = Run::new(["/usr/bin/make", "-j4"])
///     .user()
///     .description("nightly build")
///     .working_directory("/src/project")
///     .env("CC", "clang")
///     .property("CPUQuota=200%")
///     .property("MemoryMax=4G")
///     .runtime_max(Duration::from_secs(3600))
///     .stdout(Stdio::Append("/var/tmp/build.log".into()))
///     .start()?;
/// println!("running as {}", unit.name());
/// let outcome = unit.wait()?;
/// println!("{outcome}");
/// if !outcome.success() {
///     eprintln!("exit status {:?}, signal {:?}", outcome.exit_code(), outcome.signal());
/// }
/// # Ok::<(), sdbus::Error>(())
/// ```
#[derive(Debug)]
pub struct Run<'b> {
    spec: Spec,
    target: Target<'b>,
}

impl Run<'static> {
    /// A command, `argv[0]` being the program: an absolute path, or a name
    /// the manager looks up in its own search path (for a scope, the
    /// caller's `$PATH`, as the caller executes it).
    pub fn new<I, S>(argv: I) -> Run<'static>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Run {
            spec: Spec {
                argv: argv.into_iter().map(Into::into).collect(),
                ..Spec::default()
            },
            target: Target::System,
        }
    }

    /// A shell command line, run by `/bin/sh -c`: only when a shell is
    /// what is wanted, since its quoting and expansions apply.
    ///
    /// ```
    /// # use sdbus::transient::Run;
    /// let run = Run::shell("echo $HOME > /tmp/home");
    /// ```
    pub fn shell(command: &str) -> Run<'static> {
        Run::new(["/bin/sh", "-c", command])
    }

    /// A scope made of processes already running (`PIDs`), with no command
    /// of its own. More may be added with [`Run::adopt_pids`].
    ///
    /// ```no_run
    /// let child = std::process::Command::new("sleep").arg("60").spawn().unwrap();
    /// let unit = sdbus::transient::Run::adopt([child.id()]).start()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn adopt(pids: impl IntoIterator<Item = u32>) -> Run<'static> {
        Run::new(Vec::<String>::new()).adopt_pids(pids)
    }
}

impl<'b> Run<'b> {
    fn with(mut self, change: impl FnOnce(&mut Spec)) -> Self {
        change(&mut self.spec);
        self
    }

    fn service_setting(self, name: &'static str, property: UnitProperty) -> Self {
        self.with(|spec| {
            spec.service_only.push(name);
            spec.settings.push(Setting::Typed(property));
        })
    }

    /// Talks to the system manager, on the system bus (the default).
    pub fn system(self) -> Run<'b> {
        Run {
            spec: self.spec,
            target: Target::System,
        }
    }

    /// Talks to the calling user's manager, on the user bus.
    pub fn user(self) -> Run<'b> {
        Run {
            spec: self.spec,
            target: Target::User,
        }
    }

    /// Talks to the manager at the other end of `bus`: any connection,
    /// such as [`Bus::open_system_machine`] or [`Bus::open_system_remote`]
    /// (remote connections cannot pass file descriptors, so
    /// [`Stdio::Inherit`], [`Stdio::Fd`] and pty sessions need a local one),
    /// or a direct connection from [`Bus::open_manager_direct`]. The
    /// [`RunningUnit`] then borrows it.
    pub fn bus<'c>(self, bus: &'c Bus) -> Run<'c> {
        Run {
            spec: self.spec,
            target: Target::Bus(bus),
        }
    }

    /// Runs the command as a service (the default).
    pub fn service(self) -> Self {
        self.with(|spec| spec.kind = Kind::Service)
    }

    /// Runs the command in a scope, as `systemd-run --scope` does: the
    /// caller forks it, the scope is created with the child's PID, and only
    /// then does the child execute the command. Its environment is the
    /// caller's plus [`Run::env`]; [`Run::working_directory`],
    /// [`Run::nice`], [`Run::as_user`], [`Run::as_group`] and the standard
    /// streams are applied by the child itself. [`RunningUnit::wait`] reaps
    /// it and reports its exit status.
    pub fn scope(self) -> Self {
        self.with(|spec| spec.kind = Kind::Scope)
    }

    /// Adds running processes to the scope (`PIDs`); makes the unit a
    /// scope. With a command, its child is adopted too.
    pub fn adopt_pids(self, pids: impl IntoIterator<Item = u32>) -> Self {
        self.with(|spec| {
            spec.kind = Kind::Scope;
            spec.adopt.extend(pids);
        })
    }

    /// The unit's name, with or without its `.service`/`.scope` suffix
    /// (default: `sdbus-run-<random hex>`).
    pub fn name(self, name: &str) -> Self {
        self.with(|spec| spec.name = Some(name.to_owned()))
    }

    /// `Description=` (default: the command line).
    pub fn description(self, text: &str) -> Self {
        self.with(|spec| spec.description = Some(text.to_owned()))
    }

    /// Another transient unit created in the same call
    /// (`StartTransientUnit`'s `aux` argument). Auxiliary units are created
    /// and loaded, not started: they are for units the command's unit
    /// refers to. To start the service through a timer or a socket, use
    /// [`Run::timer`] or [`Run::socket`].
    pub fn aux_unit(self, name: &str, properties: Vec<UnitProperty>) -> Self {
        self.with(|spec| spec.aux.push((name.to_owned(), properties)))
    }

    /// Starts the service through a timer of the same name with
    /// `properties`, as `systemd-run --on-active=…` does: the timer is the
    /// unit started, the service is created with it, and runs when it
    /// elapses. [`RunningUnit::wait`] waits for the service to have run
    /// once; [`RunningUnit::stop`] stops both.
    ///
    /// Timers elapse within `AccuracySec=` (one minute by default) of their
    /// time: add `"AccuracySec=1s"` for precision. The manager closes the
    /// descriptors it holds for a service while the service is inactive,
    /// so a triggered service cannot have [`Stdio::Inherit`], [`Stdio::Fd`]
    /// or a pty ([`Run::start`] refuses them); files work.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use sdbus::transient::{Run, UnitProperty};
    ///
    /// let mut unit = Run::new(["/usr/bin/touch", "/tmp/later"])
    ///     .timer(vec![UnitProperty::on_active(Duration::from_secs(60))])
    ///     .start()?;
    /// unit.wait()?;
    /// unit.stop()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn timer(self, properties: Vec<UnitProperty>) -> Self {
        self.with(|spec| spec.trigger = Some((UnitType::Timer, properties)))
    }

    /// Starts the service through a socket of the same name with
    /// `properties` (such as [`UnitProperty::listen_stream`]), created in
    /// the same call: the socket is the unit started, and the service runs
    /// on the first connection, receiving the listening socket
    /// (`Accept=no`, the default). See [`Run::timer`] for what a triggered
    /// service cannot have.
    pub fn socket(self, properties: Vec<UnitProperty>) -> Self {
        self.with(|spec| spec.trigger = Some((UnitType::Socket, properties)))
    }

    /// A service's `Type=`.
    pub fn service_type(self, service_type: ServiceType) -> Self {
        self.service_setting("Type", UnitProperty::service_type(service_type))
    }

    /// `RemainAfterExit=`: the service stays active once its process exits
    /// (then [`RunningUnit::wait`] returns when it is `active (exited)`).
    pub fn remain_after_exit(self, remain: bool) -> Self {
        self.service_setting("RemainAfterExit", UnitProperty::remain_after_exit(remain))
    }

    /// `CollectMode=`: with [`CollectMode::InactiveOrFailed`], even a
    /// failed unit is unloaded once over (`systemd-run --collect`).
    /// [`RunningUnit::wait`] still reads its result: the unit is kept
    /// loaded until then.
    pub fn collect_mode(self, mode: CollectMode) -> Self {
        self.property_typed(UnitProperty::collect_mode(mode))
    }

    /// `RuntimeMaxSec=`: the unit is stopped after running this long, with
    /// the result `timeout`.
    pub fn runtime_max(self, limit: Duration) -> Self {
        self.property_typed(UnitProperty::runtime_max(limit))
    }

    /// `Slice=`: the slice the unit's control group goes into.
    pub fn slice(self, slice: &str) -> Self {
        self.property_typed(UnitProperty::slice(slice))
    }

    /// `User=`: the user (name or numeric id) the command runs as.
    pub fn as_user(self, user: &str) -> Self {
        self.with(|spec| spec.user = Some(user.to_owned()))
    }

    /// `Group=`: the group (name or numeric id) the command runs as.
    pub fn as_group(self, group: &str) -> Self {
        self.with(|spec| spec.group = Some(group.to_owned()))
    }

    /// `Nice=`, from -20 to 19.
    pub fn nice(self, nice: i32) -> Self {
        self.with(|spec| spec.nice = Some(nice))
    }

    /// `WorkingDirectory=`: an absolute path.
    pub fn working_directory(self, path: impl AsRef<Path>) -> Self {
        self.with(|spec| spec.working_directory = Some(path.as_ref().to_owned()))
    }

    /// An environment variable for the command (`Environment=`); a later
    /// value for the same name replaces an earlier one.
    pub fn env(self, name: &str, value: &str) -> Self {
        self.with(|spec| {
            spec.environment.retain(|(k, _)| k != name);
            spec.environment.push((name.to_owned(), value.to_owned()));
        })
    }

    /// Environment variables for the command, as [`Run::env`].
    pub fn envs<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        for (name, value) in vars {
            self = self.env(name.as_ref(), value.as_ref());
        }
        self
    }

    /// `ExecStartPre=`: a command run before the service's own.
    pub fn exec_start_pre<I, S>(self, argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.service_setting("ExecStartPre", UnitProperty::exec_start_pre(argv))
    }

    /// `ExecStartPost=`: a command run once the service started.
    pub fn exec_start_post<I, S>(self, argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.service_setting("ExecStartPost", UnitProperty::exec_start_post(argv))
    }

    /// `ExecStop=`: a command that stops the service.
    pub fn exec_stop<I, S>(self, argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.service_setting("ExecStop", UnitProperty::exec_stop(argv))
    }

    /// `ExecStopPost=`: a command run after the service stopped.
    pub fn exec_stop_post<I, S>(self, argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.service_setting("ExecStopPost", UnitProperty::exec_stop_post(argv))
    }

    /// Any property in unit-file syntax, exactly as `systemd-run -p` takes
    /// it: `"CPUQuota=20%"`, `"MemoryMax=1G"`, `"Environment=A=1 B=2"`,
    /// `"TimeoutStopSec=5s"`… It is parsed for the unit's type by
    /// [`UnitProperty::parse_for`] at [`Run::start`], which returns its
    /// error (an unknown name with the nearest known ones, or the value's
    /// expected form) as an [`Error::Invalid`] of kind
    /// [`InvalidKind::Property`].
    pub fn property(self, assignment: &str) -> Self {
        self.with(|spec| spec.settings.push(Setting::Text(assignment.to_owned())))
    }

    /// Any property in typed form (including [`UnitProperty::new_raw`] for
    /// what the table does not know).
    pub fn property_typed(self, property: UnitProperty) -> Self {
        self.with(|spec| spec.settings.push(Setting::Typed(property)))
    }

    /// Properties in typed form, as [`Run::property_typed`].
    pub fn properties(self, properties: impl IntoIterator<Item = UnitProperty>) -> Self {
        self.with(|spec| {
            spec.settings
                .extend(properties.into_iter().map(Setting::Typed))
        })
    }

    /// Where standard input comes from; see [`Stdio`].
    pub fn stdin(self, stdio: Stdio) -> Self {
        self.with(|spec| spec.stdio[0] = Some(stdio))
    }

    /// Where standard output goes; see [`Stdio`].
    pub fn stdout(self, stdio: Stdio) -> Self {
        self.with(|spec| spec.stdio[1] = Some(stdio))
    }

    /// Where standard error goes; see [`Stdio`].
    pub fn stderr(self, stdio: Stdio) -> Self {
        self.with(|spec| spec.stdio[2] = Some(stdio))
    }

    /// Runs the command on a new pseudo-terminal relayed to the caller's
    /// own (standard input and output), as `systemd-run --pty`; see
    /// [`Run::pty_terminal`].
    pub fn pty(self) -> Self {
        self.with(|spec| spec.pty = Some(PtyChoice::Stdio))
    }

    /// Runs the command on a new pseudo-terminal relayed to `terminal`:
    /// the pty is the command's standard input, output and error (and
    /// controlling terminal; for a service through `StandardInput=tty` and
    /// `TTYPath=`, with `$TERM` passed on), replacing [`Run::stdin`] and
    /// the others. The caller's terminal is put in raw mode at
    /// [`Run::start`]; bytes are relayed both ways while
    /// [`RunningUnit::wait`] (or [`RunningUnit::wait_for_activation`])
    /// runs, and the terminal is restored when the unit is over or the
    /// [`RunningUnit`] dropped.
    pub fn pty_terminal(self, terminal: PtyTerminal) -> Self {
        self.with(|spec| spec.pty = Some(PtyChoice::Terminal(terminal)))
    }

    /// The job mode of the start (default [`JobMode::Fail`], as
    /// `systemd-run`).
    pub fn job_mode(self, mode: JobMode) -> Self {
        self.with(|spec| spec.job_mode = Some(mode))
    }

    /// With `true`, [`RunningUnit::wait`] returns an error when the unit
    /// did not succeed (a result other than `success`; for a scope running
    /// its command, also a non-zero exit status), and
    /// [`RunningUnit::wait_for_activation`] when its start job did not
    /// complete: an [`Error::UnitFailed`], as pystemd's
    /// `raise_on_fail`. Without it (the default), the [`RunOutcome`] says
    /// how it ended ([`RunOutcome::into_result`] makes the same error).
    pub fn raise_on_fail(self, raise: bool) -> Self {
        self.with(|spec| spec.raise_on_fail = raise)
    }

    /// Creates and starts the unit (`StartTransientUnit`), having
    /// subscribed to its signals first, so that nothing it does can be
    /// missed.
    ///
    /// A service's start is queued and this returns at once, as
    /// `systemd-run --no-block` does: use [`RunningUnit::wait_for_activation`]
    /// or [`RunningUnit::wait`]. A scope is created before this returns
    /// (its child executes the command only then); a start job that fails
    /// is an [`Error::UnitFailed`].
    ///
    /// Every setting is checked first: a builder error is returned before
    /// anything is sent (see [`Run`]).
    pub fn start(self) -> Result<RunningUnit<'b>> {
        let Run { spec, target } = self;
        let plan = Plan::new(spec)?;
        let conn = match target {
            Target::System => Conn::Owned(Box::new(Bus::open_system()?)),
            Target::User => Conn::Owned(Box::new(Bus::open_user()?)),
            Target::Bus(bus) => Conn::Borrowed(bus),
        };
        // SAFETY: `Plan::start` stores the reference only in the
        // `RunningUnit` it returns, in fields dropped before its `conn`, and
        // in its own locals, which are dropped before its `conn` parameter.
        let bus = unsafe { conn.extended() };
        plan.start(bus, conn)
    }
}

/// The connection of a [`RunningUnit`]: its own, or the caller's.
enum Conn<'b> {
    Owned(Box<Bus>),
    Borrowed(&'b Bus),
}

impl<'b> Conn<'b> {
    fn get(&self) -> &Bus {
        match self {
            Conn::Owned(bus) => bus,
            Conn::Borrowed(bus) => bus,
        }
    }

    /// The bus for `'b`, which an owned connection does not itself live
    /// for.
    ///
    /// # Safety
    /// With [`Conn::Owned`], the reference must not be used after `self`
    /// is dropped (moving `self` is fine: the bus is boxed).
    unsafe fn extended(&self) -> &'b Bus {
        match self {
            Conn::Borrowed(bus) => bus,
            // SAFETY: the box's allocation does not move with `self`, and
            // the caller does not outlive it.
            Conn::Owned(bus) => unsafe { &*std::ptr::from_ref::<Bus>(bus) },
        }
    }
}

impl fmt::Debug for Conn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

/// A random unit name, `sdbus-run-<16 hex digits>.<suffix>`.
fn random_name(suffix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // `RandomState` is seeded from the OS once per thread, then varied.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    format!("sdbus-run-{:016x}.{suffix}", hasher.finish())
}

/// The unit name to use: `name` with the type's suffix (added if it has
/// none), or a random one.
fn unit_name(name: Option<&str>, unit_type: UnitType) -> Result<String> {
    let suffix = unit_type.suffix();
    let Some(name) = name else {
        return Ok(random_name(suffix));
    };
    let name = match UnitType::from_unit_name(name) {
        Some(t) if t == unit_type => name.to_owned(),
        Some(_) => {
            return Err(Error::invalid(
                InvalidKind::UnitName,
                name,
                "has the suffix of another unit type",
            ))
        }
        None => format!("{name}.{suffix}"),
    };
    validate_unit_name(&name)?;
    Ok(name)
}

/// The id of the job at `path` (`/org/freedesktop/systemd1/job/<id>`).
fn job_id(bus: &Bus, path: &ObjectPath) -> Result<u32> {
    match path.rsplit('/').next().and_then(|id| id.parse().ok()) {
        Some(id) => Ok(id),
        None => bus.get_property(DESTINATION, path, JOB_INTERFACE, "Id"),
    }
}

/// The error of a unit or job that failed.
/// The error for a start job that did not complete.
fn start_job_failed(unit: &str, result: &JobResult) -> Error {
    Error::UnitFailed {
        unit: unit.to_owned(),
        reason: format!("start job: {result}"),
        outcome: None,
    }
}

/// Whether two property sets are of the same run of a unit (the same
/// non-empty `InvocationID`).
fn same_invocation(a: &HashMap<String, Value>, b: &HashMap<String, Value>) -> bool {
    match (a.get("InvocationID"), b.get("InvocationID")) {
        (Some(a), Some(b)) => a == b && a.as_array().is_some_and(|id| !id.is_empty()),
        _ => false,
    }
}

/// A [`Spec`] checked and turned into properties, ready to be started.
struct Plan {
    kind: Kind,
    argv: Vec<String>,
    name: String,
    /// The command's unit's properties, without `AddRef`, its standard
    /// streams, `PIDs` and `ExecStart`, which are added at the start.
    properties: Vec<UnitProperty>,
    trigger: Option<(String, Vec<UnitProperty>)>,
    aux: Vec<(String, Vec<UnitProperty>)>,
    environment: Vec<(String, String)>,
    working_directory: Option<PathBuf>,
    user: Option<String>,
    group: Option<String>,
    nice: Option<i32>,
    stdio: [Option<Stdio>; 3],
    pty: Option<PtyChoice>,
    adopt: Vec<u32>,
    job_mode: JobMode,
    raise_on_fail: bool,
}

impl Plan {
    /// Checks the builder's settings and parses its properties.
    fn new(spec: Spec) -> Result<Plan> {
        let kind = spec.kind;
        let unit_type = kind.unit_type();
        if kind == Kind::Scope {
            if let Some(setting) = spec.service_only.first() {
                return Err(Error::invalid(
                    InvalidKind::Property,
                    *setting,
                    "does not apply to scope units",
                ));
            }
            if spec.trigger.is_some() {
                return Err(Error::invalid(
                    InvalidKind::Argument,
                    "scope",
                    "cannot be started by a timer or a socket",
                ));
            }
            if spec.argv.is_empty() && spec.adopt.is_empty() {
                return Err(Error::invalid(
                    InvalidKind::Argument,
                    "",
                    "a scope needs a command or processes to adopt",
                ));
            }
            let for_command = !spec.environment.is_empty()
                || spec.working_directory.is_some()
                || spec.user.is_some()
                || spec.group.is_some()
                || spec.nice.is_some()
                || spec.pty.is_some()
                || spec.stdio.iter().any(Option::is_some);
            if spec.argv.is_empty() && for_command {
                return Err(Error::invalid(
                    InvalidKind::Argument,
                    "",
                    "the environment, directory, user, group, nice level and standard \
                     streams apply to a command, and this scope of adopted processes has none",
                ));
            }
        } else if spec.argv.first().is_none_or(String::is_empty) {
            return Err(Error::invalid(
                InvalidKind::Argument,
                spec.argv.join(" "),
                "the command is empty",
            ));
        }
        let passes_fds = spec.pty.is_some()
            || spec
                .stdio
                .iter()
                .any(|s| matches!(s, Some(Stdio::Inherit | Stdio::Fd(_))));
        if spec.trigger.is_some() && passes_fds {
            // The manager closes the descriptors of a service while it is
            // inactive, so they would be gone by the time it is triggered.
            return Err(Error::invalid(
                InvalidKind::Argument,
                "Stdio::Inherit, Stdio::Fd or a pty",
                "cannot be kept for a service started by a timer or a socket",
            ));
        }
        let name = unit_name(spec.name.as_deref(), unit_type)?;
        let description = spec.description.unwrap_or_else(|| {
            if spec.argv.is_empty() {
                let pids: Vec<String> = spec.adopt.iter().map(u32::to_string).collect();
                format!("scope of {}", pids.join(" "))
            } else {
                spec.argv.join(" ")
            }
        });
        let mut properties = vec![UnitProperty::description(&description)];
        if kind == Kind::Service {
            if !spec.environment.is_empty() {
                properties.push(UnitProperty::environment(spec.environment.iter().cloned()));
            }
            if let Some(dir) = &spec.working_directory {
                let text = dir.to_str().ok_or_else(|| {
                    Error::invalid(
                        InvalidKind::Property,
                        dir.to_string_lossy(),
                        "WorkingDirectory= needs a path in UTF-8",
                    )
                })?;
                properties.push(UnitProperty::working_directory(text));
            }
            if let Some(user) = &spec.user {
                properties.push(UnitProperty::user(user));
            }
            if let Some(group) = &spec.group {
                properties.push(UnitProperty::group(group));
            }
            if let Some(nice) = spec.nice {
                properties.push(UnitProperty::nice(nice));
            }
        }
        for setting in spec.settings {
            match setting {
                Setting::Typed(property) => properties.push(property),
                Setting::Text(text) => {
                    properties.extend(UnitProperty::parse_for(unit_type, &text)?);
                }
            }
        }
        let trigger = match spec.trigger {
            Some((trigger_type, trigger_properties)) => {
                let base = name
                    .rsplit_once('.')
                    .map_or(name.as_str(), |(base, _)| base);
                let trigger_name = format!("{base}.{}", trigger_type.suffix());
                validate_unit_name(&trigger_name)?;
                let mut all = vec![UnitProperty::description(&description)];
                all.extend(trigger_properties);
                Some((trigger_name, all))
            }
            None => None,
        };
        for (aux_name, _) in &spec.aux {
            validate_unit_name(aux_name)?;
        }
        Ok(Plan {
            kind,
            argv: spec.argv,
            name,
            properties,
            trigger,
            aux: spec.aux,
            environment: spec.environment,
            working_directory: spec.working_directory,
            user: spec.user,
            group: spec.group,
            nice: spec.nice,
            stdio: spec.stdio,
            pty: spec.pty,
            adopt: spec.adopt,
            job_mode: spec.job_mode.unwrap_or(JobMode::Fail),
            raise_on_fail: spec.raise_on_fail,
        })
    }

    /// Sets up the pty session, if any, and the standard streams: service
    /// properties, or the descriptors of a scope's child.
    fn streams(
        &mut self,
        properties: &mut Vec<UnitProperty>,
    ) -> Result<(Option<Relay>, [Option<std::os::fd::OwnedFd>; 3])> {
        let mut child_fds = [None, None, None];
        if let Some(choice) = self.pty.take() {
            let terminal = match choice {
                PtyChoice::Stdio => PtyTerminal::stdio()?,
                PtyChoice::Terminal(terminal) => terminal,
            };
            let pty = Pty::allocate()?;
            match self.kind {
                Kind::Service => {
                    let own_term = self.environment.iter().any(|(k, _)| k == "TERM");
                    let term = std::env::var("TERM").ok().filter(|t| !t.is_empty());
                    if let Some(term) = term.filter(|_| !own_term) {
                        properties.push(UnitProperty::environment([("TERM", term)]));
                    }
                    for stream in ["StandardInput", "StandardOutput", "StandardError"] {
                        properties.push(UnitProperty::new_raw(stream, "tty")?);
                    }
                    properties.push(UnitProperty::new_raw("TTYPath", pty.path.as_str())?);
                }
                Kind::Scope => {
                    for fd in &mut child_fds {
                        let dup = pty.slave.try_clone();
                        *fd = Some(dup.map_err(|e| os_error("dup", &e))?);
                    }
                }
            }
            return Ok((Some(Relay::new(pty, terminal)?), child_fds));
        }
        for (stream, (stdio, fd)) in Stream::ALL
            .into_iter()
            .zip(self.stdio.iter_mut().zip(&mut child_fds))
        {
            let Some(stdio) = stdio.take() else { continue };
            match self.kind {
                Kind::Service => properties.extend(stdio.service_properties(stream)?),
                Kind::Scope => *fd = stdio.child_fd(stream)?,
            }
        }
        Ok((None, child_fds))
    }

    /// Starts the unit on `bus`, which `conn` holds.
    fn start<'b>(mut self, bus: &'b Bus, conn: Conn<'b>) -> Result<RunningUnit<'b>> {
        let mut properties = std::mem::take(&mut self.properties);
        let add_ref = bus.is_bus_client();
        if add_ref {
            // Keeps the unit loaded until it is released, so that its
            // result can be read even if it is collected once over. Only a
            // bus tracks its clients: direct connections cannot.
            properties.push(UnitProperty::new_raw("AddRef", true)?);
        }
        let (relay, child_fds) = self.streams(&mut properties)?;
        let command = match (self.kind, self.argv.is_empty()) {
            (Kind::Scope, false) => {
                let settings = Settings {
                    environment: &self.environment,
                    working_directory: self.working_directory.as_deref(),
                    nice: self.nice,
                    user: self.user.as_deref(),
                    group: self.group.as_deref(),
                };
                Some(Command::new(
                    &self.argv,
                    &settings,
                    child_fds,
                    relay.is_some(),
                )?)
            }
            (Kind::Service, _) => {
                properties.push(UnitProperty::exec_start(self.argv.iter().cloned()));
                None
            }
            (Kind::Scope, true) => None,
        };

        let path = path_encode(UNIT_PATH_PREFIX, &self.name)?;
        let mut units = vec![self.name.clone()];
        units.extend(self.trigger.iter().map(|(name, _)| name.clone()));
        // No `Manager.Subscribe`: the manager sends a unit's signals to the
        // bus while a client holds a reference to it (`AddRef`), a job's to
        // the client that asked for it, and everything to a direct
        // connection.
        let mut tracker = Tracker::new(bus, &path, units)?;

        let gated = command.as_ref().map(Command::spawn).transpose()?;
        if self.kind == Kind::Scope {
            let mut pids: Vec<u32> = gated.iter().map(Gated::pid).collect();
            pids.extend(&self.adopt);
            properties.push(UnitProperty::pids(pids));
        }
        let (main_name, main_properties, mut aux) = match self.trigger.take() {
            Some((trigger_name, trigger_properties)) => (
                trigger_name,
                trigger_properties,
                vec![(self.name.clone(), properties)],
            ),
            None => (self.name.clone(), properties, Vec::new()),
        };
        aux.append(&mut self.aux);
        let reply = bus.call_method(
            DESTINATION,
            MANAGER_PATH,
            MANAGER_INTERFACE,
            "StartTransientUnit",
            &(main_name.as_str(), self.job_mode, &main_properties, &aux),
        )?;
        // The message holds duplicates of any descriptors: ours can go.
        drop((main_properties, aux));
        let job_path: ObjectPath = reply.read()?;
        let start_job = job_id(bus, &job_path)?;
        tracker.set_start_job(start_job, main_name == self.name);

        let mut unit = RunningUnit {
            tracker,
            relay,
            child: None,
            trigger: (main_name != self.name).then_some(main_name),
            name: self.name,
            path,
            kind: self.kind,
            start_job,
            referenced: add_ref,
            raise_on_fail: self.raise_on_fail,
            outcome: None,
            conn,
        };
        if unit.kind == Kind::Scope {
            // The child waits at its gate until the scope holds it.
            let result = unit.wait_job(start_job, None)?;
            if result != JobResult::Done {
                return Err(start_job_failed(&unit.name, &result));
            }
            if let Some(gated) = gated {
                unit.child = Some(gated.release()?);
            }
        }
        Ok(unit)
    }
}

/// A transient unit started by [`Run::start`]: wait for it, stop it, read
/// it.
///
/// Its `PropertiesChanged` signals and the manager's `JobRemoved` were
/// subscribed to before the unit was created, and on a bus the unit is
/// created with `AddRef`, so it stays loaded (its result readable) until
/// [`RunningUnit::wait`] has read it or the `RunningUnit` is dropped, on
/// the system and the user manager alike. Waiting blocks on the bus (and
/// the pty, and a scope's child) without polling.
///
/// It borrows the bus given to [`Run::bus`], or owns the one
/// [`Run::system`] and [`Run::user`] opened; like a [`Bus`], it stays on its
/// thread.
#[derive(Debug)]
pub struct RunningUnit<'b> {
    // Dropped before `conn`, whose bus the tracker's matches borrow.
    tracker: Tracker<'b>,
    relay: Option<Relay>,
    child: Option<ChildProcess>,
    name: String,
    path: ObjectPath,
    trigger: Option<String>,
    kind: Kind,
    start_job: u32,
    /// Whether the unit holds a reference (`AddRef`) to release.
    referenced: bool,
    raise_on_fail: bool,
    outcome: Option<RunOutcome>,
    conn: Conn<'b>,
}

impl RunningUnit<'_> {
    /// The name of the unit running the command, such as
    /// `sdbus-run-0123456789abcdef.service`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The timer or socket started to trigger the service
    /// ([`Run::timer`], [`Run::socket`]).
    pub fn trigger(&self) -> Option<&str> {
        self.trigger.as_deref()
    }

    /// The id of the start job.
    pub fn start_job(&self) -> u32 {
        self.start_job
    }

    /// The connection to the manager.
    pub fn bus(&self) -> &Bus {
        self.conn.get()
    }

    /// The unit running the command, for its properties.
    ///
    /// ```no_run
    /// # fn demo(unit: &sdbus::transient::RunningUnit) -> sdbus::Result<()> {
    /// let cgroup: String = unit.unit()?.get_property("org.freedesktop.systemd1.Service", "ControlGroup")?;
    /// println!("{} has pid {}", unit.name(), unit.unit()?.service()?.main_pid()?);
    /// # Ok(()) }
    /// ```
    pub fn unit(&self) -> Result<Unit<'_>> {
        Manager::new(self.bus()).unit(&self.name)
    }

    /// The process id of a scope's command (the caller's child); `None`
    /// for services and for scopes of adopted processes.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(ChildProcess::pid)
    }

    /// How the unit ended, once [`RunningUnit::wait`] returned.
    pub fn outcome(&self) -> Option<&RunOutcome> {
        self.outcome.as_ref()
    }

    /// Processes the bus (and the pty session) until job `id` is removed,
    /// or `deadline` passes (`Ok(None)`).
    fn wait_job(&mut self, id: u32, deadline: Option<Instant>) -> Result<JobResult> {
        let mut extras = Extras {
            relay: self.relay.as_mut(),
            child: self.child.as_mut(),
        };
        let bus = self.conn.get();
        pump(
            bus,
            &mut self.tracker,
            &mut extras,
            deadline,
            |tracker, _| tracker.job_result(id).is_some(),
        )?;
        Ok(self
            .tracker
            .job_result(id)
            .cloned()
            .unwrap_or(JobResult::Other("pending".to_owned())))
    }

    /// Waits until the start job is over (the unit is active, or, for a
    /// `oneshot` service, done) and returns its result:
    /// [`JobResult::Done`] when it started. With [`Run::raise_on_fail`],
    /// any other result is an error.
    pub fn wait_for_activation(&mut self) -> Result<JobResult> {
        loop {
            if let Some(result) = self.wait_for_activation_until(None)? {
                return Ok(result);
            }
        }
    }

    /// As [`RunningUnit::wait_for_activation`], giving up after `timeout`
    /// (`Ok(None)`).
    pub fn wait_for_activation_timeout(&mut self, timeout: Duration) -> Result<Option<JobResult>> {
        self.wait_for_activation_until(Instant::now().checked_add(timeout))
    }

    fn wait_for_activation_until(
        &mut self,
        deadline: Option<Instant>,
    ) -> Result<Option<JobResult>> {
        let result = self.wait_job(self.start_job, deadline)?;
        if self.tracker.job_result(self.start_job).is_none() {
            return Ok(None);
        }
        if self.raise_on_fail && result != JobResult::Done {
            let unit = self.trigger.as_ref().unwrap_or(&self.name);
            return Err(start_job_failed(unit, &result));
        }
        Ok(Some(result))
    }

    /// Waits until the unit's command is over, and returns how it ended,
    /// with the accounting `systemd-run --wait` prints. For a service,
    /// that is when it is inactive or failed with no job pending (or
    /// `active (exited)` with `RemainAfterExit=`); for a service started by
    /// a timer or a socket, once it ran; for a scope, once its processes
    /// are gone (and its child reaped). A pty session's last output is
    /// copied before it returns.
    ///
    /// With [`Run::raise_on_fail`], an outcome that is not a success is
    /// returned as an error. Later calls return the same outcome.
    pub fn wait(&mut self) -> Result<RunOutcome> {
        loop {
            if let Some(outcome) = self.wait_until(None)? {
                return Ok(outcome);
            }
        }
    }

    /// As [`RunningUnit::wait`], giving up after `timeout` (`Ok(None)`;
    /// the unit goes on).
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<Option<RunOutcome>> {
        self.wait_until(Instant::now().checked_add(timeout))
    }

    fn wait_until(&mut self, deadline: Option<Instant>) -> Result<Option<RunOutcome>> {
        if self.outcome.is_none() {
            let mut extras = Extras {
                relay: self.relay.as_mut(),
                child: self.child.as_mut(),
            };
            let bus = self.conn.get();
            let over = pump(
                bus,
                &mut self.tracker,
                &mut extras,
                deadline,
                |tracker, extras| {
                    tracker.state.finished()
                        && extras.child.as_ref().is_none_or(|child| child.reaped())
                },
            )?;
            if !over {
                return Ok(None);
            }
            if let Some(relay) = &mut self.relay {
                relay.finish(Instant::now() + PTY_DRAIN_LIMIT);
            }
            let mut outcome = self.collect()?;
            outcome.start_job = self.tracker.job_result(self.start_job).cloned();
            self.release();
            self.outcome = Some(outcome);
        }
        match &self.outcome {
            Some(outcome) if self.raise_on_fail => outcome.clone().into_result().map(Some),
            outcome => Ok(outcome.clone()),
        }
    }

    /// Reads the unit's final properties: from `GetAll` if it is still
    /// loaded, else what its signals carried.
    fn collect(&self) -> Result<RunOutcome> {
        let mut values = self.tracker.state.values.clone();
        let all = self
            .bus()
            .call_method(
                DESTINATION,
                &self.path,
                PROPERTIES_INTERFACE,
                "GetAll",
                &("",),
            )
            .and_then(|reply| read_properties_where(&reply, is_outcome_property))
            .map(|all| all.into_iter().collect::<HashMap<_, _>>());
        match all {
            // Without a reference, the unit may have been collected, and
            // asking for it loaded a new one: only the same invocation's
            // properties are its own.
            Ok(all) if self.referenced || same_invocation(&values, &all) => values.extend(all),
            Ok(_) => {}
            Err(_) if values.contains_key("Result") => {}
            Err(err) => return Err(err),
        }
        Ok(RunOutcome::from_properties(
            &self.name,
            &values,
            self.child.as_ref(),
        ))
    }

    /// Ready once a signal of the unit is queued, for an async driver
    /// that processes the bus: then [`RunningUnit::wait_timeout`] with a
    /// zero timeout takes it into account.
    #[cfg(feature = "tokio")]
    pub(crate) fn poll_signals(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        self.tracker.poll_signals(cx)
    }

    /// Releases the unit's `AddRef` reference, once, without waiting: if
    /// this fails, the reference goes with the connection.
    fn release(&mut self) {
        if std::mem::take(&mut self.referenced) {
            let unref = self
                .bus()
                .new_method_call(DESTINATION, &self.path, UNIT_INTERFACE, "Unref")
                .and_then(|mut call| {
                    call.set_expect_reply(false)?;
                    self.bus().send(&call)
                });
            drop(unref);
        }
    }

    /// Stops the unit (and its timer or socket), as `systemctl stop` does,
    /// and returns once the stop jobs are over. A unit already gone is not
    /// an error. [`RunningUnit::wait`] then returns how it ended.
    pub fn stop(&mut self) -> Result<()> {
        let units: Vec<String> = self.trigger.iter().chain([&self.name]).cloned().collect();
        let mut jobs = Vec::new();
        for unit in &units {
            let reply = self.bus().call_method(
                DESTINATION,
                MANAGER_PATH,
                MANAGER_INTERFACE,
                "StopUnit",
                &(unit.as_str(), JobMode::Replace),
            );
            match reply {
                Ok(reply) => {
                    let path: ObjectPath = reply.read()?;
                    jobs.push(job_id(self.bus(), &path)?);
                }
                Err(err) if err.bus_error_kind() == Some(BusErrorKind::NoSuchUnit) => {}
                Err(err) => return Err(err),
            }
        }
        for job in jobs {
            self.wait_job(job, None)?;
        }
        // A triggered service that never ran is over too.
        self.tracker.assume_started();
        Ok(())
    }

    /// Sends `signal` (such as `libc::SIGTERM`) to every process of the
    /// unit (`KillUnit`).
    pub fn kill(&self, signal: i32) -> Result<()> {
        Manager::new(self.bus()).kill_unit(&self.name, KillWho::All, signal)
    }
}

impl Drop for RunningUnit<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

/// How the main process of a unit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exit {
    /// It exited with this status (`CLD_EXITED`).
    Code(i32),
    /// A signal killed it (`CLD_KILLED`, or `CLD_DUMPED` with a core dump).
    Signal {
        /// The signal, such as `libc::SIGTERM`.
        signal: i32,
        /// Whether it dumped core.
        core_dumped: bool,
    },
}

impl Exit {
    /// From `ExecMainCode` and `ExecMainStatus`; `None` if the process did
    /// not end (or never ran).
    pub fn from_code_and_status(code: i32, status: i32) -> Option<Exit> {
        match code {
            CLD_EXITED => Some(Exit::Code(status)),
            CLD_KILLED | CLD_DUMPED => Some(Exit::Signal {
                signal: status,
                core_dumped: code == CLD_DUMPED,
            }),
            _ => None,
        }
    }

    /// From a `waitpid` status.
    fn from_wait_status(status: i32) -> Option<Exit> {
        if libc::WIFEXITED(status) {
            Some(Exit::Code(libc::WEXITSTATUS(status)))
        } else if libc::WIFSIGNALED(status) {
            Some(Exit::Signal {
                signal: libc::WTERMSIG(status),
                core_dumped: libc::WCOREDUMP(status),
            })
        } else {
            None
        }
    }
}

impl fmt::Display for Exit {
    /// As `systemd-run --wait` prints it: `code=exited/status=3`,
    /// `code=killed/status=15`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(status) => write!(f, "code=exited/status={status}"),
            Exit::Signal {
                signal,
                core_dumped,
            } => {
                let code = if *core_dumped { "dumped" } else { "killed" };
                write!(f, "code={code}/status={signal}")
            }
        }
    }
}

/// A unit's `Result`: why it last stopped or failed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnitResult {
    /// `success`.
    Success,
    /// `resources`: it could not be set up.
    Resources,
    /// `protocol`: a service broke its type's protocol.
    Protocol,
    /// `timeout`: a timeout such as `RuntimeMaxSec=` hit.
    Timeout,
    /// `exit-code`: the process exited with a failure status.
    ExitCode,
    /// `signal`: a signal killed the process.
    Signal,
    /// `core-dump`: the process dumped core.
    CoreDump,
    /// `watchdog`: the watchdog expired.
    Watchdog,
    /// `start-limit-hit`: started too often.
    StartLimitHit,
    /// `oom-kill`: the OOM killer ended it.
    OomKill,
    /// Another value, as sent (`exec-condition`, `trigger-limit-hit`…).
    Other(String),
}

impl UnitResult {
    /// The string systemd knows this result by.
    pub fn as_str(&self) -> &str {
        match self {
            UnitResult::Success => "success",
            UnitResult::Resources => "resources",
            UnitResult::Protocol => "protocol",
            UnitResult::Timeout => "timeout",
            UnitResult::ExitCode => "exit-code",
            UnitResult::Signal => "signal",
            UnitResult::CoreDump => "core-dump",
            UnitResult::Watchdog => "watchdog",
            UnitResult::StartLimitHit => "start-limit-hit",
            UnitResult::OomKill => "oom-kill",
            UnitResult::Other(other) => other,
        }
    }
}

impl From<&str> for UnitResult {
    fn from(text: &str) -> UnitResult {
        match text {
            "success" => UnitResult::Success,
            "resources" => UnitResult::Resources,
            "protocol" => UnitResult::Protocol,
            "timeout" => UnitResult::Timeout,
            "exit-code" => UnitResult::ExitCode,
            "signal" => UnitResult::Signal,
            "core-dump" => UnitResult::CoreDump,
            "watchdog" => UnitResult::Watchdog,
            "start-limit-hit" => UnitResult::StartLimitHit,
            "oom-kill" => UnitResult::OomKill,
            other => UnitResult::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for UnitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a transient unit ended, with what `systemd-run --wait` prints.
///
/// `Display` gives the same lines, such as:
///
/// ```text
/// Finished with result: exit-code
/// Main processes terminated with: code=exited/status=3
/// Service runtime: 12ms
/// CPU time consumed: 3ms
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunOutcome {
    /// The unit's name.
    pub unit: String,
    /// Its `Result`. For a scope running its command, a non-zero exit
    /// status or a signal of the command makes it `exit-code`, `signal` or
    /// `core-dump`, as `systemd-run --scope` exits with the command's
    /// status.
    pub result: UnitResult,
    /// How its main process ended (`ExecMainCode`/`ExecMainStatus`, or the
    /// scope's child's wait status), if it ran and ended.
    pub exit: Option<Exit>,
    /// Its main process (`ExecMainPID`, or the scope's child).
    pub main_pid: Option<u32>,
    /// The result of the start job (of the timer or socket, for a
    /// triggered service), if it was over when the unit was. A unit whose
    /// start job failed, was canceled or hit a failed dependency may not
    /// have run at all, its `result` still saying `success`.
    pub start_job: Option<JobResult>,
    /// How long it ran: from leaving to re-entering the inactive state
    /// (`InactiveExitTimestamp` to `InactiveEnterTimestamp`), or from the
    /// main process's start to its exit.
    pub runtime: Option<Duration>,
    /// CPU time used (`CPUUsageNSec`), if accounted.
    pub cpu_time: Option<Duration>,
    /// Peak memory use in bytes (`MemoryPeak`, systemd 255 and later).
    pub memory_peak: Option<u64>,
    /// Bytes read from block devices (`IOReadBytes`), if accounted.
    pub io_read_bytes: Option<u64>,
    /// Bytes written to block devices (`IOWriteBytes`), if accounted.
    pub io_write_bytes: Option<u64>,
    /// Bytes received over IP (`IPIngressBytes`), if accounted.
    pub ip_ingress_bytes: Option<u64>,
    /// Bytes sent over IP (`IPEgressBytes`), if accounted.
    pub ip_egress_bytes: Option<u64>,
}

/// Whether [`RunOutcome::from_properties`] (or [`same_invocation`]) reads
/// this property: only these are decoded from the unit's signals and its
/// final `GetAll`.
pub(super) fn is_outcome_property(name: &str) -> bool {
    matches!(
        name,
        "Result"
            | "ExecMainCode"
            | "ExecMainStatus"
            | "ExecMainPID"
            | "InactiveExitTimestampMonotonic"
            | "InactiveEnterTimestampMonotonic"
            | "ExecMainStartTimestampMonotonic"
            | "ExecMainExitTimestampMonotonic"
            | "CPUUsageNSec"
            | "MemoryPeak"
            | "IOReadBytes"
            | "IOWriteBytes"
            | "IPIngressBytes"
            | "IPEgressBytes"
            | "InvocationID"
    )
}

impl RunOutcome {
    /// The outcome from the unit's properties; every name it reads is
    /// listed by [`is_outcome_property`].
    fn from_properties(
        unit: &str,
        values: &HashMap<String, Value>,
        child: Option<&ChildProcess>,
    ) -> RunOutcome {
        let u64_of = |name: &str| values.get(name).and_then(Value::as_u64);
        // u64::MAX: not accounted.
        let counter = |name: &str| u64_of(name).filter(|&v| v != u64::MAX);
        let i32_of = |name: &str| values.get(name).and_then(Value::as_i32);
        let span = |from: &str, to: &str| match (u64_of(from), u64_of(to)) {
            (Some(from), Some(to)) if from > 0 && to > from => {
                Some(Duration::from_micros(to - from))
            }
            _ => None,
        };
        let mut result = values
            .get("Result")
            .and_then(Value::as_str)
            .map_or(UnitResult::Other("unknown".to_owned()), UnitResult::from);
        let (exit, main_pid) = match child {
            Some(child) => {
                let exit = child.status().and_then(Exit::from_wait_status);
                if result == UnitResult::Success {
                    result = match exit {
                        Some(Exit::Code(0)) | None => UnitResult::Success,
                        Some(Exit::Code(_)) => UnitResult::ExitCode,
                        Some(Exit::Signal {
                            core_dumped: false, ..
                        }) => UnitResult::Signal,
                        Some(Exit::Signal {
                            core_dumped: true, ..
                        }) => UnitResult::CoreDump,
                    };
                }
                (exit, Some(child.pid()))
            }
            None => (
                match (i32_of("ExecMainCode"), i32_of("ExecMainStatus")) {
                    (Some(code), Some(status)) => Exit::from_code_and_status(code, status),
                    _ => None,
                },
                values
                    .get("ExecMainPID")
                    .and_then(Value::as_u32)
                    .filter(|&pid| pid != 0),
            ),
        };
        RunOutcome {
            unit: unit.to_owned(),
            result,
            exit,
            main_pid,
            start_job: None,
            runtime: span(
                "InactiveExitTimestampMonotonic",
                "InactiveEnterTimestampMonotonic",
            )
            .or_else(|| {
                span(
                    "ExecMainStartTimestampMonotonic",
                    "ExecMainExitTimestampMonotonic",
                )
            }),
            cpu_time: counter("CPUUsageNSec").map(Duration::from_nanos),
            memory_peak: counter("MemoryPeak"),
            io_read_bytes: counter("IOReadBytes"),
            io_write_bytes: counter("IOWriteBytes"),
            ip_ingress_bytes: counter("IPIngressBytes"),
            ip_egress_bytes: counter("IPEgressBytes"),
        }
    }

    /// Whether the unit succeeded: its result is `success`, and its start
    /// job (if known) completed.
    pub fn success(&self) -> bool {
        self.result == UnitResult::Success
            && self
                .start_job
                .as_ref()
                .is_none_or(|job| *job == JobResult::Done)
    }

    /// The exit status of the main process, if it exited.
    pub fn exit_code(&self) -> Option<i32> {
        match self.exit? {
            Exit::Code(code) => Some(code),
            Exit::Signal { .. } => None,
        }
    }

    /// The signal that killed the main process, if one did.
    pub fn signal(&self) -> Option<i32> {
        match self.exit? {
            Exit::Signal { signal, .. } => Some(signal),
            Exit::Code(_) => None,
        }
    }

    /// The outcome if it is a success, else an [`Error::UnitFailed`]
    /// carrying it.
    pub fn into_result(self) -> Result<RunOutcome> {
        if self.success() {
            Ok(self)
        } else {
            Err(Error::UnitFailed {
                unit: self.unit.clone(),
                reason: self.to_string().replace('\n', "; "),
                outcome: Some(Box::new(self)),
            })
        }
    }
}

/// Formats a byte count as systemd does: `1.5M`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "K", "M", "G", "T", "P"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n}B")
    } else {
        format!("{value:.1}{}", UNITS[unit])
    }
}

impl fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Finished with result: {}", self.result)?;
        if let Some(job) = self.start_job.as_ref().filter(|j| **j != JobResult::Done) {
            write!(f, "\nStart job: {job}")?;
        }
        if let Some(exit) = &self.exit {
            write!(f, "\nMain processes terminated with: {exit}")?;
        }
        if let Some(runtime) = self.runtime {
            write!(f, "\nService runtime: {runtime:?}")?;
        }
        if let Some(cpu) = self.cpu_time {
            write!(f, "\nCPU time consumed: {cpu:?}")?;
        }
        if let Some(peak) = self.memory_peak {
            write!(f, "\nMemory peak: {}", bytes(peak))?;
        }
        if let (Some(read), Some(write)) = (self.io_read_bytes, self.io_write_bytes) {
            write!(
                f,
                "\nIO bytes read: {}, written: {}",
                bytes(read),
                bytes(write)
            )?;
        }
        if let (Some(rx), Some(tx)) = (self.ip_ingress_bytes, self.ip_egress_bytes) {
            write!(
                f,
                "\nIP traffic received: {}, sent: {}",
                bytes(rx),
                bytes(tx)
            )?;
        }
        Ok(())
    }
}

/// Runs `argv` as a transient service of the system manager, waits for it
/// and returns how it ended: `Run::new(argv).start()?.wait()`.
///
/// ```no_run
/// let outcome = sdbus::transient::run(["/usr/bin/updatedb"])?;
/// assert!(outcome.success(), "{outcome}");
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn run<I, S>(argv: I) -> Result<RunOutcome>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Run::new(argv).start()?.wait()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(run: Run<'_>) -> Result<Plan> {
        Plan::new(run.spec)
    }

    fn shown(plan: &Plan) -> Vec<String> {
        plan.properties.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn default_names_and_description() {
        let p = plan(Run::new(["/bin/true", "x"])).unwrap();
        assert!(p.name.starts_with("sdbus-run-") && p.name.ends_with(".service"));
        assert_eq!(p.name.len(), "sdbus-run-".len() + 16 + ".service".len());
        assert_eq!(shown(&p), [r#"Description s "/bin/true x""#]);
        let other = plan(Run::new(["/bin/true"])).unwrap();
        assert_ne!(p.name, other.name);
        let scope = plan(Run::new(["/bin/true"]).scope()).unwrap();
        assert!(scope.name.ends_with(".scope"));
    }

    #[test]
    fn names_get_their_suffix() {
        assert_eq!(
            plan(Run::new(["/bin/true"]).name("job")).unwrap().name,
            "job.service"
        );
        assert_eq!(
            plan(Run::adopt([1]).name("job.scope")).unwrap().name,
            "job.scope"
        );
        let err = plan(Run::new(["/bin/true"]).name("job.scope"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("another unit type"), "{err}");
        assert!(plan(Run::new(["/bin/true"]).name("bad name")).is_err());
    }

    #[test]
    fn typed_and_text_settings_in_order() {
        let p = plan(
            Run::new(["/bin/true"])
                .description("d")
                .env("A", "1")
                .env("A", "2")
                .working_directory("/tmp")
                .as_user("nobody")
                .nice(5)
                .service_type(ServiceType::Oneshot)
                .property("CPUQuota=20%")
                .runtime_max(Duration::from_secs(2)),
        )
        .unwrap();
        assert_eq!(
            shown(&p),
            [
                r#"Description s "d""#,
                r#"Environment as 1 "A=2""#,
                r#"WorkingDirectory s "/tmp""#,
                r#"User s "nobody""#,
                "Nice i 5",
                r#"Type s "oneshot""#,
                "CPUQuotaPerSecUSec t 200000",
                "RuntimeMaxUSec t 2000000",
            ]
        );
    }

    #[test]
    fn builder_errors() {
        let err = plan(Run::new(["/bin/true"]).property("CPUQuta=20%"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("CPUQuota"), "{err}");
        let err = plan(Run::new(["/bin/true"]).property("MemoryMax=lots"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("MemoryMax=lots"), "{err}");
        let err = plan(Run::new(["/bin/true"]).scope().remain_after_exit(true))
            .err()
            .unwrap();
        assert!(err.to_string().contains("does not apply to scope"), "{err}");
        let err = plan(Run::new(["/bin/true"]).scope().property("Environment=A=1"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("scope"), "{err}");
        assert!(plan(Run::new(Vec::<String>::new())).is_err());
        assert!(plan(Run::new(Vec::<String>::new()).scope()).is_err());
        assert!(plan(Run::adopt([1]).env("A", "1")).is_err());
        assert!(plan(Run::new(["/bin/true"]).scope().timer(vec![])).is_err());
        let err = plan(
            Run::new(["/bin/true"])
                .stdout(Stdio::Inherit)
                .socket(vec![]),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("timer or a socket"), "{err}");
    }

    #[test]
    fn triggers_share_the_base_name() {
        let p = plan(
            Run::new(["/bin/true"])
                .name("tick")
                .timer(vec![UnitProperty::on_active(Duration::from_secs(1))]),
        )
        .unwrap();
        let (name, props) = p.trigger.unwrap();
        assert_eq!(name, "tick.timer");
        assert_eq!(props[0].to_string(), r#"Description s "/bin/true""#);
    }

    #[test]
    fn outcomes() {
        let mut values = HashMap::new();
        values.insert("Result".to_owned(), Value::from("exit-code"));
        values.insert("ExecMainCode".to_owned(), Value::from(CLD_EXITED));
        values.insert("ExecMainStatus".to_owned(), Value::from(3i32));
        values.insert("ExecMainPID".to_owned(), Value::from(42u32));
        values.insert(
            "InactiveExitTimestampMonotonic".to_owned(),
            Value::from(1_000u64),
        );
        values.insert(
            "InactiveEnterTimestampMonotonic".to_owned(),
            Value::from(13_000u64),
        );
        values.insert("CPUUsageNSec".to_owned(), Value::from(u64::MAX));
        let outcome = RunOutcome::from_properties("x.service", &values, None);
        assert_eq!(outcome.result, UnitResult::ExitCode);
        assert_eq!(outcome.exit_code(), Some(3));
        assert_eq!(outcome.signal(), None);
        assert_eq!(outcome.main_pid, Some(42));
        assert_eq!(outcome.runtime, Some(Duration::from_millis(12)));
        assert_eq!(outcome.cpu_time, None);
        assert_eq!(
            outcome.to_string(),
            "Finished with result: exit-code\n\
             Main processes terminated with: code=exited/status=3\n\
             Service runtime: 12ms"
        );
        let err = outcome.into_result().unwrap_err();
        assert!(
            matches!(&err, Error::UnitFailed { unit, outcome: Some(_), .. } if unit == "x.service")
        );
        assert!(err
            .to_string()
            .contains("x.service failed: Finished with result: exit-code;"));

        assert_eq!(
            Exit::from_code_and_status(CLD_DUMPED, 11),
            Some(Exit::Signal {
                signal: 11,
                core_dumped: true
            })
        );
        assert_eq!(Exit::from_code_and_status(0, 0), None);
        assert_eq!(
            UnitResult::from("trigger-limit-hit").as_str(),
            "trigger-limit-hit"
        );
        assert_eq!(bytes(1536), "1.5K");
        assert_eq!(bytes(12), "12B");
    }
}
