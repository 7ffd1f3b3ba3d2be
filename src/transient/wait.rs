//! Following a transient unit to its end without polling: the signals it
//! is tracked by, and the loop that processes the bus (and the pty relay,
//! and a scope's child) until a condition holds.

use std::collections::HashMap;
use std::ffi::c_int;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Instant;

use super::pty::Relay;
use super::run::is_outcome_property;
use super::spawn::ChildProcess;
use super::stdio::os_error;
use crate::bus::Bus;
use crate::error::Result;
use crate::names::ObjectPath;
use crate::properties::read_changed_where;
use crate::slot::Subscription;
use crate::systemd1::{ActiveState, JobResult, DESTINATION, MANAGER_INTERFACE, MANAGER_PATH};
use crate::types::Value;

/// The standard properties interface.
pub(super) const PROPERTIES_INTERFACE: &str = "org.freedesktop.DBus.Properties";

/// What the unit's `PropertiesChanged` signals said so far.
#[derive(Debug, Default)]
pub(super) struct UnitState {
    /// Every property received, by name (of the `Unit` interface and the
    /// type's: `Service`, `Scope`…).
    pub(super) values: HashMap<String, Value>,
    active_state: Option<ActiveState>,
    sub_state: String,
    has_job: bool,
    /// Whether the unit has been started: it had a job, left the inactive
    /// state, or its start job is over. Until then, "inactive without a
    /// job" only means it has not begun.
    started: bool,
}

/// Whether a property is one the state follows (the others are not
/// decoded): its own, and the ones an outcome is made of.
fn is_followed(name: &str) -> bool {
    matches!(name, "ActiveState" | "SubState" | "Job") || is_outcome_property(name)
}

impl UnitState {
    fn apply(&mut self, changed: Vec<(String, Value)>) {
        for (name, value) in changed {
            match name.as_str() {
                "ActiveState" => {
                    if let Some(state) = value.as_str() {
                        let state = ActiveState::from(state);
                        if !matches!(state, ActiveState::Inactive | ActiveState::Failed) {
                            self.started = true;
                        }
                        self.active_state = Some(state);
                    }
                }
                "SubState" => {
                    if let Some(sub) = value.as_str() {
                        sub.clone_into(&mut self.sub_state);
                    }
                }
                // `(uo)`: job id 0 when there is none.
                "Job" => {
                    let id = value
                        .as_struct()
                        .and_then(|fields| fields.first())
                        .and_then(Value::as_u32);
                    self.has_job = id.is_some_and(|id| id != 0);
                    self.started |= self.has_job;
                }
                "InactiveExitTimestampMonotonic" => {
                    self.started |= value.as_u64().is_some_and(|t| t > 0);
                }
                _ => {}
            }
            self.values.insert(name, value);
        }
    }

    /// Whether the unit ran and is over: inactive or failed with no job
    /// pending, or a service that stays active after its process exited
    /// (`RemainAfterExit=`).
    pub(super) fn finished(&self) -> bool {
        if !self.started || self.has_job {
            return false;
        }
        match &self.active_state {
            Some(ActiveState::Inactive | ActiveState::Failed) => true,
            Some(ActiveState::Active) => self.sub_state == "exited",
            _ => false,
        }
    }
}

/// The signals a running transient unit is followed by: its
/// `PropertiesChanged`, and the manager's `JobRemoved` for its jobs. Both
/// matches are installed before the unit is started.
#[derive(Debug)]
pub(super) struct Tracker<'b> {
    changes: Subscription<'b>,
    jobs: Subscription<'b>,
    /// Units whose job results are kept.
    units: Vec<String>,
    pub(super) state: UnitState,
    job_results: HashMap<u32, JobResult>,
    /// The start job, and whether it is the tracked unit's own (else it
    /// is its trigger's).
    start_job: Option<(u32, bool)>,
}

impl<'b> Tracker<'b> {
    /// Installs the matches for the unit at `path`, keeping the job
    /// results of `units`.
    pub(super) fn new(bus: &'b Bus, path: &ObjectPath, units: Vec<String>) -> Result<Tracker<'b>> {
        // On a direct connection messages carry no sender.
        let sender = bus.is_bus_client().then_some(DESTINATION);
        // Installed without waiting: the bus daemon has them before the
        // call that starts the unit, which this connection sends later.
        let changes = bus.subscribe_signal_nowait(
            sender,
            Some(path),
            Some(PROPERTIES_INTERFACE),
            Some("PropertiesChanged"),
        )?;
        let jobs = bus.subscribe_signal_nowait(
            sender,
            Some(MANAGER_PATH),
            Some(MANAGER_INTERFACE),
            Some("JobRemoved"),
        )?;
        Ok(Tracker {
            changes,
            jobs,
            units,
            state: UnitState::default(),
            job_results: HashMap::new(),
            start_job: None,
        })
    }

    /// Sets the start job: `own` if it is the tracked unit's, else its
    /// trigger's. The end of the unit's own start job marks it as started;
    /// so does a trigger's start job that failed, as the unit will then
    /// never run.
    pub(super) fn set_start_job(&mut self, id: u32, own: bool) {
        self.start_job = Some((id, own));
        self.check_start_job();
    }

    /// Marks the unit as started if its start job says so.
    fn check_start_job(&mut self) {
        if let Some((id, own)) = self.start_job {
            if let Some(result) = self.job_results.get(&id) {
                if own || *result != JobResult::Done {
                    self.state.started = true;
                }
            }
        }
    }

    /// Takes the unit as started even if it never ran, as when it was
    /// stopped: "inactive without a job" then means over.
    pub(super) fn assume_started(&mut self) {
        self.state.started = true;
    }

    /// The result of job `id`, once removed.
    pub(super) fn job_result(&self, id: u32) -> Option<&JobResult> {
        self.job_results.get(&id)
    }

    /// Ready once a signal of the unit is queued (or a match was refused);
    /// until then the task of `cx` is woken when one arrives.
    #[cfg(feature = "tokio")]
    pub(super) fn poll_signals(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        // Both are polled, so that either wakes the task.
        let changed = self.changes.poll_ready(cx);
        let job = self.jobs.poll_ready(cx);
        if changed.is_ready() || job.is_ready() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    }

    /// Takes every queued signal into account, without processing the
    /// bus; fails if the bus daemon refused a match.
    fn absorb(&mut self) -> Result<()> {
        self.changes.status()?;
        self.jobs.status()?;
        while let Some(signal) = self.changes.try_recv() {
            if let Ok(changed) = read_changed_where(&signal, is_followed) {
                self.state.apply(changed);
            }
        }
        while let Some(signal) = self.jobs.try_recv() {
            // Every match of the bus shares the message and its position.
            let read = signal
                .rewind()
                .and_then(|()| signal.read_args::<(u32, ObjectPath, &str, &str)>());
            let Ok((id, _path, unit, result)) = read else {
                continue;
            };
            if self.units.iter().any(|u| u == unit) {
                self.job_results.insert(id, JobResult::from(result));
                self.check_start_job();
            }
        }
        Ok(())
    }
}

/// What the event loop drives besides the bus.
#[derive(Debug, Default)]
pub(super) struct Extras<'a> {
    pub(super) relay: Option<&'a mut Relay>,
    pub(super) child: Option<&'a mut ChildProcess>,
}

/// The current `CLOCK_MONOTONIC` time in microseconds, as sd-bus counts.
fn monotonic_usec() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills the local structure.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    let secs = u64::try_from(now.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(now.tv_nsec).unwrap_or(0);
    secs.saturating_mul(1_000_000).saturating_add(nanos / 1000)
}

/// The `poll` timeout: until `deadline` or the bus's own timeout, whichever
/// comes first; -1 for none.
fn poll_timeout(bus: &Bus, deadline: Option<Instant>) -> Result<c_int> {
    let to_ms = |usec: u64| c_int::try_from(usec.div_ceil(1000)).unwrap_or(c_int::MAX);
    let bus_ms = bus
        .timeout_usec()?
        .map(|at| to_ms(at.saturating_sub(monotonic_usec())));
    let deadline_ms = deadline.map(|d| {
        let left = d.saturating_duration_since(Instant::now());
        to_ms(u64::try_from(left.as_micros()).unwrap_or(u64::MAX))
    });
    Ok(match (bus_ms, deadline_ms) {
        (Some(a), Some(b)) => a.min(b),
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => -1,
    })
}

/// Processes the bus, relays the pty and reaps the child until `done`
/// holds (`Ok(true)`) or `deadline` passes (`Ok(false)`). Blocks in `poll`
/// between events; never polls on a timer.
pub(super) fn pump(
    bus: &Bus,
    tracker: &mut Tracker<'_>,
    extras: &mut Extras<'_>,
    deadline: Option<Instant>,
    mut done: impl FnMut(&Tracker<'_>, &Extras<'_>) -> bool,
) -> Result<bool> {
    let mut fds = Vec::with_capacity(6);
    loop {
        while bus.process()? {}
        tracker.absorb()?;
        if let Some(child) = extras.child.as_deref_mut() {
            child.reap(false);
        }
        if done(tracker, extras) {
            return Ok(true);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
        fds.clear();
        fds.push(libc::pollfd {
            fd: bus.fd()?.as_raw_fd(),
            events: bus.events()?,
            revents: 0,
        });
        let slots = extras
            .relay
            .as_deref()
            .map(|relay| relay.register(&mut fds));
        if let Some(pidfd) = extras.child.as_deref().and_then(ChildProcess::pidfd) {
            fds.push(libc::pollfd {
                fd: pidfd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let timeout = poll_timeout(bus, deadline)?;
        let count = libc::nfds_t::try_from(fds.len()).unwrap_or(libc::nfds_t::MAX);
        // SAFETY: polls `count` initialised entries of `fds`.
        let ret = unsafe { libc::poll(fds.as_mut_ptr(), count, timeout) };
        if ret < 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(os_error("poll", &err));
        }
        if let (Some(relay), Some(slots)) = (extras.relay.as_deref_mut(), slots) {
            relay.handle(&fds, &slots);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn job(id: u32) -> Value {
        Value::Struct(vec![
            Value::from(id),
            Value::from(ObjectPath::try_from("/org/freedesktop/systemd1/job/1").unwrap()),
        ])
    }

    #[test]
    fn finished_only_after_running() {
        let mut state = UnitState::default();
        state.apply(change(&[
            ("ActiveState", "inactive".into()),
            ("Job", job(0)),
        ]));
        assert!(!state.finished(), "never started");
        state.apply(change(&[("Job", job(7))]));
        assert!(!state.finished(), "a job is pending");
        state.apply(change(&[
            ("ActiveState", "active".into()),
            ("SubState", "running".into()),
            ("Job", job(0)),
        ]));
        assert!(!state.finished());
        state.apply(change(&[
            ("ActiveState", "failed".into()),
            ("SubState", "failed".into()),
        ]));
        assert!(state.finished());
        assert_eq!(
            state.values.get("SubState").and_then(Value::as_str),
            Some("failed")
        );
    }

    #[test]
    fn remain_after_exit_is_finished() {
        let mut state = UnitState::default();
        state.apply(change(&[
            ("ActiveState", "active".into()),
            ("SubState", "exited".into()),
            ("Job", job(0)),
        ]));
        assert!(state.finished());
    }

    #[test]
    fn a_run_seen_only_by_its_timestamp() {
        let mut state = UnitState::default();
        state.apply(change(&[
            ("ActiveState", "inactive".into()),
            ("InactiveExitTimestampMonotonic", 42u64.into()),
        ]));
        assert!(state.finished());
    }
}
