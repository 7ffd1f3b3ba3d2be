//! Transient units ([`Run`]) on an [`AsyncBus`]: started on its
//! connection, their end awaited.

use std::cell::Cell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use super::{AsyncBus, Driving, OnClose};
use crate::error::{Error, InvalidKind, Result};
use crate::transient::{Run, RunOutcome, RunningUnit};

/// Wakes the task awaiting a unit when the driver stops.
#[derive(Default)]
struct CloseWaker {
    waker: Cell<Option<Waker>>,
}

impl OnClose for CloseWaker {
    fn closed(&self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

impl AsyncBus {
    /// Runs `run` as a transient unit of the manager at the other end of
    /// this connection and awaits its end, as [`RunningUnit::wait`] does
    /// (with [`Run::raise_on_fail`], an outcome that is not a success is an
    /// error).
    ///
    /// Starting is [`Run::start`] on this connection: `StartTransientUnit`
    /// is a blocking call, which holds up the thread for its round trip
    /// (the matches are sent without waiting). Waiting is
    /// [`AsyncBus::wait_run`].
    ///
    /// ```no_run
    /// use sdbus::transient::Run;
    ///
    /// # async fn demo(bus: &sdbus::tokio::AsyncBus) -> sdbus::Result<()> {
    /// let outcome = bus.run(Run::new(["/usr/bin/make", "-j4"]).description("build")).await?;
    /// println!("{outcome}");
    /// # Ok(()) }
    /// ```
    pub async fn run(&self, run: Run<'_>) -> Result<RunOutcome> {
        let mut unit = run.bus(self.bus()).start()?;
        self.kick();
        self.wait_run(&mut unit).await
    }

    /// Awaits the end of `unit`, started on this connection (with
    /// [`Run::bus`]`(async_bus.bus())`), and returns how it ended, as
    /// [`RunningUnit::wait`] does; later calls return the same outcome.
    ///
    /// The unit's own signals, `PropertiesChanged` and `JobRemoved`, queued
    /// by the subscriptions [`Run::start`] made, wake the task (no other
    /// match is added): each time, the unit's state is brought up to date
    /// without blocking ([`RunningUnit::wait_timeout`] with a zero
    /// timeout); the final `GetAll` is a blocking call. A
    /// pty session's output ([`Run::pty`]) is relayed only on those
    /// wake-ups: wait for such a unit the blocking way, on a thread of its
    /// own.
    pub async fn wait_run(&self, unit: &mut RunningUnit<'_>) -> Result<RunOutcome> {
        if unit.bus().as_ptr() != self.bus().as_ptr() {
            return Err(Error::invalid(
                InvalidKind::Argument,
                unit.name(),
                "was started on another connection than this AsyncBus's",
            ));
        }
        // The unit's subscriptions, made before it started, queue its
        // signals as the driver processes the bus, and wake this task.
        let close = Rc::new(CloseWaker::default());
        let watcher: Rc<dyn OnClose> = close.clone();
        self.shared.watch_close(Rc::downgrade(&watcher));
        loop {
            let outcome = {
                // The bus may be processed here: async handlers then run
                // as they do from the driver.
                let _driving = Driving::enter(&self.shared);
                unit.wait_timeout(Duration::ZERO)
            };
            // It may have queued output, or messages, for the driver.
            self.kick();
            if let Some(outcome) = outcome? {
                return Ok(outcome);
            }
            if let Some(error) = self.closed_error() {
                return Err(error);
            }
            poll_fn(|cx| {
                close.waker.set(Some(cx.waker().clone()));
                if self.closed_error().is_some() {
                    return Poll::Ready(());
                }
                unit.poll_signals(cx)
            })
            .await;
        }
    }
}
