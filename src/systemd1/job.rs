//! [`Job`]: a queued job of the manager, and waiting for its result.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::types::{JobResult, JobType};
use super::{signal_sender, DESTINATION, JOB_INTERFACE, MANAGER_INTERFACE, MANAGER_PATH};
use crate::bus::Bus;
use crate::error::Result;
use crate::message::Message;
use crate::names::ObjectPath;
use crate::slot::Subscription;

/// A job queued by the manager: what starting, stopping, restarting or
/// reloading a unit returns.
///
/// [`Job::wait`] returns the job's [`JobResult`] from the manager's
/// `JobRemoved` signal. The match for that signal is installed before the
/// method call that creates the job, so the result cannot be lost, even for
/// a job that finishes before the call returns. A `Job` borrows its bus:
/// wait for it on the bus's thread.
///
/// ```no_run
/// # fn demo(manager: &sdbus::systemd1::Manager) -> sdbus::Result<()> {
/// use std::time::Duration;
/// use sdbus::systemd1::{JobMode, JobResult};
///
/// let jobs = ["a.service", "b.service"]
///     .iter()
///     .map(|unit| manager.start_unit(unit, JobMode::Replace))
///     .collect::<sdbus::Result<Vec<_>>>()?;
/// for job in &jobs {
///     match job.wait_timeout(Duration::from_secs(90))? {
///         Some(JobResult::Done) => {}
///         Some(result) => eprintln!("{}: {result}", job.unit()),
///         None => eprintln!("{}: still running", job.unit()),
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Job<'bus> {
    bus: &'bus Bus,
    tracker: Rc<JobTracker<'bus>>,
    id: u32,
    path: ObjectPath,
    unit: String,
}

impl<'bus> Job<'bus> {
    /// The job at `path`, just created for `unit`, whose result `tracker`
    /// will see.
    pub(super) fn new(
        bus: &'bus Bus,
        tracker: Rc<JobTracker<'bus>>,
        path: ObjectPath,
        unit: &str,
    ) -> Result<Job<'bus>> {
        // Job paths are `/org/freedesktop/systemd1/job/<id>`.
        let id = match path.rsplit('/').next().and_then(|id| id.parse().ok()) {
            Some(id) => id,
            None => bus.get_property(DESTINATION, &path, JOB_INTERFACE, "Id")?,
        };
        tracker.claim(id);
        Ok(Job {
            bus,
            tracker,
            id,
            path,
            unit: unit.to_owned(),
        })
    }

    /// The job's number.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The job's object path.
    pub fn path(&self) -> &ObjectPath {
        &self.path
    }

    /// The name of the unit the job is for.
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// What the job does (`JobType`), which may differ from what was asked:
    /// the manager turns a restart of a stopped unit into a start, for
    /// instance. Asks the manager, so it fails once the job is finished.
    pub fn job_type(&self) -> Result<JobType> {
        self.bus
            .get_property(DESTINATION, &self.path, JOB_INTERFACE, "JobType")
    }

    /// Cancels the job (`Cancel`); its result is then
    /// [`JobResult::Canceled`].
    pub fn cancel(&self) -> Result<()> {
        self.bus
            .call_method(DESTINATION, &self.path, JOB_INTERFACE, "Cancel", &())?;
        Ok(())
    }

    /// The job's result if its `JobRemoved` signal was already received,
    /// without processing the bus.
    pub fn try_result(&self) -> Option<JobResult> {
        self.tracker.take_queued();
        self.tracker.result(self.id)
    }

    /// Processes the bus until the job is finished, and returns its result.
    pub fn wait(&self) -> Result<JobResult> {
        loop {
            if let Some(result) = self.wait_until(None)? {
                return Ok(result);
            }
        }
    }

    /// Processes the bus until the job is finished or `timeout` passes
    /// (`Ok(None)`; the job goes on).
    pub fn wait_timeout(&self, timeout: Duration) -> Result<Option<JobResult>> {
        self.wait_until(Instant::now().checked_add(timeout))
    }

    /// Processes the bus until the job is finished or `deadline` passes
    /// (`Ok(None)`); `None` waits as long as it takes.
    pub fn wait_until(&self, deadline: Option<Instant>) -> Result<Option<JobResult>> {
        loop {
            if let Some(result) = self.tracker.result(self.id) {
                return Ok(Some(result));
            }
            match self.tracker.signals.recv_until(deadline)? {
                Some(signal) => self.tracker.record(&signal),
                None => return Ok(None),
            }
        }
    }
}

impl Drop for Job<'_> {
    fn drop(&mut self) {
        self.tracker.release(self.id);
    }
}

impl fmt::Debug for Job<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("path", &self.path)
            .field("unit", &self.unit)
            .finish()
    }
}

/// The `JobRemoved` signals of one manager handle's jobs: one match, shared
/// by every [`Job`] it creates, and the results of the jobs still held.
pub(super) struct JobTracker<'bus> {
    signals: Subscription<'bus>,
    /// Job id → how many `Job`s hold it, and its result once received.
    claimed: RefCell<HashMap<u32, Claim>>,
}

#[derive(Default)]
struct Claim {
    holders: usize,
    result: Option<JobResult>,
}

impl<'bus> JobTracker<'bus> {
    /// Installs the `JobRemoved` match (the bus daemon has it when this
    /// returns).
    pub(super) fn new(bus: &'bus Bus) -> Result<Self> {
        let signals = bus.subscribe_signal(
            signal_sender(bus),
            Some(MANAGER_PATH),
            Some(MANAGER_INTERFACE),
            Some("JobRemoved"),
        )?;
        Ok(JobTracker {
            signals,
            claimed: RefCell::default(),
        })
    }

    /// Records that a `Job` holds `id`, whose signal has not been taken
    /// from the queue yet.
    fn claim(&self, id: u32) {
        self.claimed.borrow_mut().entry(id).or_default().holders += 1;
    }

    /// Records that a `Job` holding `id` is gone.
    fn release(&self, id: u32) {
        let mut claimed = self.claimed.borrow_mut();
        if let Some(claim) = claimed.get_mut(&id) {
            claim.holders -= 1;
            if claim.holders == 0 {
                claimed.remove(&id);
            }
        }
    }

    fn result(&self, id: u32) -> Option<JobResult> {
        self.claimed.borrow().get(&id)?.result.clone()
    }

    /// Keeps the result of a `JobRemoved` signal if its job is claimed.
    /// Signals of other jobs (of other clients, or dropped) are discarded.
    fn record(&self, signal: &Message<'_>) {
        // Every match of the bus shares the message and its read position.
        let read = signal
            .rewind()
            .and_then(|()| signal.read_args::<(u32, ObjectPath, &str, &str)>());
        let Ok((id, _path, _unit, result)) = read else {
            return;
        };
        if let Some(claim) = self.claimed.borrow_mut().get_mut(&id) {
            claim.result.get_or_insert_with(|| JobResult::from(result));
        }
    }

    /// Records every signal queued so far, without processing the bus, and
    /// drops those nobody claims, so the queue does not grow with the jobs
    /// of other clients. Called before each new job is created: its own
    /// signal cannot be among them, as it is only queued when the bus is
    /// processed after the call that creates the job.
    pub(super) fn take_queued(&self) {
        while let Some(signal) = self.signals.try_recv() {
            self.record(&signal);
        }
    }
}
