//! The worker: `fork`, the child's side (join the unit, run the closure,
//! report), and the caller's side (collect the report and the exit status).
//!
//! The report travels over a socket pair made before `fork`, as a D-Bus
//! signal on a peer-to-peer connection: the worker is the client, the
//! caller the server. Before the connection starts, the caller writes one
//! byte on the socket once the worker is in the unit's control group; the
//! worker waits for it before doing anything else.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ffi::c_int;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use super::error::{last_os_error, FutureError};
use super::unit::JoinPlan;
use crate::bus::{Bus, BusBuilder};
use crate::error::{Error, InvalidKind};
use crate::message::Message;
use crate::systemd1::Manager;
use crate::types::{Append, AppendArgs, Read};

/// The object path, interface and members of the worker's report.
const REPORT_PATH: &str = "/org/sdbus/future";
const REPORT_INTERFACE: &str = "org.sdbus.Future";
const RETURNED: &str = "Returned";
const PANICKED: &str = "Panicked";
const SETUP_FAILED: &str = "SetupFailed";
const ENCODE_FAILED: &str = "EncodeFailed";
const REPORT_RULE: &str = "type='signal',path='/org/sdbus/future',interface='org.sdbus.Future'";
/// The peer-to-peer server's id; any value does.
const SERVER_ID: [u8; 16] = *b"sdbus::futures\0\0";

/// The worker's exit status when it could not send its report.
const STATUS_NO_REPORT: c_int = 125;

/// A forked worker, as its caller sees it.
#[derive(Debug)]
pub(crate) struct Worker {
    /// Its pid.
    pub(crate) pid: u32,
    /// A pidfd of it: polled for its exit and used to signal it, which
    /// cannot hit another process once it has been reaped.
    pub(crate) pidfd: Arc<OwnedFd>,
    /// The caller's end of the report socket.
    channel: OwnedFd,
}

/// What the worker runs once it is in the unit: the closure, with its
/// report sent on the given connection.
pub(crate) type Body = Box<dyn FnOnce(&Bus) -> crate::Result<()> + Send>;

/// Wraps `f` as a [`Body`]: runs it, catching a panic, and sends its
/// value or its panic.
pub(crate) fn body<T, F>(f: F) -> impl FnOnce(&Bus) -> crate::Result<()>
where
    T: Append,
    F: FnOnce() -> T,
{
    move |bus| match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => {
            let mut report = new_report(bus, RETURNED)?;
            match report.append(&value) {
                Ok(_) => bus.send(&report).map(drop),
                Err(err) => send(bus, ENCODE_FAILED, &(err.to_string(),)),
            }
        }
        Err(payload) => {
            let location = PANIC_LOCATION.with(|l| l.borrow_mut().take());
            let message = panic_message(payload.as_ref());
            send(bus, PANICKED, &(message, location.unwrap_or_default()))
        }
    }
}

/// Forks a worker that runs `body` inside unit `unit`: the child waits
/// until the caller has attached it to the unit's control group, then
/// joins the unit's namespaces and credentials (`plan`) and runs `body`.
///
/// Everything the child needs is made before `fork`: the socket pair, the
/// plan's namespace descriptors, the boxed closure.
pub(crate) fn fork_worker<B>(
    bus: &Bus,
    unit: &str,
    plan: &JoinPlan,
    body: B,
) -> Result<Worker, FutureError>
where
    B: FnOnce(&Bus) -> crate::Result<()>,
{
    install_worker_panic_hook();
    let (ours, theirs) = UnixStream::pair().map_err(|err| Error::Os {
        operation: "socketpair",
        errno: err.raw_os_error().unwrap_or(libc::EIO),
    })?;
    // SAFETY: `fork` has no preconditions. The child runs only
    // `child_main`, which never returns and ends with `_exit`; what it may
    // and may not do in a multi-threaded caller is described in the
    // module documentation and in `child_main`.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(last_os_error("fork").into());
    }
    if pid == 0 {
        drop(ours);
        child_main(theirs.into(), plan, body);
    }
    drop(theirs);
    let pid_u32 = pid.unsigned_abs();
    // SAFETY: `pid` is our child, not yet reaped, so the pid names it.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let pidfd = match c_int::try_from(pidfd) {
        // SAFETY: pidfd_open returned a new descriptor that we own.
        Ok(fd) if fd >= 0 => Arc::new(unsafe { OwnedFd::from_raw_fd(fd) }),
        _ => {
            let err = last_os_error("pidfd_open");
            // SAFETY: as above, the unreaped child cannot be another process.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let _ = reap(pid_u32);
            return Err(err.into());
        }
    };
    let worker = Worker {
        pid: pid_u32,
        pidfd,
        channel: ours.into(),
    };
    if let Err(error) = Manager::new(bus).attach_processes_to_unit(unit, "/", &[pid_u32]) {
        abandon(&worker);
        return Err(FutureError::UnitFailed {
            unit: unit.to_owned(),
            error,
        });
    }
    // The go byte. If the child is already dead, the report collection
    // finds out.
    let go = [1u8];
    // SAFETY: one byte from a live buffer on our open socket;
    // MSG_NOSIGNAL: a dead peer is an EPIPE error, not a SIGPIPE.
    unsafe {
        libc::send(
            worker.channel.as_raw_fd(),
            go.as_ptr().cast(),
            1,
            libc::MSG_NOSIGNAL,
        )
    };
    Ok(worker)
}

/// Kills a worker that will never be collected and reaps it.
pub(crate) fn abandon(worker: &Worker) {
    let _ = signal(&worker.pidfd, libc::SIGKILL);
    let _ = reap(worker.pid);
}

/// Sends `signal` to the process of `pidfd`; a process that is gone is not
/// an error.
pub(crate) fn signal(pidfd: &OwnedFd, signal: c_int) -> Result<(), FutureError> {
    // SAFETY: a valid pidfd; no siginfo; no flags.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            signal,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if ret < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH) {
        return Err(last_os_error("pidfd_send_signal").into());
    }
    Ok(())
}

/// Whether the process of `pidfd` has ended (it need not be reaped).
pub(crate) fn has_exited(pidfd: &OwnedFd) -> bool {
    poll_pidfd(pidfd, 0)
}

/// Waits for `worker`'s report and its exit, and reaps it. The closure's
/// outcome is its report, whatever the exit status; without a report, the
/// exit status says what happened.
pub(crate) fn collect<T>(worker: Worker) -> Result<T, FutureError>
where
    T: for<'m> Read<'m>,
{
    let Worker {
        pid,
        pidfd,
        channel,
    } = worker;
    let report = receive::<T>(channel, &pidfd);
    let status = reap(pid);
    match report {
        Received::Report(outcome) => outcome,
        Received::Nothing => Err(status_error(status?)),
        Received::Failed(err) => Err(err.into()),
    }
}

/// What came over the report socket.
enum Received<T> {
    /// The worker's report, decoded.
    Report(Result<T, FutureError>),
    /// The worker exited without a report.
    Nothing,
    /// Our side of the connection failed; the worker was killed.
    Failed(Error),
}

/// Serves the report connection until the worker's report arrives or the
/// worker exits (then reads what it had sent before it did).
fn receive<T>(channel: OwnedFd, pidfd: &OwnedFd) -> Received<T>
where
    T: for<'m> Read<'m>,
{
    let bus = match BusBuilder::new()
        .fd(channel)
        .server(SERVER_ID)
        .anonymous(true)
        .start()
    {
        Ok(bus) => bus,
        // The worker's end closed before the handshake: it was killed (or
        // exited) right away, and its exit status tells which.
        Err(err)
            if matches!(
                err.errno(),
                Some(libc::ECONNRESET | libc::EPIPE | libc::ENOTCONN)
            ) =>
        {
            poll_pidfd(pidfd, -1);
            return Received::Nothing;
        }
        Err(err) => return kill_for(pidfd, err),
    };
    let reports = match bus.subscribe(REPORT_RULE) {
        Ok(reports) => reports,
        Err(err) => return kill_for(pidfd, err),
    };
    let mut exited = false;
    loop {
        // An error here is the worker closing its end: no more to read.
        let open = loop {
            match bus.process() {
                Ok(true) => continue,
                Ok(false) => break true,
                Err(_) => break false,
            }
        };
        if let Some(report) = reports.try_recv() {
            return Received::Report(decode(&report));
        }
        if exited {
            return Received::Nothing;
        }
        if !open {
            poll_pidfd(pidfd, -1);
            return Received::Nothing;
        }
        exited = wait_bus_or_exit(&bus, pidfd);
    }
}

/// Kills the worker when our end of the connection cannot be served.
fn kill_for<T>(pidfd: &OwnedFd, err: Error) -> Received<T> {
    let _ = signal(pidfd, libc::SIGKILL);
    Received::Failed(err)
}

/// Waits until the bus has something to do or the worker exits; returns
/// whether it exited.
fn wait_bus_or_exit(bus: &Bus, pidfd: &OwnedFd) -> bool {
    let (Ok(fd), Ok(events)) = (bus.fd(), bus.events()) else {
        poll_pidfd(pidfd, -1);
        return true;
    };
    let timeout = match bus.timeout_usec() {
        Ok(Some(at)) => {
            let ms = at.saturating_sub(monotonic_usec()).div_ceil(1000);
            c_int::try_from(ms).unwrap_or(c_int::MAX)
        }
        _ => -1,
    };
    let mut fds = [
        libc::pollfd {
            fd: fd.as_raw_fd(),
            events,
            revents: 0,
        },
        libc::pollfd {
            fd: pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: two valid pollfd entries; EINTR just means looking again.
    unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout) };
    fds[1].revents & libc::POLLIN != 0
}

/// Polls a pidfd for the process's exit, at most `timeout_ms` (-1: no
/// limit); returns whether it has exited.
fn poll_pidfd(pidfd: &OwnedFd, timeout_ms: c_int) -> bool {
    loop {
        let mut fd = libc::pollfd {
            fd: pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd entry.
        let ret = unsafe { libc::poll(&mut fd, 1, timeout_ms) };
        if ret < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return ret > 0 && fd.revents & libc::POLLIN != 0;
    }
}

/// `CLOCK_MONOTONIC` in microseconds, as sd-bus gives its timeouts.
fn monotonic_usec() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out pointer; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    let secs = u64::try_from(now.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(now.tv_nsec).unwrap_or(0);
    secs * 1_000_000 + nanos / 1000
}

/// Reads a report.
fn decode<T>(report: &Message<'_>) -> Result<T, FutureError>
where
    T: for<'m> Read<'m>,
{
    match report.member() {
        Some(RETURNED) => {
            let expected = T::signature();
            if report.signature() != expected {
                return Err(FutureError::Decode(Error::TypeMismatch {
                    expected,
                    found: report.signature().to_owned(),
                }));
            }
            report.read().map_err(FutureError::Decode)
        }
        Some(PANICKED) => {
            let (message, location): (String, String) =
                report.read_args().map_err(FutureError::Decode)?;
            Err(FutureError::Panicked {
                message,
                location: (!location.is_empty()).then_some(location),
            })
        }
        Some(SETUP_FAILED) => {
            let (step, errno) = report.read_args().map_err(FutureError::Decode)?;
            Err(FutureError::Setup { step, errno })
        }
        Some(ENCODE_FAILED) => Err(FutureError::Encode(
            report.read().map_err(FutureError::Decode)?,
        )),
        other => Err(FutureError::Decode(Error::invalid(
            InvalidKind::Message,
            other.unwrap_or_default(),
            "is not a report of sdbus::futures",
        ))),
    }
}

/// Waits for the worker to exit and returns its wait status.
fn reap(pid: u32) -> Result<c_int, Error> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| Error::Os {
        operation: "waitpid",
        errno: libc::ESRCH,
    })?;
    let mut status = 0;
    loop {
        // SAFETY: a valid out pointer; `pid` is our child.
        let ret = unsafe { libc::waitpid(pid, &mut status, 0) };
        if ret == pid {
            return Ok(status);
        }
        let err = last_os_error("waitpid");
        if err.errno() != Some(libc::EINTR) {
            return Err(err);
        }
    }
}

/// The error for a worker that exited with wait status `status` and no
/// report.
fn status_error(status: c_int) -> FutureError {
    if libc::WIFSIGNALED(status) {
        FutureError::Killed {
            signal: libc::WTERMSIG(status),
            core_dumped: libc::WCOREDUMP(status),
        }
    } else {
        FutureError::Exited {
            code: libc::WEXITSTATUS(status),
        }
    }
}

thread_local! {
    /// Where the worker's thread last panicked, recorded by the worker's
    /// panic hook.
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether this thread is a worker's, whose panics the hook records
    /// instead of printing (the caller's hook may print, taking the stderr
    /// lock, or do anything else unsafe after `fork`).
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Installs, once and in the caller before any fork, a panic hook that
/// records a worker's panic location and hands every other panic to the
/// hook that was there before. A hook the application installs later
/// replaces it: worker panics are then still reported, with their message
/// but without their location.
fn install_worker_panic_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_WORKER.with(Cell::get) {
                let location = info.location().map(ToString::to_string);
                PANIC_LOCATION.with(|l| *l.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// The message of a panic payload.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

/// A new report signal.
fn new_report<'b>(bus: &'b Bus, member: &str) -> crate::Result<Message<'b>> {
    bus.new_signal(REPORT_PATH, REPORT_INTERFACE, member)
}

/// Sends a report with `args`.
fn send<A: AppendArgs + ?Sized>(bus: &Bus, member: &str, args: &A) -> crate::Result<()> {
    let mut report = new_report(bus, member)?;
    report.append_args(args)?;
    bus.send(&report).map(drop)
}

/// The child after `fork`: never returns.
///
/// Only the forking thread exists here, with a copy of the caller's memory
/// in whatever state the other threads left it: a lock another thread
/// held at the time stays held forever. Before the closure runs, this
/// takes none of the standard library's locks (stdout, stderr, the
/// environment) and only allocates through the C allocator, which glibc
/// and musl make usable after `fork`. The panic hook is installed by the
/// caller before forking, so the child never takes the hook's lock to set
/// one.
fn child_main<B>(channel: OwnedFd, plan: &JoinPlan, body: B) -> !
where
    B: FnOnce(&Bus) -> crate::Result<()>,
{
    let status = panic::catch_unwind(AssertUnwindSafe(|| child_run(channel, plan, body)))
        .unwrap_or(STATUS_NO_REPORT);
    // SAFETY: `_exit` ends the child at once: no atexit handler and no
    // destructor of the caller's copied state runs, and the stdio buffers
    // copied from the caller are not flushed a second time.
    unsafe { libc::_exit(status) }
}

/// The child's work; returns its exit status.
fn child_run<B>(channel: OwnedFd, plan: &JoinPlan, body: B) -> c_int
where
    B: FnOnce(&Bus) -> crate::Result<()>,
{
    reset_signals();
    // Wait for the go byte: until then, we are not in the unit.
    let mut go = 0u8;
    loop {
        // SAFETY: a one-byte read into a live byte from our open socket.
        let n = unsafe { libc::read(channel.as_raw_fd(), (&raw mut go).cast(), 1) };
        if n == 1 {
            break;
        }
        if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        // The caller gave up on us.
        return STATUS_NO_REPORT;
    }
    // A new connection of our own: the caller's are never touched here.
    let Ok(bus) = BusBuilder::new().fd(channel).anonymous(true).start() else {
        return STATUS_NO_REPORT;
    };
    let sent = match plan.join() {
        Err((step, errno)) => send(&bus, SETUP_FAILED, &(step, errno)),
        Ok(()) => {
            // Setting a hook here would take the hook lock, which another
            // thread of the caller may have held at fork time: the hook
            // installed before forking only needs this thread-local flag.
            IN_WORKER.with(|flag| flag.set(true));
            body(&bus)
        }
    };
    match sent.and_then(|()| bus.flush()) {
        Ok(()) => 0,
        Err(_) => STATUS_NO_REPORT,
    }
}

/// Unblocks every signal and restores the default action of the signals
/// that stop a unit, so that stopping the unit ends the worker even if the
/// caller handles or blocks them.
fn reset_signals() {
    // SAFETY: an empty set, built in place, then installed as the mask;
    // `signal` with SIG_DFL for standard signals. All async-signal-safe.
    unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut set);
        libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
        for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGQUIT] {
            libc::signal(sig, libc::SIG_DFL);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Sends one report built by `fill` from a client thread and decodes
    /// it as `T` on the server side, as the caller does.
    fn round_trip<T>(member: &'static str, fill: fn(&mut Message<'_>)) -> Result<T, FutureError>
    where
        T: for<'m> Read<'m>,
    {
        let (ours, theirs) = UnixStream::pair().expect("socketpair");
        let client = std::thread::spawn(move || {
            let bus = BusBuilder::new()
                .fd(theirs.into())
                .anonymous(true)
                .start()
                .expect("client");
            let mut report = new_report(&bus, member).expect("report");
            fill(&mut report);
            bus.send(&report).expect("send");
            bus.flush().expect("flush");
        });
        let bus = BusBuilder::new()
            .fd(ours.into())
            .server(SERVER_ID)
            .anonymous(true)
            .start()
            .expect("server");
        let reports = bus.subscribe(REPORT_RULE).expect("subscribe");
        let report = reports
            .recv_timeout(Duration::from_secs(10))
            .expect("receive")
            .expect("a report");
        client.join().expect("the client");
        decode(&report)
    }

    #[test]
    fn a_value_of_another_type_is_a_decode_error() {
        let outcome = round_trip::<String>(RETURNED, |m| {
            m.append(&7u32).expect("append");
        });
        assert_eq!(
            outcome,
            Err(FutureError::Decode(Error::TypeMismatch {
                expected: "s".to_owned(),
                found: "u".to_owned()
            }))
        );
        let outcome = round_trip::<(u32, String)>(RETURNED, |m| {
            m.append(&(7u32, "seven")).expect("append");
        });
        assert_eq!(outcome, Ok((7, "seven".to_owned())));
    }

    #[test]
    fn reports_other_than_a_value_are_their_errors() {
        let outcome = round_trip::<u8>(SETUP_FAILED, |m| {
            m.append_args(&("setns net", libc::EPERM)).expect("append");
        });
        assert_eq!(
            outcome,
            Err(FutureError::Setup {
                step: "setns net".to_owned(),
                errno: libc::EPERM
            })
        );
        let err = outcome.unwrap_err().to_string();
        assert!(
            err.starts_with("the worker could not join its unit: setns net: "),
            "{err}"
        );
        let outcome = round_trip::<u8>(ENCODE_FAILED, |m| {
            m.append(&"bad value").expect("append");
        });
        assert_eq!(outcome, Err(FutureError::Encode("bad value".to_owned())));
        let outcome = round_trip::<u8>("Bogus", |_| {});
        assert!(matches!(
            outcome,
            Err(FutureError::Decode(Error::Invalid { .. }))
        ));
    }
}
