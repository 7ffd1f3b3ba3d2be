//! [`UnitPool`]: workers sharing one transient unit and its limits.

use std::collections::VecDeque;
use std::fmt;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use super::error::FutureError;
use super::unit::WorkUnit;
use super::worker::{self, Body, Worker};
use super::Options;
use crate::bus::Bus;
use crate::error::{Error, InvalidKind};
use crate::transient::UnitProperty;
use crate::types::{Append, Read};

/// A pool of workers that all run inside **one** transient service, so
/// that they share its limits: with `CPUQuota=25%`, ten busy workers get
/// 25 % of one CPU between them, not each.
///
/// # Worker model: one `fork` per task
///
/// [`UnitPool::new`] starts the service (its main process a placeholder,
/// as for [`UnitProcess`](super::UnitProcess)) and a dispatcher thread.
/// Each [`submit`](UnitPool::submit)ted closure is queued; the dispatcher
/// forks a worker for it as soon as fewer than `max_workers` run, attaches
/// the worker to the service's control group and lets it run the closure;
/// a thread per running task collects its report. Forking per task (rather
/// than keeping workers that receive `fn` pointers and marshalled
/// arguments) lets a task be any closure, capturing what it needs, gives
/// each task a fresh process (a crash or leak in one task cannot affect
/// the next), and keeps a task's process the unit of killing and of
/// accounting; what it costs, a `fork` and an `AttachProcessesToUnit` call
/// per task (about a millisecond), is small next to work worth a unit.
///
/// [`shutdown`](UnitPool::shutdown) (or dropping the pool) waits for every
/// task submitted, then stops the unit; [`terminate`](UnitPool::terminate)
/// cancels the tasks not started yet and stops the unit at once, which
/// kills the running ones.
///
/// ```no_run
/// use sdbus::futures::UnitPool;
/// use sdbus::transient::UnitProperty;
///
/// let pool = UnitPool::new(UnitProperty::parse("CPUQuota=25%")?, 4)?;
/// let tasks: Vec<_> = (0..10u64).map(|i| pool.submit(move || i * i)).collect();
/// let squares = tasks.into_iter().map(|t| t.join()).collect::<Result<Vec<_>, _>>()?;
/// pool.shutdown()?;
/// # Ok::<(), sdbus::futures::FutureError>(())
/// ```
pub struct UnitPool {
    shared: Arc<Shared>,
    dispatcher: Option<JoinHandle<Result<(), FutureError>>>,
    unit: String,
    main_pid: u32,
    max_workers: usize,
}

/// What the pool, its dispatcher and its collectors share.
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    max_workers: usize,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    running: usize,
    closing: Option<Closing>,
    /// The dispatcher has ended: a new task is cancelled at once.
    closed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    /// Run every task submitted, then stop the unit.
    Graceful,
    /// Cancel the queued tasks and stop the unit now.
    Now,
}

/// A task not started yet.
struct Queued {
    /// What the worker runs.
    body: Body,
    /// Where its pid goes once it runs.
    process: Arc<TaskProcess>,
    /// Collects the worker's report into the task's handle, or records why
    /// there is no worker.
    finish: Finish,
}

/// What ends a task: collects its worker's report into its handle, or
/// records why it has no worker.
type Finish = Box<dyn FnOnce(Result<Worker, FutureError>) + Send>;

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves a consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A running task ended.
    fn task_done(&self) {
        self.lock().running -= 1;
        self.changed.notify_all();
    }
}

impl UnitPool {
    /// Starts a pool of at most `max_workers` workers in a new transient
    /// service with `properties`, on the default manager (see
    /// [`Options::new`]).
    pub fn new(
        properties: impl IntoIterator<Item = UnitProperty>,
        max_workers: usize,
    ) -> Result<UnitPool, FutureError> {
        Options::new().properties(properties).pool(max_workers)
    }

    /// [`UnitPool::new`] with `options`.
    pub(super) fn with_options(
        options: &Options,
        max_workers: usize,
    ) -> Result<UnitPool, FutureError> {
        if max_workers == 0 {
            return Err(Error::invalid(
                InvalidKind::Argument,
                "0",
                "a pool needs at least one worker",
            )
            .into());
        }
        let bus = options.open_bus()?;
        let unit = WorkUnit::start(&bus, "pool", options.unit_properties())?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            max_workers,
        });
        let name = unit.name().to_owned();
        let main_pid = unit.main_pid();
        let theirs = Arc::clone(&shared);
        // The bus moves to the dispatcher with the unit; if the thread
        // cannot start, the placeholder ends with this process.
        let dispatcher = std::thread::Builder::new()
            .name("sdbus-pool".to_owned())
            .spawn(move || dispatch(&theirs, &bus, &unit))
            .map_err(|err| Error::Os {
                operation: "spawn the pool's dispatcher",
                errno: err.raw_os_error().unwrap_or(libc::EAGAIN),
            })?;
        Ok(UnitPool {
            shared,
            dispatcher: Some(dispatcher),
            unit: name,
            main_pid,
            max_workers,
        })
    }

    /// The unit's name, such as `sdbus-pool-1234-0-5f3a.service`.
    pub fn unit_name(&self) -> &str {
        &self.unit
    }

    /// The pid of the unit's placeholder main process.
    pub fn main_pid(&self) -> u32 {
        self.main_pid
    }

    /// How many workers run at most at once.
    pub fn max_workers(&self) -> usize {
        self.max_workers
    }

    /// How many tasks are running and how many wait for a worker.
    pub fn load(&self) -> (usize, usize) {
        let state = self.shared.lock();
        (state.running, state.queue.len())
    }

    /// Queues `f` to run in a worker inside the pool's unit, and returns
    /// its handle. Any thread may submit. `f` runs on a copy of the
    /// caller's memory as it is when the worker is forked; see the
    /// [module documentation](super) for what is safe to do in it.
    pub fn submit<T, F>(&self, f: F) -> PoolTask<T>
    where
        T: Append + for<'m> Read<'m> + Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let process = Arc::new(TaskProcess::default());
        let result = Arc::new(TaskResult {
            value: Mutex::new(None),
            done: Condvar::new(),
        });
        let slot = Arc::clone(&result);
        let queued = Queued {
            body: Box::new(worker::body(f)),
            process: Arc::clone(&process),
            finish: Box::new(move |worker| slot.set(worker.and_then(worker::collect))),
        };
        let mut state = self.shared.lock();
        if state.closed {
            drop(state);
            (queued.finish)(Err(FutureError::Cancelled));
        } else {
            state.queue.push_back(queued);
            drop(state);
            self.shared.changed.notify_all();
        }
        PoolTask { process, result }
    }

    /// Waits for every task submitted to finish, then stops the unit.
    pub fn shutdown(mut self) -> Result<(), FutureError> {
        self.close(Closing::Graceful)
    }

    /// Cancels the tasks not started yet (their [`PoolTask::join`] returns
    /// [`FutureError::Cancelled`]) and stops the unit, which kills the
    /// running ones ([`FutureError::Killed`] with `SIGTERM`); returns once
    /// every task has ended.
    pub fn terminate(mut self) -> Result<(), FutureError> {
        self.close(Closing::Now)
    }

    fn close(&mut self, how: Closing) -> Result<(), FutureError> {
        let Some(dispatcher) = self.dispatcher.take() else {
            return Ok(());
        };
        self.shared.lock().closing = Some(how);
        self.shared.changed.notify_all();
        dispatcher
            .join()
            .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
    }
}

/// Dropping the pool shuts it down gracefully: it waits for every task.
impl Drop for UnitPool {
    fn drop(&mut self) {
        let _ = self.close(Closing::Graceful);
    }
}

impl fmt::Debug for UnitPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (running, queued) = self.load();
        f.debug_struct("UnitPool")
            .field("unit", &self.unit)
            .field("max_workers", &self.max_workers)
            .field("running", &running)
            .field("queued", &queued)
            .finish()
    }
}

/// What the dispatcher does next.
enum Step {
    Launch(Queued),
    Terminate(Vec<Queued>),
    Finish,
}

/// The dispatcher: forks a worker per task while fewer than `max_workers`
/// run; when closing, stops the unit.
fn dispatch(shared: &Arc<Shared>, bus: &Bus, unit: &WorkUnit) -> Result<(), FutureError> {
    let _cancel_on_exit = CancelOnExit(shared);
    loop {
        let step = {
            let mut state = shared.lock();
            loop {
                match state.closing {
                    Some(Closing::Now) => break Step::Terminate(state.queue.drain(..).collect()),
                    Some(Closing::Graceful) if state.queue.is_empty() => break Step::Finish,
                    _ => {}
                }
                if state.running < shared.max_workers {
                    if let Some(task) = state.queue.pop_front() {
                        state.running += 1;
                        break Step::Launch(task);
                    }
                }
                state = shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        match step {
            Step::Launch(task) => launch(shared, bus, unit, task),
            Step::Terminate(cancelled) => {
                for task in cancelled {
                    (task.finish)(Err(FutureError::Cancelled));
                }
                let stopped = unit.stop(bus);
                wait_idle(shared);
                return stopped;
            }
            Step::Finish => {
                wait_idle(shared);
                return unit.stop(bus);
            }
        }
    }
}

/// Waits until no task runs.
fn wait_idle(shared: &Shared) {
    let mut state = shared.lock();
    while state.running > 0 {
        state = shared
            .changed
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

/// Forks a worker for `task` and starts collecting its report on a thread
/// of its own.
fn launch(shared: &Arc<Shared>, bus: &Bus, unit: &WorkUnit, task: Queued) {
    let Queued {
        body,
        process,
        finish,
    } = task;
    let worker = match worker::fork_worker(bus, unit.name(), unit.plan(), body) {
        Ok(worker) => worker,
        Err(err) => {
            finish(Err(err));
            shared.task_done();
            return;
        }
    };
    process.set(worker.pid, Arc::clone(&worker.pidfd));
    // Shared with the thread, so that the collection still happens here if
    // the thread cannot start.
    let pending: Arc<Pending> = Arc::new(Mutex::new(Some((finish, worker))));
    let theirs = Arc::clone(&pending);
    let their_shared = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name("sdbus-pool-task".to_owned())
        .spawn(move || {
            collect_pending(&theirs);
            their_shared.task_done();
        });
    if spawned.is_err() {
        collect_pending(&pending);
        shared.task_done();
    }
}

/// A launched task's collection, for whichever thread runs it.
type Pending = Mutex<Option<(Finish, Worker)>>;

/// Runs a launched task's collection, unless it already ran.
fn collect_pending(pending: &Pending) {
    let taken = pending
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some((finish, worker)) = taken {
        finish(Ok(worker));
    }
}

/// Cancels the queued tasks when the dispatcher ends, however it ends, and
/// makes later submissions cancel theirs: no handle waits forever.
struct CancelOnExit<'a>(&'a Shared);

impl Drop for CancelOnExit<'_> {
    fn drop(&mut self) {
        let cancelled: Vec<Queued> = {
            let mut state = self.0.lock();
            state.closed = true;
            state.queue.drain(..).collect()
        };
        for task in cancelled {
            (task.finish)(Err(FutureError::Cancelled));
        }
    }
}

/// A task's process, once it runs.
#[derive(Default)]
struct TaskProcess(Mutex<Option<(u32, Arc<OwnedFd>)>>);

impl TaskProcess {
    fn set(&self, pid: u32, pidfd: Arc<OwnedFd>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((pid, pidfd));
    }

    fn get(&self) -> Option<(u32, Arc<OwnedFd>)> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A task's outcome, once known.
struct TaskResult<T> {
    value: Mutex<Option<Result<T, FutureError>>>,
    done: Condvar,
}

impl<T> TaskResult<T> {
    fn set(&self, outcome: Result<T, FutureError>) {
        *self.value.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
        self.done.notify_all();
    }
}

/// The handle of a task submitted to a [`UnitPool`]. Dropping it does not
/// cancel the task; its value is then dropped.
pub struct PoolTask<T> {
    process: Arc<TaskProcess>,
    result: Arc<TaskResult<T>>,
}

impl<T> PoolTask<T> {
    /// The worker's pid, once the task has started.
    pub fn pid(&self) -> Option<u32> {
        self.process.get().map(|(pid, _)| pid)
    }

    /// Whether the task has ended (with a value or an error).
    pub fn is_finished(&self) -> bool {
        self.result
            .value
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// Kills the task's worker with `SIGKILL`, if it has started and is
    /// still running; [`join`](PoolTask::join) then reports
    /// [`FutureError::Killed`].
    pub fn kill(&self) -> Result<(), FutureError> {
        match self.process.get() {
            Some((_, pidfd)) => worker::signal(&pidfd, libc::SIGKILL),
            None => Ok(()),
        }
    }

    /// Waits for the task to end and returns the closure's value.
    pub fn join(self) -> Result<T, FutureError> {
        let mut value = self
            .result
            .value
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(outcome) = value.take() {
                return outcome;
            }
            value = self
                .result
                .done
                .wait(value)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl<T> fmt::Debug for PoolTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolTask")
            .field("pid", &self.pid())
            .field("finished", &self.is_finished())
            .finish()
    }
}
