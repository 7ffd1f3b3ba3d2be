//! The typed systemd1 layer against the sandbox's user manager: the seed's
//! walk-through step by step, job results, state watches, manager events,
//! unit lists and files, and the errors of each.
//!
//! Unit files go to `$XDG_CONFIG_HOME/systemd/user`, which the sandbox
//! creates fresh and the user manager searches. Tests run in parallel
//! threads: each uses its own unit names, and a [`TestUnits`] guard stops
//! its units and removes its files however the test ends.

mod common;

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::*;
use sdbus::path::path_encode;
use sdbus::systemd1::{
    ActiveState, JobMode, JobResult, JobType, KillWho, LoadState, Manager, ManagerEvent,
    UnitFileChangeType, UnitFileState, SERVICE_INTERFACE, UNIT_PATH_PREFIX,
};
use sdbus::{Bus, BusErrorKind, Error, InvalidKind, ManagerScope, Value};

const TIMEOUT: Duration = Duration::from_secs(30);

/// The user manager's unit directory of the sandbox.
fn unit_dir() -> PathBuf {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .expect("XDG_CONFIG_HOME is set by the sandbox: run the tests with sandbox/run");
    PathBuf::from(config).join("systemd/user")
}

/// Unit files written by a test and units it started: on drop, the units
/// are stopped and reset, the files removed and the manager reloaded.
#[derive(Default)]
struct TestUnits {
    units: Vec<String>,
    files: Vec<PathBuf>,
}

impl TestUnits {
    /// Writes unit file `name` (relative to the unit directory) and
    /// remembers to remove it; `.d` directories are created as needed.
    fn write(&mut self, name: &str, contents: &str) {
        let path = unit_dir().join(name);
        if let Some(dir) = path.parent() {
            if !dir.exists() {
                fs::create_dir_all(dir).expect("create the unit directory");
                self.files.push(dir.to_owned());
            }
        }
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self.files.push(path);
    }

    /// Remembers to stop unit `name`.
    fn track(&mut self, name: &str) {
        self.units.push(name.to_owned());
    }

    /// Writes service `name` and remembers to stop it.
    fn service(&mut self, name: &str, service_section: &str) {
        self.write(
            name,
            &format!("[Unit]\nDescription=sdbus test {name}\n\n[Service]\n{service_section}"),
        );
        self.track(name);
    }

    /// Remembers to remove a file the manager creates.
    fn created_by_manager(&mut self, path: PathBuf) {
        self.files.push(path);
    }
}

impl Drop for TestUnits {
    fn drop(&mut self) {
        let Ok(bus) = Bus::open_user() else { return };
        let manager = Manager::new(&bus);
        for unit in &self.units {
            if let Ok(job) = manager.stop_unit(unit, JobMode::Replace) {
                let _ = job.wait_timeout(TIMEOUT);
            }
            let _ = manager.reset_failed_unit(unit);
        }
        // Files before the directories that hold them.
        for path in self.files.iter().rev() {
            let _ = fs::remove_file(path).or_else(|_| fs::remove_dir(path));
        }
        let _ = manager.reload();
    }
}

/// The command name of process `pid`.
fn comm(pid: u32) -> String {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_else(|e| panic!("read /proc/{pid}/comm: {e}"))
        .trim_end()
        .to_owned()
}

/// The unit this test process runs in, from its own control group.
fn own_scope_from_proc() -> String {
    let cgroups = fs::read_to_string("/proc/self/cgroup").unwrap();
    let line = cgroups
        .lines()
        .find(|line| line.starts_with("0::"))
        .or_else(|| cgroups.lines().find(|line| line.contains(":name=systemd:")))
        .unwrap_or_else(|| panic!("no systemd cgroup in {cgroups}"));
    line.rsplit('/').next().unwrap().to_owned()
}

/// A forked child that waits for a signal, killed and reaped on drop if it
/// is still there.
struct PausedChild {
    pid: libc::pid_t,
    reaped: bool,
}

impl PausedChild {
    fn spawn() -> PausedChild {
        // SAFETY: the child calls only `pause`, which is async-signal-safe
        // (all that is allowed after `fork` in a multi-threaded process),
        // until a signal ends it.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
        if pid == 0 {
            loop {
                // SAFETY: `pause` has no preconditions.
                unsafe { libc::pause() };
            }
        }
        PausedChild { pid, reaped: false }
    }

    fn pid(&self) -> u32 {
        self.pid.unsigned_abs()
    }

    /// Waits for the child to end, at most `timeout`; its wait status.
    fn wait(&mut self, timeout: Duration) -> Option<libc::c_int> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut status = 0;
            // SAFETY: `self.pid` is our child, not yet reaped; `status` is
            // a valid out pointer.
            let ret = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
            assert!(ret >= 0, "waitpid: {}", std::io::Error::last_os_error());
            if ret == self.pid {
                self.reaped = true;
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for PausedChild {
    fn drop(&mut self) {
        if !self.reaped {
            let mut status = 0;
            // SAFETY: `self.pid` is our child, not yet reaped; killing and
            // reaping it cannot affect another process.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, &mut status, 0);
            }
        }
    }
}

/// The seed's walk-through, step by step: a unit file, a reload, start,
/// `MainPID` two ways, restart, the test's own scope, a `Delegate=yes`
/// drop-in, a forked child attached to the service and killed with it.
#[test]
fn seed_walk_through() {
    const NAME: &str = "myfirstservice.service";
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let mut units = TestUnits::default();

    // A real unit file in the user manager's unit path, and a reload.
    // `Type=exec`: the start job ends once `sleep` runs, not at the fork.
    units.service(NAME, "Type=exec\nExecStart=/bin/sleep infinity\n");
    manager.reload().unwrap();
    let service = manager.service(NAME).unwrap();
    assert_eq!(service.load_state().unwrap(), LoadState::Loaded);
    assert!(service
        .fragment_path()
        .unwrap()
        .ends_with("/systemd/user/myfirstservice.service"));

    // Start it: the job's result comes from `JobRemoved`.
    let job = manager.start_unit(NAME, JobMode::Replace).unwrap();
    assert_eq!(job.unit(), NAME);
    assert!(job.path().starts_with("/org/freedesktop/systemd1/job/"));
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
    assert_eq!(service.active_state().unwrap(), ActiveState::Active);
    assert_eq!(service.sub_state().unwrap(), "running");

    // `MainPID`, typed and through `Properties.Get`.
    let main_pid = service.main_pid().unwrap();
    let through_get: u32 = bus
        .get_property(SYSTEMD, service.path(), SERVICE_INTERFACE, "MainPID")
        .unwrap();
    assert_eq!(main_pid, through_get);
    assert!(main_pid > 0);
    assert_eq!(comm(main_pid), "sleep");

    // Restart: a new main process.
    let job = service.restart(JobMode::Replace).unwrap();
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
    let restarted_pid = service.main_pid().unwrap();
    assert!(restarted_pid > 0);
    assert_ne!(restarted_pid, main_pid, "restart starts a new main process");
    assert_eq!(comm(restarted_pid), "sleep");

    // `GetUnitByPID` of this process names the test's own scope, and
    // `GetUnitProcesses` of that scope lists this process.
    let own = manager.get_unit_by_pid(std::process::id()).unwrap();
    assert_eq!(own.name(), own_scope_from_proc());
    assert!(own.name().ends_with(".scope"), "{}", own.name());
    let processes = manager.get_unit_processes(own.name()).unwrap();
    assert!(
        processes.iter().any(|p| p.pid == std::process::id()),
        "{processes:?}"
    );

    // A drop-in with `Delegate=yes`, as `systemctl edit` writes it; reload,
    // restart.
    units.write(
        "myfirstservice.service.d/delegate.conf",
        "[Service]\nDelegate=yes\n",
    );
    manager.reload().unwrap();
    let drop_ins = service.drop_in_paths().unwrap();
    assert!(
        drop_ins
            .iter()
            .any(|p| p.ends_with("myfirstservice.service.d/delegate.conf")),
        "{drop_ins:?}"
    );
    let delegate: bool = service.get_property(SERVICE_INTERFACE, "Delegate").unwrap();
    assert!(delegate);
    let job = manager.restart_unit(NAME, JobMode::Replace).unwrap();
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));

    // A forked child attached to the service.
    let mut child = PausedChild::spawn();
    manager
        .attach_processes_to_unit(NAME, "/", &[child.pid()])
        .unwrap();
    let cgroup = fs::read_to_string(format!("/proc/{}/cgroup", child.pid())).unwrap();
    assert!(cgroup.contains("/myfirstservice.service"), "{cgroup}");
    let processes = service.get_processes().unwrap();
    assert!(
        processes.iter().any(|p| p.pid == child.pid()),
        "{processes:?}"
    );

    // Stopping the service kills the child with it. Reap the child while
    // the job runs: the manager may wait for the cgroup to empty.
    let job = manager.stop_unit(NAME, JobMode::Replace).unwrap();
    let status = child.wait(TIMEOUT).expect("the child is killed");
    assert!(libc::WIFSIGNALED(status), "wait status {status:#x}");
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
    assert_eq!(service.active_state().unwrap(), ActiveState::Inactive);
}

#[test]
fn failing_start_job_is_failed() {
    const NAME: &str = "sdbus-t-fails.service";
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let mut units = TestUnits::default();
    units.service(NAME, "Type=oneshot\nExecStart=/bin/false\n");

    let job = manager.start_unit(NAME, JobMode::Replace).unwrap();
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Failed));
    let service = manager.service(NAME).unwrap();
    assert_eq!(service.active_state().unwrap(), ActiveState::Failed);
    assert_eq!(service.result().unwrap(), "exit-code");
    assert_eq!(service.exec_main_code().unwrap(), libc::CLD_EXITED);
    assert_eq!(service.exec_main_status().unwrap(), 1);
    assert_eq!(service.service_type().unwrap(), "oneshot");

    service.reset_failed().unwrap();
    assert_eq!(service.active_state().unwrap(), ActiveState::Inactive);
}

#[test]
fn unit_watch_sees_activating_then_active() {
    const NAME: &str = "sdbus-t-watch.service";
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let mut units = TestUnits::default();
    units.service(
        NAME,
        "Type=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sleep 0.5\n",
    );

    let watch = manager.watch_unit(NAME).unwrap();
    assert_eq!(watch.state().active_state, ActiveState::Inactive);
    let job = manager.start_unit(NAME, JobMode::Replace).unwrap();
    let mut seen = Vec::new();
    for change in &watch {
        let change = change.unwrap();
        seen.push((change.active_state.clone(), change.sub_state.clone()));
        if change.active_state != ActiveState::Activating {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            (ActiveState::Activating, "start".to_owned()),
            (ActiveState::Active, "exited".to_owned()),
        ]
    );
    assert_eq!(watch.state().active_state, ActiveState::Active);
    // The watch processed the bus meanwhile: the job's result is queued.
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));

    // A state that is already reached is returned at once.
    let state = watch
        .wait_for(Duration::ZERO, |s| s.active_state == ActiveState::Active)
        .unwrap();
    assert_eq!(state.map(|s| s.sub_state).as_deref(), Some("exited"));
    // Nothing else happens.
    assert_eq!(
        watch.recv_timeout(Duration::from_millis(100)).unwrap(),
        None
    );

    // A watch made while the unit changes state ends up in the state the
    // unit is in, whatever signals were on their way when it was made.
    let stop = manager.stop_unit(NAME, JobMode::Replace).unwrap();
    let late = manager.watch_unit(NAME).unwrap();
    assert_eq!(stop.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
    let state = late
        .wait_for(TIMEOUT, |s| s.active_state == ActiveState::Inactive)
        .unwrap()
        .expect("the unit stops");
    assert_eq!(state.sub_state, "dead");
    while late
        .recv_timeout(Duration::from_millis(100))
        .unwrap()
        .is_some()
    {}
    assert_eq!(late.state(), state);
    assert_eq!(late.try_recv(), None);
}

#[test]
fn kill_is_seen_by_a_watch() {
    const NAME: &str = "sdbus-t-kill.service";
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let mut units = TestUnits::default();
    units.service(NAME, "Type=exec\nExecStart=/bin/sleep infinity\n");

    let unit = manager.unit(NAME).unwrap();
    assert_eq!(
        unit.start(JobMode::Replace)
            .unwrap()
            .wait_timeout(TIMEOUT)
            .unwrap(),
        Some(JobResult::Done)
    );
    let watch = unit.watch().unwrap();
    manager
        .kill_unit(NAME, KillWho::Main, libc::SIGKILL)
        .unwrap();
    let state = watch
        .wait_for(TIMEOUT, |s| s.active_state == ActiveState::Failed)
        .unwrap()
        .expect("the killed service fails");
    assert_eq!(state.sub_state, "failed");
    let service = unit.service().unwrap();
    assert_eq!(service.result().unwrap(), "signal");
    assert_eq!(service.exec_main_code().unwrap(), libc::CLD_KILLED);
    assert_eq!(service.exec_main_status().unwrap(), libc::SIGKILL);
    manager.reset_failed_unit(NAME).unwrap();
    assert_eq!(service.active_state().unwrap(), ActiveState::Inactive);

    // `Unit::kill` with SIGTERM, which a service may end by cleanly.
    let job = service.start(JobMode::Replace).unwrap();
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
    service.kill(KillWho::Main, libc::SIGTERM).unwrap();
    let state = watch
        .wait_for(TIMEOUT, |s| s.active_state == ActiveState::Inactive)
        .unwrap()
        .expect("the service stops");
    assert_eq!(state.sub_state, "dead");
    assert_eq!(service.result().unwrap(), "success");
}

#[test]
fn manager_events_see_unit_new_and_jobs() {
    const NAME: &str = "sdbus-t-events.service";
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let mut units = TestUnits::default();
    units.service(NAME, "Type=oneshot\nExecStart=/bin/true\n");

    let events = manager.events().unwrap();
    let job = manager.start_unit(NAME, JobMode::Replace).unwrap();
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));

    let (mut unit_new, mut job_new, mut job_removed) = (false, false, false);
    let deadline = Instant::now() + TIMEOUT;
    while !(unit_new && job_new && job_removed) {
        let event = events
            .recv_until(Some(deadline))
            .unwrap()
            .unwrap_or_else(|| {
                panic!("events missing: UnitNew {unit_new}, JobNew {job_new}, JobRemoved {job_removed}")
            });
        match event {
            ManagerEvent::UnitNew { name, path } if name == NAME => {
                assert_eq!(path, path_encode(UNIT_PATH_PREFIX, NAME).unwrap());
                unit_new = true;
            }
            ManagerEvent::JobNew { id, path, unit } if id == job.id() => {
                assert_eq!((path.as_str(), unit.as_str()), (job.path().as_str(), NAME));
                job_new = true;
            }
            ManagerEvent::JobRemoved {
                id, unit, result, ..
            } if id == job.id() => {
                assert_eq!((unit.as_str(), result), (NAME, JobResult::Done));
                job_removed = true;
            }
            _ => {}
        }
    }
}

#[test]
fn list_units_has_typed_rows() {
    const NAME: &str = "sdbus-t-list.service";
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let mut units = TestUnits::default();
    units.service(NAME, "Type=exec\nExecStart=/bin/sleep infinity\n");
    let job = manager.start_unit(NAME, JobMode::Replace).unwrap();
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
    let unit = manager.get_unit(NAME).unwrap();

    let all = manager.list_units().unwrap();
    let row = all
        .iter()
        .find(|row| row.name == NAME)
        .unwrap_or_else(|| panic!("{NAME} not in {all:?}"));
    assert_eq!(row.description, format!("sdbus test {NAME}"));
    assert_eq!(row.load_state, LoadState::Loaded);
    assert_eq!(row.active_state, ActiveState::Active);
    assert_eq!(row.sub_state, "running");
    assert_eq!(row.following, "");
    assert_eq!(&row.path, unit.path());
    assert_eq!(row.job, None);

    let running = manager.list_units_filtered(&["running"]).unwrap();
    assert!(running.iter().any(|row| row.name == NAME));
    assert!(running.iter().all(|row| row.sub_state == "running"));
    let failed = manager.list_units_filtered(&["failed"]).unwrap();
    assert!(failed.iter().all(|row| row.name != NAME));

    let matching = manager
        .list_units_by_patterns(&[], &["sdbus-t-list*"])
        .unwrap();
    let names: Vec<_> = matching.iter().map(|row| row.name.as_str()).collect();
    assert_eq!(names, [NAME]);
    let none = manager
        .list_units_by_patterns(&["inactive"], &["sdbus-t-list*"])
        .unwrap();
    assert!(none.is_empty(), "{none:?}");

    let files = manager.list_unit_files().unwrap();
    let file = files
        .iter()
        .find(|file| file.path.ends_with(&format!("/systemd/user/{NAME}")))
        .unwrap_or_else(|| panic!("{NAME} not in {files:?}"));
    // No `[Install]` section.
    assert_eq!(file.state, UnitFileState::Static);
    assert_eq!(
        manager.get_unit_file_state(NAME).unwrap(),
        UnitFileState::Static
    );
}

#[test]
fn missing_and_invalid_units() {
    let bus = user_bus();
    let manager = Manager::new(&bus);

    let err = manager.get_unit("sdbus-t-missing.service").unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::NoSuchUnit),
        "{err}"
    );
    // Loading a missing unit works, and says so.
    let unit = manager.load_unit("sdbus-t-missing.service").unwrap();
    assert_eq!(unit.load_state().unwrap(), LoadState::NotFound);
    let job = manager
        .start_unit("sdbus-t-missing.service", JobMode::Replace)
        .unwrap_err();
    assert_eq!(
        job.bus_error_kind(),
        Some(BusErrorKind::NoSuchUnit),
        "{job}"
    );

    // Invalid names are refused before anything is sent, naming them.
    for bad in [
        "",
        "no-suffix",
        "foo.bogus",
        ".service",
        "@foo.service",
        "with space.service",
        "nul\0byte.service",
        "sl/ash.service",
    ] {
        let check = |err: Error| match err {
            Error::Invalid {
                kind: InvalidKind::UnitName,
                value,
                ..
            } => assert_eq!(value, bad),
            other => panic!("{bad:?}: {other:?}"),
        };
        check(manager.get_unit(bad).unwrap_err());
        check(manager.unit(bad).unwrap_err());
        check(manager.start_unit(bad, JobMode::Replace).unwrap_err());
        check(manager.get_unit_processes(bad).unwrap_err());
        check(manager.kill_unit(bad, KillWho::All, 15).unwrap_err());
        check(manager.watch_unit(bad).unwrap_err());
    }
    let long = format!("{}.service", "a".repeat(250));
    assert!(matches!(
        manager.unit(&long),
        Err(Error::Invalid {
            kind: InvalidKind::UnitName,
            ..
        })
    ));
    // A socket is not a service.
    let err = manager.unit("dbus.socket").unwrap().service().unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { kind: InvalidKind::UnitName, value, .. } if value == "dbus.socket"),
        "{err:?}"
    );
}

#[test]
fn unit_names_with_escapes() {
    const TEMPLATE: &str = "sdbus-t-tmpl@.service";
    const INSTANCE: &str = r"sdbus-t-tmpl@a\x2db-c.d.service";
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let mut units = TestUnits::default();
    units.service(TEMPLATE, "Type=exec\nExecStart=/bin/sleep infinity\n");
    units.track(INSTANCE);

    let unit = manager.unit(INSTANCE).unwrap();
    assert_eq!(
        unit.path(),
        &path_encode(UNIT_PATH_PREFIX, INSTANCE).unwrap()
    );
    assert_eq!(
        unit.path().as_str(),
        "/org/freedesktop/systemd1/unit/sdbus_2dt_2dtmpl_40a_5cx2db_2dc_2ed_2eservice"
    );
    let job = unit.start(JobMode::Replace).unwrap();
    assert_eq!(job.unit(), INSTANCE);
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
    assert_eq!(unit.id().unwrap(), INSTANCE);
    assert_eq!(unit.active_state().unwrap(), ActiveState::Active);

    // Names decoded from the manager's paths.
    let loaded = manager.get_unit(INSTANCE).unwrap();
    assert_eq!(loaded.name(), INSTANCE);
    assert_eq!(loaded.path(), unit.path());
    let pid = unit.clone().service().unwrap().main_pid().unwrap();
    assert_eq!(manager.get_unit_by_pid(pid).unwrap().name(), INSTANCE);
    let by_path = manager.unit_by_path(unit.path()).unwrap();
    assert_eq!(by_path.name(), INSTANCE);

    // A path that encodes no name: the manager's own `self` alias, which
    // names the caller's unit.
    let own = manager
        .unit_by_path("/org/freedesktop/systemd1/unit/self")
        .unwrap();
    assert_eq!(own.name(), own_scope_from_proc());
}

#[test]
fn enable_and_disable_unit_files() {
    const NAME: &str = "sdbus-t-enable.service";
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let mut units = TestUnits::default();
    units.write(
        NAME,
        "[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=default.target\n",
    );
    let wants = unit_dir().join("default.target.wants");
    units.created_by_manager(wants.clone());
    units.created_by_manager(wants.join(NAME));
    manager.reload().unwrap();
    assert_eq!(
        manager.get_unit_file_state(NAME).unwrap(),
        UnitFileState::Disabled
    );

    let (carries_install_info, changes) = manager.enable_unit_files(&[NAME], false, false).unwrap();
    assert!(carries_install_info);
    let link = changes
        .iter()
        .find(|c| c.change == UnitFileChangeType::Symlink)
        .unwrap_or_else(|| panic!("no symlink in {changes:?}"));
    assert!(
        link.path.ends_with(&format!("default.target.wants/{NAME}")),
        "{link:?}"
    );
    assert!(
        link.destination.ends_with(&format!("/systemd/user/{NAME}")),
        "{link:?}"
    );
    manager.reload().unwrap();
    assert_eq!(
        manager.get_unit_file_state(NAME).unwrap(),
        UnitFileState::Enabled
    );
    assert_eq!(
        manager.unit(NAME).unwrap().unit_file_state().unwrap(),
        UnitFileState::Enabled
    );

    let changes = manager.disable_unit_files(&[NAME], false).unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c.change == UnitFileChangeType::Unlink
                && c.path.ends_with(&format!("default.target.wants/{NAME}"))),
        "{changes:?}"
    );
    manager.reload().unwrap();
    assert_eq!(
        manager.get_unit_file_state(NAME).unwrap(),
        UnitFileState::Disabled
    );
}

#[test]
fn set_unit_properties_at_run_time() {
    const NAME: &str = "sdbus-t-props.service";
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let mut units = TestUnits::default();
    units.service(NAME, "ExecStart=/bin/sleep infinity\n");

    let unit = manager.load_unit(NAME).unwrap();
    assert_eq!(unit.description().unwrap(), format!("sdbus test {NAME}"));
    manager
        .set_unit_properties(NAME, true, &[("Description", Value::from("set by sdbus"))])
        .unwrap();
    assert_eq!(unit.description().unwrap(), "set by sdbus");
    unit.set_properties(true, &[("Description", Value::from("set again"))])
        .unwrap();
    assert_eq!(unit.description().unwrap(), "set again");

    // A value of the wrong type is the manager's error.
    let err = unit
        .set_properties(true, &[("Description", Value::from(7u32))])
        .unwrap_err();
    assert!(err.bus_error().is_some(), "{err:?}");
}

#[test]
fn jobs_share_one_subscription_and_can_be_cancelled() {
    const SLOW: &str = "sdbus-t-slow.service";
    const QUICK: &str = "sdbus-t-quick.service";
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let mut units = TestUnits::default();
    units.service(SLOW, "Type=oneshot\nExecStart=/bin/sleep 30\n");
    units.service(QUICK, "Type=oneshot\nExecStart=/bin/true\n");

    let slow = manager.start_unit(SLOW, JobMode::Replace).unwrap();
    let quick = manager.start_unit(QUICK, JobMode::Fail).unwrap();
    // A job that is not waited for does not disturb the others.
    drop(manager.try_restart_unit(QUICK, JobMode::Replace).unwrap());
    assert_eq!(slow.job_type().unwrap(), JobType::Start);
    assert_eq!(slow.wait_timeout(Duration::from_millis(200)).unwrap(), None);
    // The quick job's result was received while waiting for the slow one.
    assert_eq!(quick.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
    assert_eq!(quick.try_result(), Some(JobResult::Done));

    slow.cancel().unwrap();
    assert_eq!(slow.wait().unwrap(), JobResult::Canceled);
    // Results stay available.
    assert_eq!(slow.wait().unwrap(), JobResult::Canceled);
    let err = slow.job_type().unwrap_err();
    assert!(err.bus_error().is_some(), "the job is gone: {err:?}");

    // A restart of a stopped unit through the unit object.
    let unit = manager.unit(QUICK).unwrap();
    let job = unit.restart(JobMode::Replace).unwrap();
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
    // Try-restart of an inactive unit does nothing, successfully.
    let job = unit.try_restart(JobMode::Replace).unwrap();
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
}

#[test]
fn manager_properties_and_subscription() {
    let bus = user_bus();
    let manager = Manager::new(&bus);
    let version = manager.version().unwrap();
    assert!(
        version.starts_with(|c: char| c.is_ascii_digit()),
        "{version:?}"
    );
    assert_eq!(
        manager.architecture().unwrap(),
        std::env::consts::ARCH.replace('_', "-")
    );
    assert!(manager.features().unwrap().contains('+'));

    // Subscribing and unsubscribing are idempotent.
    manager.subscribe().unwrap();
    manager.subscribe().unwrap();
    manager.unsubscribe().unwrap();
    manager.unsubscribe().unwrap();
}

#[test]
fn direct_connection_to_the_manager() {
    const NAME: &str = "sdbus-t-direct.service";
    let mut units = TestUnits::default();
    units.service(NAME, "Type=oneshot\nExecStart=/bin/sleep 0.2\n");
    let bus = user_bus();
    let direct = Bus::open_manager_direct(ManagerScope::User).unwrap();
    let manager = Manager::new(&direct);
    assert_eq!(
        manager.version().unwrap(),
        Manager::new(&bus).version().unwrap()
    );
    // Signals on a direct connection carry no sender: jobs and watches
    // still see them.
    let watch = manager.watch_unit(NAME).unwrap();
    let job = manager.start_unit(NAME, JobMode::Replace).unwrap();
    assert_eq!(job.wait_timeout(TIMEOUT).unwrap(), Some(JobResult::Done));
    let first = watch
        .recv_timeout(TIMEOUT)
        .unwrap()
        .expect("a state change");
    assert_eq!(first.active_state, ActiveState::Activating);
    let state = watch
        .wait_for(TIMEOUT, |s| s.active_state == ActiveState::Inactive)
        .unwrap()
        .expect("the oneshot service ends");
    assert_eq!(state.sub_state, "dead");
    assert_eq!(manager.service(NAME).unwrap().result().unwrap(), "success");
}
