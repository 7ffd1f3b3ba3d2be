//! [`Notify`]: typed `sd_notify` messages, and [`barrier`].

use std::borrow::Cow;
use std::ffi::{c_int, c_uint};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::ptr;
use std::time::Duration;

use libsystemd_sys as sys;

use crate::cstr::CStrBuf;
use crate::error::{check, Error, InvalidKind, Result};
use crate::names::ErrorName;

/// The longest file descriptor name the manager accepts (`FDNAME_MAX`).
const FDNAME_MAX: usize = 255;

/// A notification to the service manager: a set of `KEY=value` fields
/// (and, for the fd store, file descriptors) sent as one datagram with
/// `sd_pid_notify_with_fds`.
///
/// Each method sets one field; setting a field again replaces its value.
/// Values are checked as they are set (a newline in `STATUS=` would start
/// a field of its own), and the first refused one is returned by
/// [`Notify::send`] as an [`Error::Invalid`] naming the field and the value,
/// before anything is sent.
///
/// [`Notify::send`] returns whether a notification socket existed:
/// `Ok(false)` outside systemd or in a unit that is not `Type=notify` and has
/// no `NotifyAccess=`, which is not an error.
///
/// ```
/// use sdbus::daemon::Notify;
///
/// let ready = Notify::new().ready().status("serving 3 clients");
/// assert_eq!(ready.state()?, "READY=1\nSTATUS=serving 3 clients");
///
/// let err = Notify::new().status("two\nlines").state().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid value \"STATUS=two\\nlines\": contains a newline, which would start another field"
/// );
/// # Ok::<(), sdbus::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a notification does nothing until it is sent"]
pub struct Notify<'fd> {
    fields: Vec<(Cow<'static, str>, String)>,
    fds: Vec<BorrowedFd<'fd>>,
    error: Option<Error>,
}

impl<'fd> Notify<'fd> {
    /// An empty notification.
    ///
    /// ```
    /// let empty = sdbus::daemon::Notify::new();
    /// assert!(empty.state().is_err(), "there is nothing to send");
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// `READY=1`: start-up is finished (for `Type=notify` units), or a
    /// reload is ([`Notify::reloading`]).
    ///
    /// ```no_run
    /// sdbus::daemon::Notify::new().ready().send()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn ready(self) -> Self {
        self.set("READY", "1".into())
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (the current `CLOCK_MONOTONIC`
    /// time, which `Type=notify-reload` units must send): the service is
    /// reloading its configuration; send [`Notify::ready`] when done.
    ///
    /// ```no_run
    /// use sdbus::daemon::Notify;
    ///
    /// Notify::new().reloading().status("reloading").send()?;
    /// // … reload …
    /// Notify::new().ready().status("serving").send()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn reloading(self) -> Self {
        let now = monotonic_usec();
        self.set("RELOADING", "1".into())
            .set("MONOTONIC_USEC", now.to_string())
    }

    /// `STOPPING=1`: the service is shutting down.
    ///
    /// ```no_run
    /// sdbus::daemon::Notify::new().stopping().status("draining connections").send()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn stopping(self) -> Self {
        self.set("STOPPING", "1".into())
    }

    /// `STATUS=`: a one-line status text, shown by `systemctl status` and as
    /// the unit's `StatusText` property. A newline or NUL byte is refused.
    ///
    /// ```
    /// let notify = sdbus::daemon::Notify::new().status("42% done");
    /// assert_eq!(notify.state()?, "STATUS=42% done");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn status(self, text: impl AsRef<str>) -> Self {
        self.set_text("STATUS", text.as_ref())
    }

    /// `ERRNO=`: the service failed with this errno (the unit's
    /// `StatusErrno` property). A negative value is refused.
    ///
    /// ```
    /// let notify = sdbus::daemon::Notify::new().status("no config").errno(libc::ENOENT);
    /// assert_eq!(notify.state()?, "STATUS=no config\nERRNO=2");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn errno(self, errno: i32) -> Self {
        if errno < 0 {
            return self.fail(Error::invalid(
                InvalidKind::Value,
                format!("ERRNO={errno}"),
                "an errno is not negative",
            ));
        }
        self.set("ERRNO", errno.to_string())
    }

    /// `BUSERROR=`: the service failed with this D-Bus error name (the
    /// unit's `StatusBusError` property). An invalid error name is refused.
    ///
    /// ```
    /// let notify = sdbus::daemon::Notify::new().bus_error("org.freedesktop.DBus.Error.TimedOut");
    /// assert_eq!(notify.state()?, "BUSERROR=org.freedesktop.DBus.Error.TimedOut");
    /// assert!(sdbus::daemon::Notify::new().bus_error("no dots").state().is_err());
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn bus_error(self, name: &str) -> Self {
        match ErrorName::validate(name) {
            Ok(()) => self.set("BUSERROR", name.to_owned()),
            Err(err) => self.fail(err),
        }
    }

    /// `MAINPID=`: this process is now the service's main process (for
    /// services that fork, or are supervised by another process). 0 and
    /// values that are no pid are refused.
    ///
    /// ```no_run
    /// let child = std::process::Command::new("/usr/bin/worker").spawn().expect("spawn");
    /// sdbus::daemon::Notify::new().main_pid(child.id()).send()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn main_pid(self, pid: u32) -> Self {
        match check_pid(pid) {
            Ok(_) => self.set("MAINPID", pid.to_string()),
            Err(err) => self.fail(err),
        }
    }

    /// `WATCHDOG=1`: a watchdog keep-alive ping. [`Watchdog`](super::Watchdog)
    /// sends these at the right interval.
    ///
    /// ```no_run
    /// sdbus::daemon::Notify::new().watchdog().send()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn watchdog(self) -> Self {
        self.set("WATCHDOG", "1".into())
    }

    /// `WATCHDOG=trigger`: asks the manager to act as if the watchdog
    /// timeout had passed (the service is broken; its watchdog action runs).
    ///
    /// ```no_run
    /// sdbus::daemon::Notify::new().watchdog_trigger().status("deadlock detected").send()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn watchdog_trigger(self) -> Self {
        self.set("WATCHDOG", "trigger".into())
    }

    /// `WATCHDOG_USEC=`: changes the watchdog timeout of the running service
    /// (pings must then follow the new interval).
    ///
    /// ```
    /// use std::time::Duration;
    /// let notify = sdbus::daemon::Notify::new().watchdog_timeout(Duration::from_secs(30));
    /// assert_eq!(notify.state()?, "WATCHDOG_USEC=30000000");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn watchdog_timeout(self, timeout: Duration) -> Self {
        self.set("WATCHDOG_USEC", usec(timeout).to_string())
    }

    /// `EXTEND_TIMEOUT_USEC=`: asks for this much more time (from now) to
    /// finish starting, reloading or stopping, past the unit's timeout.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// sdbus::daemon::Notify::new()
    ///     .extend_timeout(Duration::from_secs(60))
    ///     .status("migrating the database")
    ///     .send()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn extend_timeout(self, time: Duration) -> Self {
        self.set("EXTEND_TIMEOUT_USEC", usec(time).to_string())
    }

    /// `FDSTORE=1` with `FDNAME=name`: the manager keeps duplicates of
    /// `fds` (sent with the message; they are not closed here) and passes
    /// them back on the next start of the service, under `name`, through
    /// [`listen_fds_with_names`](super::listen_fds_with_names). The unit
    /// needs `FileDescriptorStoreMax=`.
    ///
    /// A message carries one `FDNAME=`: calling this again with another
    /// name, or with a name other than [`Notify::fd_store_remove`]'s, is
    /// refused. A name must be 1 to 255 printable ASCII characters other
    /// than `:`. Sending `FDSTORE=1` without any fd is refused.
    ///
    /// ```no_run
    /// use std::os::fd::AsFd;
    /// let state = std::fs::File::open("/run/myservice/state").expect("open");
    /// sdbus::daemon::Notify::new().fd_store("state", [state.as_fd()]).send()?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn fd_store(mut self, name: &str, fds: impl IntoIterator<Item = BorrowedFd<'fd>>) -> Self {
        self.fds.extend(fds);
        self.fd_name(name).set("FDSTORE", "1".into())
    }

    /// `FDSTOREREMOVE=1` with `FDNAME=name`: the manager closes the fds it
    /// stores under `name`. Together with [`Notify::fd_store`] of the same
    /// name, the stored fds are replaced (the removal is done first).
    ///
    /// ```
    /// let notify = sdbus::daemon::Notify::new().fd_store_remove("cache");
    /// assert_eq!(notify.state()?, "FDNAME=cache\nFDSTOREREMOVE=1");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn fd_store_remove(self, name: &str) -> Self {
        self.fd_name(name).set("FDSTOREREMOVE", "1".into())
    }

    /// `FDPOLL=0` when `poll` is false: the manager does not watch the
    /// stored fds for `POLLHUP`/`POLLERR` (by default it closes a stored fd
    /// when that happens, such as a pipe whose other end was closed).
    ///
    /// ```
    /// use std::os::fd::AsFd;
    /// let (ours, _theirs) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    /// let notify = sdbus::daemon::Notify::new().fd_store("conn", [ours.as_fd()]).fd_poll(false);
    /// assert_eq!(notify.state()?, "FDNAME=conn\nFDSTORE=1\nFDPOLL=0");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn fd_poll(mut self, poll: bool) -> Self {
        if poll {
            self.fields.retain(|(key, _)| key != "FDPOLL");
            self
        } else {
            self.set("FDPOLL", "0".into())
        }
    }

    /// Any other field, such as one added by a newer systemd or one of the
    /// `X_`-prefixed fields for other listeners. The name must be upper-case
    /// ASCII letters, digits and `_`; the value must not contain a newline.
    ///
    /// ```
    /// let notify = sdbus::daemon::Notify::new().field("X_MYSERVICE_PHASE", "warm-up");
    /// assert_eq!(notify.state()?, "X_MYSERVICE_PHASE=warm-up");
    /// assert!(sdbus::daemon::Notify::new().field("bad name", "x").state().is_err());
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn field(self, name: &str, value: &str) -> Self {
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if !valid_name {
            return self.fail(Error::invalid(
                InvalidKind::Argument,
                name,
                "is not a notification field name (A-Z, 0-9 and _)",
            ));
        }
        self.set_text(name.to_owned(), value)
    }

    /// The text that will be sent: one `KEY=value` line per field, in the
    /// order they were first set. Returns the first refused value, or an
    /// error if nothing was set.
    ///
    /// ```
    /// let notify = sdbus::daemon::Notify::new().stopping().status("bye");
    /// assert_eq!(notify.state()?, "STOPPING=1\nSTATUS=bye");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn state(&self) -> Result<String> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        if self.fields.is_empty() {
            return Err(Error::invalid(
                InvalidKind::Value,
                "",
                "a notification needs at least one field",
            ));
        }
        let stores = self.fields.iter().any(|(key, _)| key == "FDSTORE");
        if stores && self.fds.is_empty() {
            return Err(Error::invalid(
                InvalidKind::Value,
                "FDSTORE=1",
                "needs at least one file descriptor",
            ));
        }
        let lines: Vec<String> = self
            .fields
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        Ok(lines.join("\n"))
    }

    /// Sends the notification to the manager (`$NOTIFY_SOCKET`). Returns
    /// `Ok(false)` when there is no notification socket, `Ok(true)` once
    /// sent. That the manager acted on it is only known after a
    /// [`barrier`].
    ///
    /// ```no_run
    /// if !sdbus::daemon::Notify::new().ready().send()? {
    ///     eprintln!("not started by systemd with Type=notify");
    /// }
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn send(&self) -> Result<bool> {
        self.send_as(0)
    }

    /// Sends the notification on behalf of process `pid`, as
    /// `sd_pid_notify_with_fds`: the manager attributes it to that process
    /// (which matters for `NotifyAccess=main` or `exec`). Claiming another
    /// process's pid needs privileges (`CAP_SYS_ADMIN`); without them the
    /// message is sent as this process. 0 and values that are no pid are
    /// refused.
    ///
    /// ```no_run
    /// // A supervisor reporting readiness for its worker, the main process.
    /// let worker = std::process::Command::new("/usr/bin/worker").spawn().expect("spawn");
    /// sdbus::daemon::Notify::new().ready().send_for_pid(worker.id())?;
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn send_for_pid(&self, pid: u32) -> Result<bool> {
        self.send_as(check_pid(pid)?)
    }

    fn send_as(&self, pid: libc::pid_t) -> Result<bool> {
        let state = self.state()?;
        let state = CStrBuf::new(&state, InvalidKind::Value)?;
        let fds: Vec<RawFd> = self.fds.iter().map(AsRawFd::as_raw_fd).collect();
        let n_fds = c_uint::try_from(fds.len()).map_err(|_| {
            Error::invalid(
                InvalidKind::Argument,
                fds.len().to_string(),
                "too many file descriptors",
            )
        })?;
        let fds_ptr = if fds.is_empty() {
            ptr::null()
        } else {
            fds.as_ptr()
        };
        // SAFETY: `state` is NUL-terminated; `fds_ptr` points at `n_fds`
        // descriptors that `self` borrows, so they are open during the call
        // (or is NULL with `n_fds` 0); 0 leaves the environment alone.
        let ret = unsafe { sys::sd_pid_notify_with_fds(pid, 0, state.as_ptr(), fds_ptr, n_fds) };
        Ok(check("sd_pid_notify_with_fds", ret)? > 0)
    }

    /// Sets `key` to `value`, replacing an earlier value.
    fn set(mut self, key: impl Into<Cow<'static, str>>, value: String) -> Self {
        let key = key.into();
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, old)) => *old = value,
            None => self.fields.push((key, value)),
        }
        self
    }

    /// Sets a free-text field, refusing a newline or NUL byte in it.
    fn set_text(self, key: impl Into<Cow<'static, str>>, value: &str) -> Self {
        let key = key.into();
        let reason = if value.contains('\n') {
            "contains a newline, which would start another field"
        } else if value.contains('\0') {
            "contains a NUL byte"
        } else {
            return self.set(key, value.to_owned());
        };
        self.fail(Error::invalid(
            InvalidKind::Value,
            format!("{key}={value}"),
            reason,
        ))
    }

    /// Sets `FDNAME=`, refusing an invalid name or a second, different one.
    fn fd_name(self, name: &str) -> Self {
        let valid = !name.is_empty()
            && name.len() <= FDNAME_MAX
            && name.bytes().all(|b| (b' '..0x7f).contains(&b) && b != b':');
        if !valid {
            return self.fail(Error::invalid(
                InvalidKind::Value,
                format!("FDNAME={name}"),
                "a file descriptor name is 1 to 255 printable ASCII characters other than ':'",
            ));
        }
        let other = self
            .fields
            .iter()
            .any(|(key, value)| key == "FDNAME" && value != name);
        if other {
            return self.fail(Error::invalid(
                InvalidKind::Value,
                format!("FDNAME={name}"),
                "a notification carries only one FDNAME=; send the other name separately",
            ));
        }
        self.set("FDNAME", name.to_owned())
    }

    /// Records the first refused value.
    fn fail(mut self, err: Error) -> Self {
        self.error.get_or_insert(err);
        self
    }
}

/// Waits until the manager has processed every notification this process
/// sent before, at most `timeout` (as `sd_notify_barrier`): afterwards, the
/// unit's properties (such as `StatusText`) reflect them. Returns `Ok(false)`
/// when there is no notification socket; a timeout is an [`Error::Os`] with
/// `ETIMEDOUT`. [`Duration::MAX`] waits forever.
///
/// ```no_run
/// use std::time::Duration;
/// use sdbus::daemon::{self, Notify};
///
/// Notify::new().status("phase 2").send()?;
/// daemon::barrier(Duration::from_secs(5))?;
/// // `systemctl show -p StatusText` now prints "phase 2".
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn barrier(timeout: Duration) -> Result<bool> {
    // SAFETY: plain call; 0 leaves the environment alone.
    let ret = unsafe { sys::sd_notify_barrier(0, usec(timeout)) };
    Ok(check("sd_notify_barrier", ret)? > 0)
}

/// A pid as `pid_t`, refusing 0 and values beyond `pid_t`.
fn check_pid(pid: u32) -> Result<libc::pid_t> {
    match libc::pid_t::try_from(pid) {
        Ok(raw) if raw > 0 => Ok(raw),
        _ => Err(Error::invalid(
            InvalidKind::Argument,
            pid.to_string(),
            "is not a process id",
        )),
    }
}

/// Microseconds, saturating at `u64::MAX` (systemd's "infinity").
fn usec(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// The current `CLOCK_MONOTONIC` time in microseconds.
fn monotonic_usec() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid out pointer; CLOCK_MONOTONIC always exists on Linux.
    let ret: c_int = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    if ret != 0 {
        return 0;
    }
    let secs = u64::try_from(now.tv_sec).unwrap_or(0);
    let micros = u64::try_from(now.tv_nsec / 1000).unwrap_or(0);
    secs.saturating_mul(1_000_000).saturating_add(micros)
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use super::*;

    #[test]
    fn fields_in_order_and_replaced() {
        let notify = Notify::new()
            .status("one")
            .ready()
            .status("two")
            .errno(5)
            .main_pid(42)
            .watchdog_trigger()
            .watchdog_timeout(Duration::from_millis(1500))
            .extend_timeout(Duration::from_secs(2))
            .field("X_TEST", "x=y");
        assert_eq!(
            notify.state().unwrap(),
            "STATUS=two\nREADY=1\nERRNO=5\nMAINPID=42\nWATCHDOG=trigger\n\
             WATCHDOG_USEC=1500000\nEXTEND_TIMEOUT_USEC=2000000\nX_TEST=x=y"
        );
        assert_eq!(Notify::new().watchdog().state().unwrap(), "WATCHDOG=1");
        assert_eq!(
            Notify::new()
                .watchdog_timeout(Duration::MAX)
                .state()
                .unwrap(),
            format!("WATCHDOG_USEC={}", u64::MAX)
        );
    }

    #[test]
    fn reloading_carries_the_monotonic_time() {
        let before = monotonic_usec();
        let state = Notify::new().reloading().state().unwrap();
        let after = monotonic_usec();
        let lines: Vec<&str> = state.lines().collect();
        assert_eq!(lines[0], "RELOADING=1");
        let stamp: u64 = lines[1]
            .strip_prefix("MONOTONIC_USEC=")
            .expect("MONOTONIC_USEC= follows")
            .parse()
            .unwrap();
        assert!(before > 0 && (before..=after).contains(&stamp), "{state}");
    }

    #[test]
    fn newlines_and_nul_are_refused_naming_the_value() {
        let err = Notify::new()
            .ready()
            .status("a\nREADY=1")
            .state()
            .unwrap_err();
        assert_eq!(
            err,
            Error::invalid(
                InvalidKind::Value,
                "STATUS=a\nREADY=1",
                "contains a newline, which would start another field"
            )
        );
        let err = Notify::new().status("a\0b").state().unwrap_err();
        assert_eq!(
            err,
            Error::invalid(InvalidKind::Value, "STATUS=a\0b", "contains a NUL byte")
        );
        let err = Notify::new().field("X_A", "1\n2").state().unwrap_err();
        assert!(matches!(err, Error::Invalid { ref value, .. } if value == "X_A=1\n2"));
        // The first refused value wins, and sending fails the same way.
        let notify = Notify::new().status("x\ny").errno(-1);
        assert_eq!(notify.send().unwrap_err(), notify.state().unwrap_err());
    }

    #[test]
    fn other_values_are_checked() {
        let invalid = |notify: Notify<'_>| match notify.state() {
            Err(Error::Invalid { kind, value, .. }) => (kind, value),
            other => panic!("expected Error::Invalid, got {other:?}"),
        };
        assert_eq!(
            invalid(Notify::new().errno(-3)),
            (InvalidKind::Value, "ERRNO=-3".into())
        );
        assert_eq!(
            invalid(Notify::new().main_pid(0)),
            (InvalidKind::Argument, "0".into())
        );
        assert_eq!(
            invalid(Notify::new().main_pid(u32::MAX)),
            (InvalidKind::Argument, u32::MAX.to_string())
        );
        assert_eq!(
            invalid(Notify::new().bus_error("NoDots")),
            (InvalidKind::ErrorName, "NoDots".into())
        );
        assert_eq!(
            invalid(Notify::new().field("lower", "x")),
            (InvalidKind::Argument, "lower".into())
        );
        assert_eq!(
            invalid(Notify::new().field("", "x")),
            (InvalidKind::Argument, "".into())
        );
        assert_eq!(invalid(Notify::new()), (InvalidKind::Value, String::new()));
        assert_eq!(
            Notify::new().ready().send_for_pid(0).unwrap_err(),
            Error::invalid(InvalidKind::Argument, "0", "is not a process id")
        );
    }

    #[test]
    fn fd_store_names() {
        let (reader, writer) = std::os::unix::net::UnixStream::pair().unwrap();
        let notify = Notify::new()
            .fd_store("pipe", [reader.as_fd()])
            .fd_store("pipe", [writer.as_fd()])
            .fd_poll(false);
        assert_eq!(notify.state().unwrap(), "FDNAME=pipe\nFDSTORE=1\nFDPOLL=0");
        assert_eq!(notify.fds.len(), 2);
        assert_eq!(
            notify.fd_poll(true).state().unwrap(),
            "FDNAME=pipe\nFDSTORE=1"
        );
        // Replacing: remove and store under the same name in one message.
        let replace = Notify::new()
            .fd_store_remove("pipe")
            .fd_store("pipe", [reader.as_fd()]);
        assert_eq!(
            replace.state().unwrap(),
            "FDNAME=pipe\nFDSTOREREMOVE=1\nFDSTORE=1"
        );

        let two_names = Notify::new()
            .fd_store("a", [reader.as_fd()])
            .fd_store_remove("b");
        assert!(matches!(
            two_names.state(),
            Err(Error::Invalid { ref value, .. }) if value == "FDNAME=b"
        ));
        let long = "n".repeat(256);
        for bad in ["", "a:b", "tab\there", "é", long.as_str()] {
            assert!(
                Notify::new().fd_store_remove(bad).state().is_err(),
                "{bad:?} is not a valid fd name"
            );
        }
        assert!(Notify::new()
            .fd_store_remove(&"n".repeat(255))
            .state()
            .is_ok());
        let without_fds = Notify::new().fd_store("empty", []);
        assert_eq!(
            without_fds.state().unwrap_err(),
            Error::invalid(
                InvalidKind::Value,
                "FDSTORE=1",
                "needs at least one file descriptor"
            )
        );
    }
}
