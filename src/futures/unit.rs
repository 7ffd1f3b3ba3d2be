//! The unit side: the transient service whose main process is a
//! placeholder, its start and stop, and what a worker must take on to be
//! "in" it besides its control group (namespaces, credentials).

use std::ffi::c_int;
use std::fs::{self, File};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::FutureError;
use crate::bus::{Bus, ManagerScope};
use crate::error::{BusErrorKind, Error, InvalidKind};
use crate::names::ObjectPath;
use crate::systemd1::{
    JobMode, JobResult, Manager, ManagerEvent, DESTINATION, MANAGER_INTERFACE, MANAGER_PATH,
};
use crate::transient::{ServiceType, UnitProperty};

/// Opens a connection to the manager of `scope`: the system bus or the
/// user's bus.
pub(crate) fn open_bus(scope: ManagerScope) -> Result<Bus, FutureError> {
    Ok(match scope {
        ManagerScope::System => Bus::open_system()?,
        ManagerScope::User => Bus::open_user()?,
    })
}

/// The properties `sdbus::futures` sets itself; a caller setting them
/// would break the model.
const RESERVED: [&str; 3] = ["ExecStart", "ExecStartEx", "Type"];

/// A started transient service: its name, its placeholder's pid and what
/// a worker must join.
#[derive(Debug)]
pub(crate) struct WorkUnit {
    name: String,
    main_pid: u32,
    plan: JoinPlan,
}

impl WorkUnit {
    /// Starts `sdbus-<kind>-….service` with the caller's `properties`
    /// and waits for its start job: `Type=exec`, so when the job is done
    /// the placeholder runs with the unit's namespaces and credentials.
    pub(crate) fn start(
        bus: &Bus,
        kind: &str,
        properties: &[UnitProperty],
    ) -> Result<WorkUnit, FutureError> {
        let name = unit_name(kind);
        let properties = service_properties(properties)?;
        let manager = Manager::new(bus);
        // Subscribed before the call: the job may end before it returns.
        let events = manager.events()?;
        let aux: &[(&str, &[UnitProperty])] = &[];
        let reply = bus
            .call_method(
                DESTINATION,
                MANAGER_PATH,
                MANAGER_INTERFACE,
                "StartTransientUnit",
                &(name.as_str(), JobMode::Fail, properties.as_slice(), aux),
            )
            .map_err(|error| FutureError::UnitFailed {
                unit: name.clone(),
                error,
            })?;
        let job: ObjectPath = reply.read()?;
        let result = loop {
            if let ManagerEvent::JobRemoved { path, result, .. } = events.recv()? {
                if path == job {
                    break result;
                }
            }
        };
        drop(events);
        // Nothing else of this connection needs the manager's signals.
        let _ = manager.unsubscribe();
        if result != JobResult::Done {
            let service_result = manager
                .service(&name)
                .and_then(|service| service.result())
                .unwrap_or_default();
            let _ = manager.reset_failed_unit(&name);
            return Err(FutureError::StartFailed {
                unit: name,
                result,
                service_result,
            });
        }
        let main_pid = manager.service(&name)?.main_pid()?;
        let plan = match JoinPlan::of(main_pid) {
            Ok(plan) => plan,
            Err(err) => {
                let _ = stop_unit(bus, &name);
                return Err(err.into());
            }
        };
        Ok(WorkUnit {
            name,
            main_pid,
            plan,
        })
    }

    /// The unit's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The placeholder's pid.
    pub(crate) fn main_pid(&self) -> u32 {
        self.main_pid
    }

    /// What a worker joins.
    pub(crate) fn plan(&self) -> &JoinPlan {
        &self.plan
    }

    /// Stops the unit and waits for the stop job: systemd sends `SIGTERM`
    /// (the unit's `KillSignal=`) to every process left in it.
    pub(crate) fn stop(&self, bus: &Bus) -> Result<(), FutureError> {
        stop_unit(bus, &self.name)
    }
}

/// Stops unit `name` and waits for the job; a unit already gone is not an
/// error.
pub(crate) fn stop_unit(bus: &Bus, name: &str) -> Result<(), FutureError> {
    let manager = Manager::new(bus);
    match manager.stop_unit(name, JobMode::Replace) {
        Ok(job) => {
            job.wait()?;
            Ok(())
        }
        Err(err) if err.bus_error_kind() == Some(BusErrorKind::NoSuchUnit) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// A unit name unique to this process: `sdbus-<kind>-<pid>-<n>.service`,
/// with the start time's low bits against reused pids.
fn unit_name(kind: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "sdbus-{kind}-{}-{n}-{:x}.service",
        std::process::id(),
        nanos & 0xffff
    )
}

/// The caller's properties, then the service's own: a `Type=exec`
/// service with `Delegate=yes` (so that workers can be attached to it)
/// whose main process is `tail --pid=<this process> -f /dev/null`, which
/// sleeps until this process is gone (then the unit stops, and every
/// worker left in it with it).
fn service_properties(properties: &[UnitProperty]) -> Result<Vec<UnitProperty>, FutureError> {
    if let Some(reserved) = properties.iter().find(|p| RESERVED.contains(&p.name())) {
        return Err(Error::invalid(
            InvalidKind::Property,
            reserved.name(),
            "is set by sdbus::futures: the unit's main process is its placeholder",
        )
        .into());
    }
    let tail = find_tail()?;
    let mut all = properties.to_vec();
    if !properties.iter().any(|p| p.name() == "Description") {
        all.push(UnitProperty::description(&format!(
            "sdbus::futures workers of pid {}",
            std::process::id()
        )));
    }
    all.push(UnitProperty::service_type(ServiceType::Exec));
    all.push(UnitProperty::new_raw("Delegate", true)?);
    all.push(UnitProperty::exec_start([
        tail,
        format!("--pid={}", std::process::id()),
        "-f".to_owned(),
        "/dev/null".to_owned(),
    ]));
    Ok(all)
}

/// The absolute path of `tail`: from `$PATH`, else the usual places.
fn find_tail() -> Result<String, Error> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/bin")])
        .map(|dir| dir.join("tail"))
        .find(|tail| tail.is_absolute() && tail.is_file())
        .and_then(|tail| tail.to_str().map(str::to_owned))
        .ok_or(Error::Os {
            operation: "find tail(1) for the unit's placeholder",
            errno: libc::ENOENT,
        })
}

/// The namespaces a unit can give its processes, joined in this order:
/// the user namespace first (it owns the others), the mount namespace last.
const NAMESPACES: [(&str, c_int, &str); 6] = [
    ("user", libc::CLONE_NEWUSER, "setns user"),
    ("cgroup", libc::CLONE_NEWCGROUP, "setns cgroup"),
    ("ipc", libc::CLONE_NEWIPC, "setns ipc"),
    ("uts", libc::CLONE_NEWUTS, "setns uts"),
    ("net", libc::CLONE_NEWNET, "setns net"),
    ("mnt", libc::CLONE_NEWNS, "setns mnt"),
];

/// One namespace of the placeholder that differs from the caller's.
#[derive(Debug)]
struct Namespace {
    fd: OwnedFd,
    kind: c_int,
    step: &'static str,
}

/// The credentials of the placeholder, when they differ from the caller's.
#[derive(Debug)]
struct Credentials {
    uid: libc::uid_t,
    gid: libc::gid_t,
    groups: Vec<libc::gid_t>,
}

/// What a worker does, after `fork`, to be in the unit the way the
/// placeholder is: enter each of its namespaces that differ from the
/// caller's, then take its user, group and supplementary groups. Made in
/// the caller, before `fork`, so that the worker only makes system calls.
#[derive(Debug)]
pub(crate) struct JoinPlan {
    namespaces: Vec<Namespace>,
    credentials: Option<Credentials>,
}

impl JoinPlan {
    /// The plan for joining process `pid`, read from `/proc`.
    fn of(pid: u32) -> Result<JoinPlan, Error> {
        let mut namespaces = Vec::new();
        for (name, kind, step) in NAMESPACES {
            let ours = fs::metadata(format!("/proc/self/ns/{name}"));
            let theirs_path = format!("/proc/{pid}/ns/{name}");
            let theirs = fs::metadata(&theirs_path);
            match (ours, theirs) {
                (Ok(ours), Ok(theirs))
                    if (ours.dev(), ours.ino()) == (theirs.dev(), theirs.ino()) => {}
                // A namespace type this kernel does not have.
                (Err(_), Err(_)) => {}
                _ => {
                    let file = File::open(&theirs_path)
                        .map_err(|err| io_error("open /proc/PID/ns", &err))?;
                    namespaces.push(Namespace {
                        fd: file.into(),
                        kind,
                        step,
                    });
                }
            }
        }
        let status = fs::read_to_string(format!("/proc/{pid}/status"))
            .map_err(|err| io_error("read /proc/PID/status", &err))?;
        let field = |key: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(key))
                .map(|rest| rest.split_whitespace().filter_map(|n| n.parse().ok()))
        };
        let bad_status = || Error::Os {
            operation: "parse /proc/PID/status",
            errno: libc::EINVAL,
        };
        // Real, effective, saved and filesystem ids: systemd sets all four.
        let uid = field("Uid:")
            .and_then(|mut ids| ids.nth(1))
            .ok_or_else(bad_status)?;
        let gid = field("Gid:")
            .and_then(|mut ids| ids.nth(1))
            .ok_or_else(bad_status)?;
        let groups = field("Groups:").map(Iterator::collect).unwrap_or_default();
        // SAFETY: geteuid and getegid cannot fail.
        let same = unsafe { uid == libc::geteuid() && gid == libc::getegid() };
        Ok(JoinPlan {
            namespaces,
            credentials: (!same).then_some(Credentials { uid, gid, groups }),
        })
    }

    /// Joins the namespaces and takes the credentials, in the worker,
    /// after `fork`. Only system calls: no allocation, no lock. On
    /// failure, the step that failed and its errno.
    pub(crate) fn join(&self) -> Result<(), (&'static str, i32)> {
        let errno = || {
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO)
        };
        for ns in &self.namespaces {
            // SAFETY: `fd` is an open namespace file of the right type.
            // The worker is single-threaded, as joining a user or mount
            // namespace requires.
            if unsafe { libc::setns(ns.fd.as_raw_fd(), ns.kind) } != 0 {
                return Err((ns.step, errno()));
            }
        }
        if let Some(creds) = &self.credentials {
            // SAFETY: the pointer and length describe `groups`, which
            // outlives the call.
            if unsafe { libc::setgroups(creds.groups.len(), creds.groups.as_ptr()) } != 0 {
                return Err(("setgroups", errno()));
            }
            // SAFETY: plain system call; groups before the gid, the gid
            // before the uid, since each needs the privileges the next drops.
            if unsafe { libc::setgid(creds.gid) } != 0 {
                return Err(("setgid", errno()));
            }
            // SAFETY: plain system call.
            if unsafe { libc::setuid(creds.uid) } != 0 {
                return Err(("setuid", errno()));
            }
        }
        Ok(())
    }
}

/// An `Error::Os` from a failed file operation.
fn io_error(operation: &'static str, err: &std::io::Error) -> Error {
    Error::Os {
        operation,
        errno: err.raw_os_error().unwrap_or(libc::EIO),
    }
}
