//! [`Manager`]: the `org.freedesktop.systemd1.Manager` object.

use std::cell::{Cell, OnceCell};
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use super::job::{Job, JobTracker};
use super::types::{
    JobMode, KillWho, UnitFile, UnitFileChange, UnitFileState, UnitProcess, UnitStatus,
};
use super::unit::{Service, Unit};
use super::watch::{ManagerEvents, UnitWatch};
use super::{validate_unit_name, DESTINATION, MANAGER_INTERFACE, MANAGER_PATH};
use crate::bus::Bus;
use crate::error::{BusErrorKind, Result};
use crate::message::Message;
use crate::names::ObjectPath;
use crate::types::{AppendArgs, Read, Value};

/// How long [`Manager::reload`] waits, as `systemctl daemon-reload` does:
/// twice the manager's default job timeout.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(180);

/// systemd's manager: units, jobs, unit files and the manager's own
/// properties.
///
/// A `Manager` is a handle on a [`Bus`], made without any call: the
/// system or the user manager is whatever the bus connects to, and a direct
/// connection from [`Bus::open_manager_direct`] works as well. Clones share
/// their state (the `JobRemoved` subscription of their jobs, whether the
/// connection is subscribed to the manager's signals).
///
/// ```no_run
/// use sdbus::systemd1::{JobMode, Manager};
///
/// let bus = sdbus::Bus::open_system()?;
/// let manager = Manager::new(&bus);
/// println!("systemd {} on {}", manager.version()?, manager.architecture()?);
/// for unit in manager.list_units_filtered(&["failed"])? {
///     println!("{} failed: {}", unit.name, unit.sub_state);
/// }
/// manager.restart_unit("cron.service", JobMode::Replace)?.wait()?;
/// # Ok::<(), sdbus::Error>(())
/// ```
#[derive(Clone)]
pub struct Manager<'bus> {
    bus: &'bus Bus,
    shared: Rc<Shared<'bus>>,
}

/// What clones of a [`Manager`] share.
#[derive(Default)]
struct Shared<'bus> {
    /// Created with the first job, then reused by every later one.
    jobs: OnceCell<Rc<JobTracker<'bus>>>,
    /// Whether `Subscribe` was called through this manager.
    subscribed: Cell<bool>,
}

impl<'bus> Manager<'bus> {
    /// The manager at the other end of `bus`. No call is made.
    pub fn new(bus: &'bus Bus) -> Manager<'bus> {
        Manager {
            bus,
            shared: Rc::default(),
        }
    }

    /// The connection this manager is reached through.
    pub fn bus(&self) -> &'bus Bus {
        self.bus
    }

    /// Calls `member` of the manager interface.
    fn call<A: AppendArgs + ?Sized>(&self, member: &str, args: &A) -> Result<Message<'bus>> {
        self.bus
            .call_method(DESTINATION, MANAGER_PATH, MANAGER_INTERFACE, member, args)
    }

    /// Reads property `name` of the manager interface.
    fn property<T: for<'m> Read<'m>>(&self, name: &str) -> Result<T> {
        self.bus
            .get_property(DESTINATION, MANAGER_PATH, MANAGER_INTERFACE, name)
    }

    /// The manager's version, such as `"252.39-1~deb12u2"` (`Version`).
    pub fn version(&self) -> Result<String> {
        self.property("Version")
    }

    /// The architecture the manager was built for, such as `"x86-64"`
    /// (`Architecture`).
    pub fn architecture(&self) -> Result<String> {
        self.property("Architecture")
    }

    /// The manager's compile-time features, such as `"+PAM +AUDIT …"`
    /// (`Features`).
    pub fn features(&self) -> Result<String> {
        self.property("Features")
    }

    /// A handle on unit `name`, made without any call (the path is computed
    /// from the name). The unit need not be loaded: systemd loads it when
    /// its object is first used.
    ///
    /// An invalid name is an [`Error::Invalid`](crate::Error::Invalid) of
    /// kind [`InvalidKind::UnitName`](crate::InvalidKind::UnitName).
    pub fn unit(&self, name: &str) -> Result<Unit<'bus>> {
        Unit::new(self, name)
    }

    /// A handle on the unit at `path` (its name is decoded from the path).
    pub fn unit_by_path(&self, path: &str) -> Result<Unit<'bus>> {
        Unit::from_path(self, path)
    }

    /// A handle on service `name` (which must end in `.service`), made
    /// without any call.
    pub fn service(&self, name: &str) -> Result<Service<'bus>> {
        self.unit(name)?.service()
    }

    /// The unit whose path `member(args)` returns.
    fn unit_from_reply<A: AppendArgs + ?Sized>(
        &self,
        member: &str,
        args: &A,
    ) -> Result<Unit<'bus>> {
        let path: ObjectPath = self.call(member, args)?.read()?;
        Unit::from_path(self, &path)
    }

    /// The loaded unit `name` (`GetUnit`). A unit that is not loaded is an
    /// error of kind [`BusErrorKind::NoSuchUnit`].
    ///
    /// ```no_run
    /// # fn demo(manager: &sdbus::systemd1::Manager) -> sdbus::Result<()> {
    /// match manager.get_unit("foo.service") {
    ///     Ok(unit) => println!("{} is {}", unit.name(), unit.active_state()?),
    ///     Err(e) if e.bus_error_kind() == Some(sdbus::BusErrorKind::NoSuchUnit) => {
    ///         println!("not loaded")
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_unit(&self, name: &str) -> Result<Unit<'bus>> {
        validate_unit_name(name)?;
        self.unit_from_reply("GetUnit", &(name,))
    }

    /// Unit `name`, loading it from disk if needed (`LoadUnit`).
    pub fn load_unit(&self, name: &str) -> Result<Unit<'bus>> {
        validate_unit_name(name)?;
        self.unit_from_reply("LoadUnit", &(name,))
    }

    /// The unit process `pid` belongs to (`GetUnitByPID`; 0: the caller).
    pub fn get_unit_by_pid(&self, pid: u32) -> Result<Unit<'bus>> {
        self.unit_from_reply("GetUnitByPID", &(pid,))
    }

    /// The processes of unit `name`, with their control groups
    /// (`GetUnitProcesses`).
    pub fn get_unit_processes(&self, name: &str) -> Result<Vec<UnitProcess>> {
        validate_unit_name(name)?;
        self.call("GetUnitProcesses", &(name,))?.read()
    }

    /// Every loaded unit, as `systemctl list-units --all` lists them
    /// (`ListUnits`).
    ///
    /// ```no_run
    /// # fn demo(manager: &sdbus::systemd1::Manager) -> sdbus::Result<()> {
    /// use sdbus::systemd1::ActiveState;
    /// for unit in manager.list_units()? {
    ///     if unit.active_state == ActiveState::Failed {
    ///         println!("{}: {}", unit.name, unit.description);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_units(&self) -> Result<Vec<UnitStatus>> {
        self.call("ListUnits", &())?.read()
    }

    /// The loaded units in one of `states` (load, active or sub-states,
    /// such as `"failed"` or `"running"`; `ListUnitsFiltered`).
    pub fn list_units_filtered(&self, states: &[&str]) -> Result<Vec<UnitStatus>> {
        self.call("ListUnitsFiltered", &(states,))?.read()
    }

    /// The units in one of `states` (all if empty) whose names match one
    /// of the glob `patterns` (all if empty), loading matching units from
    /// disk (`ListUnitsByPatterns`).
    pub fn list_units_by_patterns(
        &self,
        states: &[&str],
        patterns: &[&str],
    ) -> Result<Vec<UnitStatus>> {
        self.call("ListUnitsByPatterns", &(states, patterns))?
            .read()
    }

    /// Every unit file and its enablement state (`ListUnitFiles`).
    pub fn list_unit_files(&self) -> Result<Vec<UnitFile>> {
        self.call("ListUnitFiles", &())?.read()
    }

    /// The enablement state of unit file `file` (a unit name;
    /// `GetUnitFileState`).
    pub fn get_unit_file_state(&self, file: &str) -> Result<UnitFileState> {
        self.call("GetUnitFileState", &(file,))?.read()
    }

    /// The tracker of this manager's jobs, created (its `JobRemoved` match
    /// installed) on first use. Call it before the call that creates a job.
    pub(super) fn job_tracker(&self) -> Result<Rc<JobTracker<'bus>>> {
        if let Some(tracker) = self.shared.jobs.get() {
            tracker.take_queued();
            return Ok(Rc::clone(tracker));
        }
        let tracker = Rc::new(JobTracker::new(self.bus)?);
        Ok(Rc::clone(self.shared.jobs.get_or_init(|| tracker)))
    }

    /// Calls a method that queues a job for `unit` and returns it, with the
    /// `JobRemoved` match installed before the call.
    pub(super) fn enqueue<A: AppendArgs + ?Sized>(
        &self,
        path: &str,
        interface: &str,
        member: &str,
        args: &A,
        unit: &str,
    ) -> Result<Job<'bus>> {
        let tracker = self.job_tracker()?;
        let reply = self
            .bus
            .call_method(DESTINATION, path, interface, member, args)?;
        let path: ObjectPath = reply.read()?;
        Job::new(self.bus, tracker, path, unit)
    }

    /// Calls `member(name, mode)` of the manager, which queues a job.
    fn unit_job(&self, member: &str, name: &str, mode: JobMode) -> Result<Job<'bus>> {
        validate_unit_name(name)?;
        self.enqueue(MANAGER_PATH, MANAGER_INTERFACE, member, &(name, mode), name)
    }

    /// Starts unit `name` (`StartUnit`). The returned [`Job`] can be
    /// waited for: the `JobRemoved` signal is matched before the call, so
    /// its result cannot be missed.
    ///
    /// The first job of a `Manager` installs one `JobRemoved` match, which
    /// every later job of it (and of its clones) reuses: creating a job then
    /// costs only its method call.
    ///
    /// ```no_run
    /// # fn demo(manager: &sdbus::systemd1::Manager) -> sdbus::Result<()> {
    /// use sdbus::systemd1::{JobMode, JobResult};
    /// let job = manager.start_unit("foo.service", JobMode::Replace)?;
    /// match job.wait()? {
    ///     JobResult::Done => println!("started"),
    ///     other => println!("job {} of {}: {other}", job.id(), job.unit()),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn start_unit(&self, name: &str, mode: JobMode) -> Result<Job<'bus>> {
        self.unit_job("StartUnit", name, mode)
    }

    /// Stops unit `name` (`StopUnit`); see [`Manager::start_unit`].
    pub fn stop_unit(&self, name: &str, mode: JobMode) -> Result<Job<'bus>> {
        self.unit_job("StopUnit", name, mode)
    }

    /// Restarts unit `name`, starting it if it is not running
    /// (`RestartUnit`); see [`Manager::start_unit`].
    pub fn restart_unit(&self, name: &str, mode: JobMode) -> Result<Job<'bus>> {
        self.unit_job("RestartUnit", name, mode)
    }

    /// Reloads unit `name`'s configuration (`ReloadUnit`); see
    /// [`Manager::start_unit`].
    pub fn reload_unit(&self, name: &str, mode: JobMode) -> Result<Job<'bus>> {
        self.unit_job("ReloadUnit", name, mode)
    }

    /// Restarts unit `name` if it is running (`TryRestartUnit`); see
    /// [`Manager::start_unit`].
    pub fn try_restart_unit(&self, name: &str, mode: JobMode) -> Result<Job<'bus>> {
        self.unit_job("TryRestartUnit", name, mode)
    }

    /// Sends `signal` (such as `libc::SIGTERM`) to processes of unit `name`
    /// (`KillUnit`).
    pub fn kill_unit(&self, name: &str, who: KillWho, signal: i32) -> Result<()> {
        validate_unit_name(name)?;
        self.call("KillUnit", &(name, who, signal))?;
        Ok(())
    }

    /// Resets the failed state of unit `name` (`ResetFailedUnit`).
    pub fn reset_failed_unit(&self, name: &str) -> Result<()> {
        validate_unit_name(name)?;
        self.call("ResetFailedUnit", &(name,))?;
        Ok(())
    }

    /// Resets the failed state of every unit (`ResetFailed`).
    pub fn reset_failed(&self) -> Result<()> {
        self.call("ResetFailed", &())?;
        Ok(())
    }

    /// Enables unit `files` (unit names or paths), as `systemctl enable`
    /// does (`EnableUnitFiles`): for this boot only with `runtime`,
    /// replacing conflicting symlinks with `force`. Returns whether the
    /// files carried install information (an `[Install]` section) and what
    /// was changed. Call [`Manager::reload`] afterwards, as `systemctl`
    /// does.
    ///
    /// ```no_run
    /// # fn demo(manager: &sdbus::systemd1::Manager) -> sdbus::Result<()> {
    /// let (has_install_info, changes) = manager.enable_unit_files(&["foo.service"], false, false)?;
    /// for change in changes {
    ///     println!("{}: {} -> {}", change.change, change.path, change.destination);
    /// }
    /// manager.reload()?;
    /// # Ok(()) }
    /// ```
    pub fn enable_unit_files(
        &self,
        files: &[&str],
        runtime: bool,
        force: bool,
    ) -> Result<(bool, Vec<UnitFileChange>)> {
        self.call("EnableUnitFiles", &(files, runtime, force))?
            .read_args()
    }

    /// Disables unit `files`, as `systemctl disable` does
    /// (`DisableUnitFiles`), and returns what was changed.
    pub fn disable_unit_files(&self, files: &[&str], runtime: bool) -> Result<Vec<UnitFileChange>> {
        self.call("DisableUnitFiles", &(files, runtime))?.read()
    }

    /// Reloads every unit file, as `systemctl daemon-reload` does
    /// (`Reload`), and returns once the reload is complete.
    ///
    /// The manager reloads asynchronously (announcing it with its
    /// `Reloading` signal) but holds back its reply to `Reload` until the
    /// reload is over, so when this returns, units reflect the files on
    /// disk. It waits up to 3 minutes, as `systemctl` does.
    pub fn reload(&self) -> Result<()> {
        let call =
            self.bus
                .new_method_call(DESTINATION, MANAGER_PATH, MANAGER_INTERFACE, "Reload")?;
        self.bus.call(&call, Some(RELOAD_TIMEOUT))?;
        Ok(())
    }

    /// Changes properties of unit `name` (`SetUnitProperties`), for this
    /// boot only with `runtime`, else persistently (as a drop-in). Each
    /// value must have the property's type, as `systemctl set-property`
    /// parses it.
    ///
    /// ```no_run
    /// # fn demo(manager: &sdbus::systemd1::Manager) -> sdbus::Result<()> {
    /// use sdbus::Value;
    /// manager.set_unit_properties(
    ///     "foo.service",
    ///     true,
    ///     &[("Description", Value::from("Foo, tuned")), ("CPUWeight", Value::from(50u64))],
    /// )?;
    /// # Ok(()) }
    /// ```
    pub fn set_unit_properties(
        &self,
        name: &str,
        runtime: bool,
        properties: &[(&str, Value)],
    ) -> Result<()> {
        validate_unit_name(name)?;
        self.call("SetUnitProperties", &(name, runtime, properties))?;
        Ok(())
    }

    /// Moves processes `pids` into unit `name`'s control group, or into
    /// its sub-group `subcgroup` (`"/"` or `""`: the unit's own group;
    /// `AttachProcessesToUnit`). The unit must have `Delegate=yes`.
    pub fn attach_processes_to_unit(
        &self,
        name: &str,
        subcgroup: &str,
        pids: &[u32],
    ) -> Result<()> {
        validate_unit_name(name)?;
        self.call("AttachProcessesToUnit", &(name, subcgroup, pids))?;
        Ok(())
    }

    /// Asks the manager to send this connection its unit and job signals
    /// (`Subscribe`). On a bus, systemd sends `PropertiesChanged` of units
    /// and `UnitNew`/`UnitRemoved` only to subscribed clients; direct
    /// connections are always subscribed.
    ///
    /// [`Manager::watch_unit`] and [`Manager::events`] subscribe by
    /// themselves. The subscription belongs to the connection and lasts
    /// until [`Manager::unsubscribe`] or until the connection closes.
    /// Subscribing twice is not an error.
    pub fn subscribe(&self) -> Result<()> {
        match self.call("Subscribe", &()) {
            Err(e) if e.bus_error_kind() != Some(BusErrorKind::AlreadySubscribed) => Err(e),
            _ => {
                self.shared.subscribed.set(true);
                Ok(())
            }
        }
    }

    /// Cancels [`Manager::subscribe`] (`Unsubscribe`). Watches and event
    /// streams of this connection stop receiving what only subscribed
    /// clients get. Unsubscribing when not subscribed is not an error.
    pub fn unsubscribe(&self) -> Result<()> {
        self.shared.subscribed.set(false);
        match self.call("Unsubscribe", &()) {
            Err(e) if e.bus_error_kind() != Some(BusErrorKind::NotSubscribed) => Err(e),
            _ => Ok(()),
        }
    }

    /// Subscribes unless this manager (or a clone) already did.
    pub(super) fn ensure_subscribed(&self) -> Result<()> {
        if self.shared.subscribed.get() {
            return Ok(());
        }
        self.subscribe()
    }

    /// Watches the `ActiveState` and `SubState` of unit `name`; see
    /// [`UnitWatch`].
    pub fn watch_unit(&self, name: &str) -> Result<UnitWatch<'bus>> {
        UnitWatch::new(self.unit(name)?)
    }

    /// The manager's signals, typed; see [`ManagerEvents`].
    pub fn events(&self) -> Result<ManagerEvents<'bus>> {
        ManagerEvents::new(self)
    }
}

impl fmt::Debug for Manager<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Manager")
            .field("bus", self.bus)
            .field("subscribed", &self.shared.subscribed.get())
            .finish()
    }
}
