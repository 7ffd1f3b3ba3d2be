//! [`UnitProcess`]: one closure running in its own transient unit.

use std::fmt;
use std::marker::PhantomData;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::thread::JoinHandle;

use super::error::FutureError;
use super::unit::{stop_unit, WorkUnit};
use super::worker::{self, Worker};
use super::Options;
use crate::bus::Bus;
use crate::systemd1::{Manager, Unit};
use crate::transient::UnitProperty;
use crate::types::{Append, Read};

/// A closure running in a forked worker inside a transient service of its
/// own, like a `multiprocessing.Process` whose limits are the unit's.
///
/// [`spawn`](UnitProcess::spawn) starts the unit, forks the worker, moves
/// it into the unit and lets it run; a thread of the caller then waits for
/// the worker's report. [`join`](UnitProcess::join) returns the closure's
/// value; [`kill`](UnitProcess::kill) and [`stop`](UnitProcess::stop) end
/// it early. The unit is stopped when the handle is joined or dropped
/// (dropping it also kills a worker still running).
///
/// ```no_run
/// use sdbus::futures::UnitProcess;
/// use sdbus::transient::UnitProperty;
///
/// let process = UnitProcess::spawn(UnitProperty::parse("CPUQuota=20%")?, || {
///     (0..50_000_000u64).fold(0u64, |a, b| a.wrapping_add(b * b))
/// })?;
/// println!("pid {} in {}", process.pid(), process.unit_name());
/// let sum = process.join()?;
/// # Ok::<(), sdbus::futures::FutureError>(())
/// ```
pub struct UnitProcess<T> {
    bus: Bus,
    unit: String,
    pid: u32,
    pidfd: Arc<OwnedFd>,
    collector: Option<JoinHandle<Result<T, FutureError>>>,
    /// The value is made in the worker and only read here.
    _value: PhantomData<fn() -> T>,
}

impl<T> UnitProcess<T>
where
    T: Append + for<'m> Read<'m> + Send + 'static,
{
    /// Runs `f` in a worker inside a new transient service with
    /// `properties`, on the default manager (see [`Options::new`]).
    ///
    /// `f` runs in the worker on a copy of the caller's memory: it may
    /// borrow, but what it changes is not seen by the caller. See the
    /// [module documentation](super) for what is safe to do in it.
    pub fn spawn<F>(
        properties: impl IntoIterator<Item = UnitProperty>,
        f: F,
    ) -> Result<UnitProcess<T>, FutureError>
    where
        F: FnOnce() -> T,
    {
        Options::new().properties(properties).spawn(f)
    }

    /// [`UnitProcess::spawn`] with `options`.
    pub(super) fn spawn_with<F>(options: &Options, f: F) -> Result<UnitProcess<T>, FutureError>
    where
        F: FnOnce() -> T,
    {
        let bus = options.open_bus()?;
        let unit = WorkUnit::start(&bus, "process", options.unit_properties())?;
        let worker = match worker::fork_worker(&bus, unit.name(), unit.plan(), worker::body(f)) {
            Ok(worker) => worker,
            Err(err) => {
                let _ = unit.stop(&bus);
                return Err(err);
            }
        };
        let pid = worker.pid;
        let pidfd = Arc::clone(&worker.pidfd);
        let collector = match spawn_collector(worker) {
            Ok(collector) => collector,
            Err(err) => {
                let _ = unit.stop(&bus);
                return Err(err);
            }
        };
        Ok(UnitProcess {
            bus,
            unit: unit.name().to_owned(),
            pid,
            pidfd,
            collector: Some(collector),
            _value: PhantomData,
        })
    }
}

/// Collects `worker`'s report on a thread of its own, so that the worker
/// never waits for the caller to send its result.
fn spawn_collector<T>(worker: Worker) -> Result<JoinHandle<Result<T, FutureError>>, FutureError>
where
    T: for<'m> Read<'m> + Send + 'static,
{
    // Kept here too: if the thread cannot start, the worker is killed.
    let pid = worker.pid;
    let pidfd = Arc::clone(&worker.pidfd);
    std::thread::Builder::new()
        .name(format!("sdbus-future-{pid}"))
        .spawn(move || worker::collect(worker))
        .map_err(|err| {
            let _ = worker::signal(&pidfd, libc::SIGKILL);
            crate::Error::Os {
                operation: "spawn the collecting thread",
                errno: err.raw_os_error().unwrap_or(libc::EAGAIN),
            }
            .into()
        })
}

impl<T> UnitProcess<T> {
    /// The worker's pid.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The unit's name, such as `sdbus-process-1234-0-5f3a.service`.
    pub fn unit_name(&self) -> &str {
        &self.unit
    }

    /// The connection to the manager this handle uses.
    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    /// The unit, to read its properties (`CPUUsageNSec`, `MemoryCurrent`…)
    /// or act on it.
    pub fn unit(&self) -> crate::Result<Unit<'_>> {
        Manager::new(&self.bus).unit(&self.unit)
    }

    /// Whether the worker is still running.
    pub fn is_alive(&self) -> bool {
        !worker::has_exited(&self.pidfd)
    }

    /// Kills the worker with `SIGKILL`; [`join`](UnitProcess::join) then
    /// reports [`FutureError::Killed`]. A worker that already ended is
    /// left alone.
    pub fn kill(&self) -> Result<(), FutureError> {
        self.signal(libc::SIGKILL)
    }

    /// Sends `signal` (such as `libc::SIGTERM`) to the worker. A worker
    /// that already ended is left alone.
    pub fn signal(&self, signal: i32) -> Result<(), FutureError> {
        worker::signal(&self.pidfd, signal)
    }

    /// Stops the unit and waits until it is stopped: the manager sends
    /// `SIGTERM` (the unit's `KillSignal=`) to the worker and everything
    /// else in it, so [`join`](UnitProcess::join) then reports
    /// [`FutureError::Killed`] unless the closure had already returned.
    pub fn stop(&self) -> Result<(), FutureError> {
        stop_unit(&self.bus, &self.unit)
    }

    /// Waits for the worker to end and returns the closure's value, then
    /// stops the unit.
    pub fn join(mut self) -> Result<T, FutureError> {
        match self.collector.take() {
            Some(collector) => collector.join().unwrap_or_else(|payload| {
                // The collector does not panic; resume it if it ever does.
                std::panic::resume_unwind(payload)
            }),
            None => Err(FutureError::Cancelled),
        }
        // `drop` stops the unit.
    }
}

impl<T> Drop for UnitProcess<T> {
    fn drop(&mut self) {
        if let Some(collector) = self.collector.take() {
            let _ = self.kill();
            let _ = collector.join();
        }
        let _ = stop_unit(&self.bus, &self.unit);
    }
}

impl<T> fmt::Debug for UnitProcess<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnitProcess")
            .field("unit", &self.unit)
            .field("pid", &self.pid)
            .field("alive", &self.is_alive())
            .finish()
    }
}
