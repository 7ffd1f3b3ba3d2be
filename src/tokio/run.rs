//! Transient units ([`Run`]) on an [`AsyncBus`]: started on its
//! connection, their end awaited.

use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

use super::stream::{signal_rule, Match, Queue};
use super::{AsyncBus, Driving, PROPERTIES};
use crate::error::{Error, InvalidKind, Result};
use crate::path::path_encode;
use crate::systemd1::{DESTINATION, MANAGER_INTERFACE, MANAGER_PATH, UNIT_PATH_PREFIX};
use crate::transient::{Run, RunOutcome, RunningUnit};

impl AsyncBus {
    /// Runs `run` as a transient unit of the manager at the other end of
    /// this connection and awaits its end, as [`RunningUnit::wait`] does
    /// (with [`Run::raise_on_fail`], an outcome that is not a success is an
    /// error).
    ///
    /// Starting is [`Run::start`] on this connection: a few calls made the
    /// blocking way (the matches, `StartTransientUnit`), which hold up the
    /// thread for their round trips. Waiting is [`AsyncBus::wait_run`].
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
    /// The unit's own signals, `PropertiesChanged` and `JobRemoved`, wake
    /// the task: each time, the unit's state is brought up to date without
    /// blocking ([`RunningUnit::wait_timeout`] with a zero timeout); the
    /// final properties and the release of the unit are blocking calls. A
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
        let sender = self.bus().is_bus_client().then_some(DESTINATION);
        let path = path_encode(UNIT_PATH_PREFIX, unit.name())?;
        let rule = signal_rule(
            sender,
            Some(&path),
            Some(PROPERTIES),
            Some("PropertiesChanged"),
        )?;
        let changes = Match::install(self, &rule, Queue::default()).await?;
        let rule = signal_rule(
            sender,
            Some(MANAGER_PATH),
            Some(MANAGER_INTERFACE),
            Some("JobRemoved"),
        )?;
        let jobs = Match::install(self, &rule, Queue::default()).await?;
        loop {
            // Emptied first: whatever arrives from now on wakes the task.
            while changes.try_recv_raw().is_some() || jobs.try_recv_raw().is_some() {}
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
            poll_fn(|cx| {
                let changed = changes.poll_recv_raw(cx).is_ready();
                let job = jobs.poll_recv_raw(cx).is_ready();
                if changed || job {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
        }
    }
}
