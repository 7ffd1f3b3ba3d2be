//! systemd's manager on an [`AsyncBus`]: jobs whose results are awaited,
//! and units' states as streams.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::stream::{signal_rule, Match, MatchTarget, Queue};
use super::AsyncBus;
use crate::error::{BusErrorKind, Error, Result};
use crate::message::Message;
use crate::names::ObjectPath;
use crate::path::path_encode;
use crate::systemd1::watch::Known;
use crate::systemd1::{
    validate_unit_name, ActiveState, JobMode, JobResult, UnitStateChange, DESTINATION,
    JOB_INTERFACE, MANAGER_INTERFACE, MANAGER_PATH, UNIT_INTERFACE, UNIT_PATH_PREFIX,
};
use crate::types::{AppendArgs, Value};

/// systemd's manager, reached through an [`AsyncBus`]: the async
/// counterpart of [`systemd1::Manager`](crate::systemd1::Manager) for
/// jobs and unit states.
///
/// Jobs are awaited without polling: the first job installs one
/// `JobRemoved` match, shared by every later job of this manager (and its
/// clones), before the call that creates it, so no result is lost, even of
/// a job that finishes before its call returns.
///
/// ```no_run
/// use sdbus::systemd1::{JobMode, JobResult};
/// use sdbus::tokio::{AsyncBus, AsyncManager};
///
/// # async fn demo(bus: &AsyncBus) -> sdbus::Result<()> {
/// let manager = AsyncManager::new(bus);
/// let job = manager.restart_unit("foo.service", JobMode::Replace).await?;
/// assert_eq!(job.wait().await?, JobResult::Done);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AsyncManager {
    bus: AsyncBus,
    shared: Rc<ManagerShared>,
}

/// What clones of an [`AsyncManager`] share.
#[derive(Default)]
struct ManagerShared {
    /// The `JobRemoved` match, installed with the first job.
    jobs: RefCell<Option<Rc<Match<JobTracker>>>>,
    /// Whether `Subscribe` was called through this manager.
    subscribed: Cell<bool>,
}

impl AsyncManager {
    /// The manager at the other end of `bus`. No call is made.
    pub fn new(bus: &AsyncBus) -> AsyncManager {
        AsyncManager {
            bus: bus.clone(),
            shared: Rc::default(),
        }
    }

    /// The connection this manager is reached through.
    pub fn bus(&self) -> &AsyncBus {
        &self.bus
    }

    /// Asks the manager for its units' signals (`Subscribe`; see
    /// [`Manager::subscribe`](crate::systemd1::Manager::subscribe)).
    /// Subscribing twice is not an error.
    pub async fn subscribe(&self) -> Result<()> {
        let reply = self
            .bus
            .call_method(
                DESTINATION,
                MANAGER_PATH,
                MANAGER_INTERFACE,
                "Subscribe",
                &(),
            )
            .await;
        match reply {
            Err(e) if e.bus_error_kind() != Some(BusErrorKind::AlreadySubscribed) => Err(e),
            _ => {
                self.shared.subscribed.set(true);
                Ok(())
            }
        }
    }

    /// Starts unit `name` (`StartUnit`); await the job's result with
    /// [`AsyncJob::wait`].
    pub async fn start_unit(&self, name: &str, mode: JobMode) -> Result<AsyncJob> {
        self.unit_job("StartUnit", name, mode).await
    }

    /// Stops unit `name` (`StopUnit`).
    pub async fn stop_unit(&self, name: &str, mode: JobMode) -> Result<AsyncJob> {
        self.unit_job("StopUnit", name, mode).await
    }

    /// Restarts unit `name`, starting it if it is not running
    /// (`RestartUnit`).
    pub async fn restart_unit(&self, name: &str, mode: JobMode) -> Result<AsyncJob> {
        self.unit_job("RestartUnit", name, mode).await
    }

    /// Creates and starts the transient unit `name` with `properties`
    /// (`StartTransientUnit`, without auxiliary units), such as
    /// `("ExecStart", Value::from(vec![(path, argv, false)]))`.
    pub async fn start_transient_unit(
        &self,
        name: &str,
        mode: JobMode,
        properties: &[(&str, Value)],
    ) -> Result<AsyncJob> {
        validate_unit_name(name)?;
        let aux: Vec<(String, Vec<(String, Value)>)> = Vec::new();
        self.enqueue("StartTransientUnit", &(name, mode, properties, aux), name)
            .await
    }

    /// Calls `member(name, mode)`, which queues a job.
    async fn unit_job(&self, member: &str, name: &str, mode: JobMode) -> Result<AsyncJob> {
        validate_unit_name(name)?;
        self.enqueue(member, &(name, mode), name).await
    }

    /// Calls `member` of the manager with `args`, a method that queues a
    /// job for `unit` and returns its path (such as `ReloadUnit`,
    /// `TryRestartUnit` or `StartTransientUnit` with auxiliary units), and
    /// returns the job, with the `JobRemoved` match installed before the
    /// call.
    pub async fn enqueue<A: AppendArgs + ?Sized>(
        &self,
        member: &str,
        args: &A,
        unit: &str,
    ) -> Result<AsyncJob> {
        let tracker = self.job_tracker().await?;
        let in_flight = InFlight::enter(Rc::clone(&tracker));
        let reply = self
            .bus
            .call_method(DESTINATION, MANAGER_PATH, MANAGER_INTERFACE, member, args)
            .await?;
        let path: ObjectPath = reply.read()?;
        // Job paths are `/org/freedesktop/systemd1/job/<id>`.
        let id = match path.rsplit('/').next().and_then(|id| id.parse().ok()) {
            Some(id) => id,
            None => {
                self.bus
                    .get_property(DESTINATION, &path, JOB_INTERFACE, "Id")
                    .await?
            }
        };
        tracker.state.target.claim(id);
        drop(in_flight);
        Ok(AsyncJob {
            tracker,
            id,
            path,
            unit: unit.to_owned(),
        })
    }

    /// The `JobRemoved` match of this manager's jobs, installed on first use.
    async fn job_tracker(&self) -> Result<Rc<Match<JobTracker>>> {
        if let Some(tracker) = &*self.shared.jobs.borrow() {
            return Ok(Rc::clone(tracker));
        }
        let rule = signal_rule(
            self.signal_sender(),
            Some(MANAGER_PATH),
            Some(MANAGER_INTERFACE),
            Some("JobRemoved"),
        )?;
        let tracker = Rc::new(Match::install(&self.bus, &rule, JobTracker::default()).await?);
        // Another task may have installed one meanwhile: keep the first.
        Ok(Rc::clone(
            self.shared.jobs.borrow_mut().get_or_insert(tracker),
        ))
    }

    /// The sender to match the manager's signals with: none on a direct
    /// connection, where messages carry no sender.
    fn signal_sender(&self) -> Option<&'static str> {
        self.bus.bus().is_bus_client().then_some(DESTINATION)
    }

    /// The `ActiveState`/`SubState` changes of unit `name`, as a stream.
    ///
    /// The match is installed, the connection subscribed to the manager's
    /// signals and the current state read, in that order, so no change
    /// after [`UnitStateStream::state`] is missed; changes older than that
    /// state (by the unit's `StateChangeTimestampMonotonic`) and signals
    /// that change neither property are skipped, as
    /// [`UnitWatch`](crate::systemd1::UnitWatch) does.
    ///
    /// ```no_run
    /// use sdbus::systemd1::{ActiveState, JobMode};
    /// use sdbus::tokio::AsyncManager;
    ///
    /// # async fn demo(manager: &AsyncManager) -> sdbus::Result<()> {
    /// let mut states = manager.watch_unit("foo.service").await?;
    /// manager.start_unit("foo.service", JobMode::Replace).await?;
    /// let state = states.wait_for(|s| s.active_state == ActiveState::Active).await?;
    /// println!("{} ({})", state.active_state, state.sub_state);
    /// # Ok(()) }
    /// ```
    pub async fn watch_unit(&self, name: &str) -> Result<UnitStateStream> {
        validate_unit_name(name)?;
        let path = path_encode(UNIT_PATH_PREFIX, name)?;
        let sender = self
            .signal_sender()
            .map(|sender| format!("sender='{sender}',"))
            .unwrap_or_default();
        // Paths are validated object paths: no quote can end the value.
        let rule = format!(
            "type='signal',{sender}path='{path}',interface='org.freedesktop.DBus.Properties',\
             member='PropertiesChanged',arg0='{UNIT_INTERFACE}'"
        );
        let signals = Match::install(&self.bus, &rule, Queue::default()).await?;
        if !self.shared.subscribed.get() {
            self.subscribe().await?;
        }
        // One `GetAll`: the state and its timestamp must come together.
        let properties = self.bus.get_all(DESTINATION, &path, UNIT_INTERFACE).await?;
        let known = Known {
            state: UnitStateChange {
                active_state: ActiveState::from(properties.get::<&str>("ActiveState")?),
                sub_state: properties.get::<&str>("SubState")?.to_owned(),
            },
            since: properties.get(STATE_CHANGE_TIMESTAMP).unwrap_or(0),
        };
        Ok(UnitStateStream {
            signals,
            name: name.to_owned(),
            known,
        })
    }
}

impl fmt::Debug for AsyncManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncManager")
            .field("subscribed", &self.shared.subscribed.get())
            .finish_non_exhaustive()
    }
}

/// The results of a manager's jobs, from its `JobRemoved` signals.
#[derive(Default)]
struct JobTracker {
    /// The jobs an [`AsyncJob`] holds.
    claimed: RefCell<HashMap<u32, Claim>>,
    /// Results of jobs nobody holds yet, kept while a call that creates a
    /// job is in flight: its job may finish, and its signal be processed,
    /// before the task that made the call has read the reply.
    unclaimed: RefCell<HashMap<u32, JobResult>>,
    /// Calls that create a job, in flight.
    in_flight: Cell<usize>,
    closed: Cell<bool>,
}

#[derive(Default)]
struct Claim {
    holders: usize,
    result: Option<JobResult>,
    wakers: Vec<Waker>,
}

impl JobTracker {
    /// Records that an `AsyncJob` holds `id`.
    fn claim(&self, id: u32) {
        let result = self.unclaimed.borrow_mut().remove(&id);
        let mut claimed = self.claimed.borrow_mut();
        let claim = claimed.entry(id).or_default();
        claim.holders += 1;
        if claim.result.is_none() {
            claim.result = result;
        }
    }

    /// Records that an `AsyncJob` holding `id` is gone.
    fn release(&self, id: u32) {
        let mut claimed = self.claimed.borrow_mut();
        if let Some(claim) = claimed.get_mut(&id) {
            claim.holders -= 1;
            if claim.holders == 0 {
                claimed.remove(&id);
            }
        }
    }
}

impl MatchTarget for JobTracker {
    fn on_message(&self, signal: &Message<'_>) {
        // Every match of the bus shares the message and its read position.
        let read = signal
            .rewind()
            .and_then(|()| signal.read_args::<(u32, ObjectPath, &str, &str)>());
        let Ok((id, _path, _unit, result)) = read else {
            return;
        };
        let wakers = match self.claimed.borrow_mut().get_mut(&id) {
            Some(claim) => {
                claim.result.get_or_insert_with(|| JobResult::from(result));
                std::mem::take(&mut claim.wakers)
            }
            None => {
                // Other clients' jobs, or dropped ones, are not kept.
                if self.in_flight.get() > 0 {
                    self.unclaimed
                        .borrow_mut()
                        .insert(id, JobResult::from(result));
                }
                Vec::new()
            }
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    fn on_close(&self) {
        self.closed.set(true);
        let wakers: Vec<Waker> = self
            .claimed
            .borrow_mut()
            .values_mut()
            .flat_map(|claim| std::mem::take(&mut claim.wakers))
            .collect();
        wakers.into_iter().for_each(Waker::wake);
    }
}

/// A call that creates a job, in flight: while any is, results of jobs
/// nobody holds yet are kept.
struct InFlight(Rc<Match<JobTracker>>);

impl InFlight {
    fn enter(tracker: Rc<Match<JobTracker>>) -> InFlight {
        let target = &tracker.state.target;
        target.in_flight.set(target.in_flight.get() + 1);
        InFlight(tracker)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let target = &self.0.state.target;
        let in_flight = target.in_flight.get() - 1;
        target.in_flight.set(in_flight);
        if in_flight == 0 {
            target.unclaimed.borrow_mut().clear();
        }
    }
}

/// A job queued by the manager, made by [`AsyncManager`]; its result is
/// awaited with [`AsyncJob::wait`].
pub struct AsyncJob {
    tracker: Rc<Match<JobTracker>>,
    id: u32,
    path: ObjectPath,
    unit: String,
}

impl AsyncJob {
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

    /// The job's result, if it is finished, without waiting.
    pub fn try_result(&self) -> Option<JobResult> {
        let claimed = self.tracker.state.target.claimed.borrow();
        claimed.get(&self.id)?.result.clone()
    }

    /// Waits until the job is finished and returns its result. An error if
    /// the connection ends first.
    pub async fn wait(&self) -> Result<JobResult> {
        std::future::poll_fn(|cx| self.poll_result(cx)).await
    }

    fn poll_result(&self, cx: &mut Context<'_>) -> Poll<Result<JobResult>> {
        let tracker = &self.tracker.state.target;
        let mut claimed = tracker.claimed.borrow_mut();
        let Some(claim) = claimed.get_mut(&self.id) else {
            return Poll::Ready(Err(Error::no_object("JobRemoved")));
        };
        if let Some(result) = &claim.result {
            return Poll::Ready(Ok(result.clone()));
        }
        if tracker.closed.get() {
            drop(claimed);
            return Poll::Ready(Err(self.tracker.bus.closed_error().unwrap_or(Error::Os {
                operation: "JobRemoved",
                errno: libc::ENOTCONN,
            })));
        }
        if !claim.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            claim.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Cancels the job (`Cancel`); its result is then
    /// [`JobResult::Canceled`].
    pub async fn cancel(&self) -> Result<()> {
        self.tracker
            .bus
            .call_method(DESTINATION, &self.path, JOB_INTERFACE, "Cancel", &())
            .await?;
        Ok(())
    }
}

impl Drop for AsyncJob {
    fn drop(&mut self) {
        self.tracker.state.target.release(self.id);
    }
}

impl fmt::Debug for AsyncJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncJob")
            .field("id", &self.id)
            .field("path", &self.path)
            .field("unit", &self.unit)
            .finish()
    }
}

/// The property that orders a unit's state changes.
const STATE_CHANGE_TIMESTAMP: &str = "StateChangeTimestampMonotonic";

/// A unit's `ActiveState`/`SubState` changes, as the manager sends them:
/// made by [`AsyncManager::watch_unit`]. A
/// [`futures_core::Stream`] of [`UnitStateChange`]s that ends when the
/// connection does; dropping it removes its match.
pub struct UnitStateStream {
    signals: Match<Queue>,
    name: String,
    known: Known,
}

impl UnitStateStream {
    /// The name of the unit watched.
    pub fn unit(&self) -> &str {
        &self.name
    }

    /// The last state known: read when the stream was made, then updated
    /// by every change received.
    pub fn state(&self) -> &UnitStateChange {
        &self.known.state
    }

    /// The next change; `None` once the connection ended.
    pub async fn recv(&mut self) -> Option<UnitStateChange> {
        std::future::poll_fn(|cx| self.poll_change(cx)).await
    }

    /// Waits until the state satisfies `done` (the last known state is
    /// checked first) and returns it; an error if the connection ends
    /// first.
    pub async fn wait_for(
        &mut self,
        mut done: impl FnMut(&UnitStateChange) -> bool,
    ) -> Result<UnitStateChange> {
        if done(&self.known.state) {
            return Ok(self.known.state.clone());
        }
        while let Some(state) = self.recv().await {
            if done(&state) {
                return Ok(state);
            }
        }
        Err(self.signals.bus.closed_error().unwrap_or(Error::Os {
            operation: "PropertiesChanged",
            errno: libc::ENOTCONN,
        }))
    }

    fn poll_change(&mut self, cx: &mut Context<'_>) -> Poll<Option<UnitStateChange>> {
        loop {
            let Some(raw) = std::task::ready!(self.signals.poll_recv_raw(cx)) else {
                return Poll::Ready(None);
            };
            // SAFETY: the signal belongs to the bus `self.signals` keeps
            // alive; it is dropped within this loop, on this thread.
            let Some(signal) = (unsafe { raw.into_message() }) else {
                continue;
            };
            if let Some(change) = self.apply(&signal) {
                return Poll::Ready(Some(change));
            }
        }
    }

    /// The state after `signal`, if it changed (see [`Known::apply`]).
    fn apply(&mut self, signal: &Message<'_>) -> Option<UnitStateChange> {
        self.known.apply(signal)
    }
}

impl futures_core::Stream for UnitStateStream {
    type Item = UnitStateChange;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<UnitStateChange>> {
        self.get_mut().poll_change(cx)
    }
}

impl fmt::Debug for UnitStateStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnitStateStream")
            .field("unit", &self.name)
            .field("state", &self.known.state)
            .finish_non_exhaustive()
    }
}
