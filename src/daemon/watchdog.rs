//! The service watchdog: its interval, and a pinger.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use libsystemd_sys as sys;

use super::Notify;
use crate::error::{check, Error, InvalidKind, Result};

/// The watchdog timeout the manager expects this process to honour
/// (`$WATCHDOG_USEC`, as `sd_watchdog_enabled`): pings must come more often
/// than that. `None` when the watchdog is off, including outside systemd and
/// in a child process (`$WATCHDOG_PID` names another process). A malformed
/// variable is an [`Error::Os`] (`EINVAL`).
///
/// ```no_run
/// if let Some(timeout) = sdbus::daemon::watchdog_enabled()? {
///     println!("ping at least every {timeout:?}");
/// }
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn watchdog_enabled() -> Result<Option<Duration>> {
    let mut usec = 0u64;
    // SAFETY: valid out pointer; 0 leaves the environment alone.
    let ret = unsafe { sys::sd_watchdog_enabled(0, &mut usec) };
    Ok((check("sd_watchdog_enabled", ret)? > 0).then(|| Duration::from_micros(usec)))
}

/// Pings the service watchdog (`WATCHDOG=1`) at half its timeout, on a
/// thread the caller owns: either one [`Watchdog::spawn`] starts and the
/// returned [`WatchdogThread`] stops when dropped, or the caller's own, with
/// [`Watchdog::run_until`].
///
/// ```no_run
/// use sdbus::daemon::{Notify, Watchdog};
///
/// # fn main() -> sdbus::Result<()> {
/// let pinger = match Watchdog::from_env()? {
///     Some(watchdog) => Some(watchdog.spawn()?),
///     None => None, // no watchdog configured
/// };
/// Notify::new().ready().send()?;
/// // … serve; the pings stop when `pinger` is dropped …
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watchdog {
    timeout: Duration,
}

impl Watchdog {
    /// The watchdog the manager configured for this process
    /// ([`watchdog_enabled`]), or `None`.
    ///
    /// ```no_run
    /// let watchdog = sdbus::daemon::Watchdog::from_env()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn from_env() -> Result<Option<Watchdog>> {
        watchdog_enabled()?.map(Watchdog::new).transpose()
    }

    /// A watchdog with this timeout, such as one set with
    /// [`Notify::watchdog_timeout`]. A zero timeout is refused.
    ///
    /// ```
    /// use std::time::Duration;
    /// let watchdog = sdbus::daemon::Watchdog::new(Duration::from_secs(10))?;
    /// assert_eq!(watchdog.interval(), Duration::from_secs(5));
    /// assert!(sdbus::daemon::Watchdog::new(Duration::ZERO).is_err());
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn new(timeout: Duration) -> Result<Watchdog> {
        if timeout.is_zero() {
            return Err(Error::invalid(
                InvalidKind::Argument,
                "0",
                "a watchdog timeout must be positive",
            ));
        }
        Ok(Watchdog { timeout })
    }

    /// The timeout the manager enforces.
    ///
    /// ```
    /// use std::time::Duration;
    /// let watchdog = sdbus::daemon::Watchdog::new(Duration::from_secs(3))?;
    /// assert_eq!(watchdog.timeout(), Duration::from_secs(3));
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The time between two pings: half the timeout, as `sd_watchdog_enabled`
    /// recommends.
    ///
    /// ```
    /// use std::time::Duration;
    /// let watchdog = sdbus::daemon::Watchdog::new(Duration::from_millis(500))?;
    /// assert_eq!(watchdog.interval(), Duration::from_millis(250));
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn interval(&self) -> Duration {
        self.timeout / 2
    }

    /// Sends one ping; returns whether a notification socket existed.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let watchdog = sdbus::daemon::Watchdog::new(Duration::from_secs(10))?;
    /// watchdog.ping()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn ping(&self) -> Result<bool> {
        Notify::new().watchdog().send()
    }

    /// Pings now and then every [`Watchdog::interval`] on the calling thread,
    /// until `stop` receives a message or its sender is dropped (it returns
    /// at once then). A failed ping ends it with that error.
    ///
    /// ```no_run
    /// use std::sync::mpsc;
    /// use sdbus::daemon::Watchdog;
    ///
    /// # fn main() -> sdbus::Result<()> {
    /// let Some(watchdog) = Watchdog::from_env()? else { return Ok(()) };
    /// let (stop, stopped) = mpsc::channel();
    /// std::thread::scope(|s| {
    ///     let pinger = s.spawn(move || watchdog.run_until(&stopped));
    ///     // … work …
    ///     drop(stop);
    ///     pinger.join().expect("the pinger does not panic")
    /// })
    /// # }
    /// ```
    pub fn run_until(&self, stop: &Receiver<()>) -> Result<()> {
        loop {
            self.ping()?;
            match stop.recv_timeout(self.interval()) {
                Err(RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
    }

    /// Starts a thread that runs [`Watchdog::run_until`] until the returned
    /// handle is stopped or dropped. Failing to start a thread is an
    /// [`Error::Os`].
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let pinger = sdbus::daemon::Watchdog::new(Duration::from_secs(10))?.spawn()?;
    /// // … work …
    /// pinger.stop()?; // or just drop it
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn spawn(self) -> Result<WatchdogThread> {
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sd-watchdog".into())
            .spawn(move || self.run_until(&stopped))
            .map_err(|err| Error::Os {
                operation: "spawn a watchdog thread",
                errno: err.raw_os_error().unwrap_or(libc::EAGAIN),
            })?;
        Ok(WatchdogThread {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A thread pinging the watchdog, from [`Watchdog::spawn`]. Dropping it
/// stops the pings and waits for the thread to end.
///
/// ```no_run
/// use std::time::Duration;
/// let pinger = sdbus::daemon::Watchdog::new(Duration::from_secs(10))?.spawn()?;
/// drop(pinger); // no more pings
/// # Ok::<(), sdbus::Error>(())
/// ```
#[derive(Debug)]
pub struct WatchdogThread {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<Result<()>>>,
}

impl WatchdogThread {
    /// Stops the pings, waits for the thread to end and returns how it
    /// ended: the error of a failed ping, if one ended it early.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let pinger = sdbus::daemon::Watchdog::new(Duration::from_secs(10))?.spawn()?;
    /// if let Err(err) = pinger.stop() {
    ///     eprintln!("the watchdog pings failed: {err}");
    /// }
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn stop(mut self) -> Result<()> {
        self.finish()
    }

    /// Whether the thread still pings (false once a ping failed).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let pinger = sdbus::daemon::Watchdog::new(Duration::from_secs(10))?.spawn()?;
    /// assert!(pinger.is_running());
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }

    fn finish(&mut self) -> Result<()> {
        self.stop = None;
        match self.thread.take() {
            // `run_until` does not panic; should it, the panic goes on here.
            Some(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => Ok(()),
        }
    }
}

impl Drop for WatchdogThread {
    fn drop(&mut self) {
        // A failed ping cannot be reported from `drop`; `stop` returns it.
        let _ = self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_is_half_the_timeout() {
        let watchdog = Watchdog::new(Duration::from_micros(3)).unwrap();
        assert_eq!(watchdog.timeout(), Duration::from_micros(3));
        assert_eq!(watchdog.interval(), Duration::from_nanos(1500));
        assert_eq!(
            Watchdog::new(Duration::ZERO).unwrap_err(),
            Error::invalid(
                InvalidKind::Argument,
                "0",
                "a watchdog timeout must be positive"
            )
        );
    }

    #[test]
    fn run_until_returns_when_stopped() {
        // Without $NOTIFY_SOCKET pings succeed and send nothing; with one
        // (a test run inside a notify service) they go to the manager, which
        // ignores WATCHDOG=1 from units without a watchdog.
        let watchdog = Watchdog::new(Duration::from_secs(3600)).unwrap();
        let (stop, stopped) = mpsc::channel();
        stop.send(()).unwrap();
        watchdog.run_until(&stopped).unwrap();
        drop(stop);
        watchdog.run_until(&stopped).unwrap();

        let pinger = watchdog.spawn().unwrap();
        let started = std::time::Instant::now();
        pinger.stop().unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "stopping is immediate"
        );
        drop(watchdog.spawn().unwrap());
    }
}
