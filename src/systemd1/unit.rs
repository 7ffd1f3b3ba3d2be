//! [`Unit`] and [`Service`]: one unit of the manager.

use std::ops::Deref;

use super::job::Job;
use super::manager::Manager;
use super::types::{ActiveState, JobMode, KillWho, LoadState, UnitFileState, UnitProcess};
use super::watch::UnitWatch;
use super::{
    unit_name_problem, validate_unit_name, DESTINATION, SERVICE_INTERFACE, UNIT_INTERFACE,
    UNIT_PATH_PREFIX,
};
use crate::bus::Bus;
use crate::error::{Error, InvalidKind, Result};
use crate::names::ObjectPath;
use crate::path::{path_decode, path_encode};
use crate::properties::Properties;
use crate::types::{Read, Value};

/// One unit of the manager, by name and object path.
///
/// Made by name without any call ([`Manager::unit`], [`Unit::new`]: the
/// path is the name encoded under `/org/freedesktop/systemd1/unit`, so
/// `getty@tty1.service` or `dev-disk-by\x2duuid-….device` work), or from
/// the manager's answers ([`Manager::get_unit`], [`Manager::load_unit`],
/// [`Manager::get_unit_by_pid`]). Typed accessors read the `Unit`
/// interface's state; [`Unit::get_property`] and [`Unit::properties`] read
/// any other property, and [`Unit::path`] is all the dynamic layers need.
///
/// ```no_run
/// use sdbus::systemd1::{ActiveState, JobMode, Manager};
///
/// let bus = sdbus::Bus::open_system()?;
/// let manager = Manager::new(&bus);
/// let unit = manager.unit("getty@tty1.service")?;
/// assert_eq!(unit.path(), "/org/freedesktop/systemd1/unit/getty_40tty1_2eservice");
/// if unit.active_state()? != ActiveState::Active {
///     unit.start(JobMode::Replace)?.wait()?;
/// }
/// let memory: u64 = unit.get_property("org.freedesktop.systemd1.Service", "MemoryCurrent")?;
/// # Ok::<(), sdbus::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Unit<'bus> {
    manager: Manager<'bus>,
    name: String,
    path: ObjectPath,
}

impl<'bus> Unit<'bus> {
    /// A handle on unit `name` of `manager`, made without any call.
    ///
    /// An invalid name is an [`Error::Invalid`] of kind
    /// [`InvalidKind::UnitName`] naming it.
    pub fn new(manager: &Manager<'bus>, name: &str) -> Result<Unit<'bus>> {
        validate_unit_name(name)?;
        Ok(Unit {
            manager: manager.clone(),
            name: name.to_owned(),
            path: path_encode(UNIT_PATH_PREFIX, name)?,
        })
    }

    /// A handle on the unit at `path`. The name is decoded from the path;
    /// for the few paths that do not encode one (such as
    /// `/org/freedesktop/systemd1/unit/self`), the unit's `Id` is asked.
    pub fn from_path(manager: &Manager<'bus>, path: &str) -> Result<Unit<'bus>> {
        let path = ObjectPath::try_from(path)?;
        let name = match path_decode(&path, UNIT_PATH_PREFIX)? {
            Some(name) if unit_name_problem(&name).is_none() => name,
            _ => manager
                .bus()
                .get_property(DESTINATION, &path, UNIT_INTERFACE, "Id")?,
        };
        Ok(Unit {
            manager: manager.clone(),
            name,
            path,
        })
    }

    /// The unit's name, such as `dbus.service`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The unit's object path.
    pub fn path(&self) -> &ObjectPath {
        &self.path
    }

    /// The manager this unit belongs to.
    pub fn manager(&self) -> &Manager<'bus> {
        &self.manager
    }

    /// The connection the unit is reached through.
    pub fn bus(&self) -> &'bus Bus {
        self.manager.bus()
    }

    /// Reads any property of the unit's object, such as
    /// `("org.freedesktop.systemd1.Service", "MemoryCurrent")`, as a `T`.
    pub fn get_property<T: for<'m> Read<'m>>(&self, interface: &str, name: &str) -> Result<T> {
        self.bus()
            .get_property(DESTINATION, &self.path, interface, name)
    }

    /// Every property of `interface` of the unit's object (`GetAll`).
    pub fn properties(&self, interface: &str) -> Result<Properties> {
        self.bus().get_all(DESTINATION, &self.path, interface)
    }

    fn unit_property<T: for<'m> Read<'m>>(&self, name: &str) -> Result<T> {
        self.get_property(UNIT_INTERFACE, name)
    }

    /// The unit's primary name, as the manager knows it (`Id`).
    pub fn id(&self) -> Result<String> {
        self.unit_property("Id")
    }

    /// Every name of the unit, aliases included (`Names`).
    pub fn names(&self) -> Result<Vec<String>> {
        self.unit_property("Names")
    }

    /// The unit's description (`Description`).
    pub fn description(&self) -> Result<String> {
        self.unit_property("Description")
    }

    /// Whether the unit's configuration was loaded (`LoadState`).
    pub fn load_state(&self) -> Result<LoadState> {
        self.unit_property("LoadState")
    }

    /// The unit's high-level state (`ActiveState`).
    pub fn active_state(&self) -> Result<ActiveState> {
        self.unit_property("ActiveState")
    }

    /// The unit's type-specific state, such as `running` or `exited`
    /// (`SubState`).
    pub fn sub_state(&self) -> Result<String> {
        self.unit_property("SubState")
    }

    /// The unit file the unit was loaded from, or `""` (`FragmentPath`).
    pub fn fragment_path(&self) -> Result<String> {
        self.unit_property("FragmentPath")
    }

    /// The drop-in files applied to the unit (`DropInPaths`).
    pub fn drop_in_paths(&self) -> Result<Vec<String>> {
        self.unit_property("DropInPaths")
    }

    /// The enablement state of the unit's file (`UnitFileState`).
    pub fn unit_file_state(&self) -> Result<UnitFileState> {
        self.unit_property("UnitFileState")
    }

    /// Whether the unit's files changed on disk since they were loaded
    /// (`NeedDaemonReload`).
    pub fn need_daemon_reload(&self) -> Result<bool> {
        self.unit_property("NeedDaemonReload")
    }

    /// Calls `member(mode)` of the unit, which queues a job.
    fn job(&self, member: &str, mode: JobMode) -> Result<Job<'bus>> {
        self.manager
            .enqueue(&self.path, UNIT_INTERFACE, member, &(mode,), &self.name)
    }

    /// Starts the unit (`Start`); see [`Manager::start_unit`].
    pub fn start(&self, mode: JobMode) -> Result<Job<'bus>> {
        self.job("Start", mode)
    }

    /// Stops the unit (`Stop`); see [`Manager::start_unit`].
    pub fn stop(&self, mode: JobMode) -> Result<Job<'bus>> {
        self.job("Stop", mode)
    }

    /// Restarts the unit (`Restart`); see [`Manager::start_unit`].
    pub fn restart(&self, mode: JobMode) -> Result<Job<'bus>> {
        self.job("Restart", mode)
    }

    /// Reloads the unit (`Reload`); see [`Manager::start_unit`].
    pub fn reload(&self, mode: JobMode) -> Result<Job<'bus>> {
        self.job("Reload", mode)
    }

    /// Restarts the unit if it is running (`TryRestart`); see
    /// [`Manager::start_unit`].
    pub fn try_restart(&self, mode: JobMode) -> Result<Job<'bus>> {
        self.job("TryRestart", mode)
    }

    /// Sends `signal` to processes of the unit (`Kill`).
    pub fn kill(&self, who: KillWho, signal: i32) -> Result<()> {
        self.bus().call_method(
            DESTINATION,
            &self.path,
            UNIT_INTERFACE,
            "Kill",
            &(who, signal),
        )?;
        Ok(())
    }

    /// Resets the unit's failed state (`ResetFailed`).
    pub fn reset_failed(&self) -> Result<()> {
        self.bus()
            .call_method(DESTINATION, &self.path, UNIT_INTERFACE, "ResetFailed", &())?;
        Ok(())
    }

    /// Changes properties of the unit (`SetProperties`); see
    /// [`Manager::set_unit_properties`].
    pub fn set_properties(&self, runtime: bool, properties: &[(&str, Value)]) -> Result<()> {
        self.bus().call_method(
            DESTINATION,
            &self.path,
            UNIT_INTERFACE,
            "SetProperties",
            &(runtime, properties),
        )?;
        Ok(())
    }

    /// The unit's processes, with their control groups
    /// ([`Manager::get_unit_processes`]; for any unit with a control
    /// group: services, scopes, slices, sockets…).
    pub fn get_processes(&self) -> Result<Vec<UnitProcess>> {
        self.manager.get_unit_processes(&self.name)
    }

    /// Moves processes `pids` into the unit's control group, or its
    /// sub-group `subcgroup` ([`Manager::attach_processes_to_unit`]). The
    /// unit must have `Delegate=yes`.
    pub fn attach_processes(&self, subcgroup: &str, pids: &[u32]) -> Result<()> {
        self.manager
            .attach_processes_to_unit(&self.name, subcgroup, pids)
    }

    /// Watches the unit's `ActiveState` and `SubState`; see [`UnitWatch`].
    pub fn watch(&self) -> Result<UnitWatch<'bus>> {
        UnitWatch::new(self.clone())
    }

    /// This unit as a service, for the `Service` interface's properties.
    /// A unit whose name does not end in `.service` is an
    /// [`Error::Invalid`] of kind [`InvalidKind::UnitName`].
    pub fn service(self) -> Result<Service<'bus>> {
        if !self.name.ends_with(".service") {
            return Err(Error::invalid(
                InvalidKind::UnitName,
                self.name,
                "is not a service",
            ));
        }
        Ok(Service(self))
    }
}

/// A service unit: a [`Unit`] (which it dereferences to) with the
/// properties of the `org.freedesktop.systemd1.Service` interface.
///
/// ```no_run
/// # fn demo(manager: &sdbus::systemd1::Manager) -> sdbus::Result<()> {
/// let service = manager.service("foo.service")?;
/// println!("{} ({}): main pid {}", service.name(), service.active_state()?, service.main_pid()?);
/// for process in service.get_processes()? {
///     println!("{} {}", process.pid, process.cmdline);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Service<'bus>(Unit<'bus>);

impl<'bus> Service<'bus> {
    fn service_property<T: for<'m> Read<'m>>(&self, name: &str) -> Result<T> {
        self.0.get_property(SERVICE_INTERFACE, name)
    }

    /// The service's main process, or 0 (`MainPID`).
    pub fn main_pid(&self) -> Result<u32> {
        self.service_property("MainPID")
    }

    /// The process running an `ExecStartPre=`, `ExecReload=`… command, or
    /// 0 (`ControlPID`).
    pub fn control_pid(&self) -> Result<u32> {
        self.service_property("ControlPID")
    }

    /// The last main process, even once it exited, or 0 (`ExecMainPID`).
    pub fn exec_main_pid(&self) -> Result<u32> {
        self.service_property("ExecMainPID")
    }

    /// How the last main process ended: `CLD_EXITED` (1), `CLD_KILLED`
    /// (2), `CLD_DUMPED` (3), or 0 while it runs (`ExecMainCode`).
    pub fn exec_main_code(&self) -> Result<i32> {
        self.service_property("ExecMainCode")
    }

    /// The last main process's exit status, or the signal that ended it
    /// (see [`Service::exec_main_code`]; `ExecMainStatus`).
    pub fn exec_main_status(&self) -> Result<i32> {
        self.service_property("ExecMainStatus")
    }

    /// Why the service last stopped or failed: `success`, `exit-code`,
    /// `signal`, `timeout`… (`Result`).
    pub fn result(&self) -> Result<String> {
        self.service_property("Result")
    }

    /// How many times the service was restarted automatically
    /// (`NRestarts`).
    pub fn n_restarts(&self) -> Result<u32> {
        self.service_property("NRestarts")
    }

    /// The service's `Type=`: `simple`, `exec`, `forking`, `oneshot`…
    /// (`Type`).
    pub fn service_type(&self) -> Result<String> {
        self.service_property("Type")
    }

    /// The status the service last sent with `sd_notify("STATUS=…")`
    /// (`StatusText`).
    pub fn status_text(&self) -> Result<String> {
        self.service_property("StatusText")
    }

    /// The unit this service is.
    pub fn into_unit(self) -> Unit<'bus> {
        self.0
    }
}

impl<'bus> Deref for Service<'bus> {
    type Target = Unit<'bus>;

    fn deref(&self) -> &Unit<'bus> {
        &self.0
    }
}
