//! Pseudo-terminal mode, as `systemd-run --pty`: a new pty for the unit,
//! and a relay that copies bytes between it and the caller's terminal.

use std::ffi::{c_int, CStr};
use std::fs::OpenOptions;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use super::stdio::os_error;
use crate::error::{Error, Result};

/// The terminal a pty session is relayed to: where keystrokes are read from
/// and where the unit's output is written. Given to
/// [`Run::pty_terminal`](super::Run::pty_terminal); [`Run::pty`](super::Run::pty)
/// uses [`PtyTerminal::stdio`].
///
/// While the session lasts, each of its descriptors that is a terminal is
/// put in raw mode (so that keys such as `^C` reach the unit's terminal
/// instead of acting on the caller), the unit's terminal gets its window
/// size, and (unless turned off) `SIGWINCH` is forwarded: the size is copied
/// again whenever the process receives one. The terminal's modes and flags
/// are restored when the session ends or the
/// [`RunningUnit`](super::RunningUnit) is dropped.
///
/// Tests and programs that drive a session themselves give any pair of
/// descriptors, such as the two ends' slave side of a pty they opened:
///
/// ```no_run
/// # fn demo(slave: std::os::fd::OwnedFd) -> sdbus::Result<()> {
/// use sdbus::transient::{PtyTerminal, Run};
///
/// let terminal = PtyTerminal::new(slave.try_clone().unwrap(), slave);
/// let outcome = Run::new(["/bin/sh", "-c", "tty; stty size"])
///     .pty_terminal(terminal)
///     .start()?
///     .wait()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PtyTerminal {
    input: OwnedFd,
    output: OwnedFd,
    forward_sigwinch: bool,
}

impl PtyTerminal {
    /// The caller's terminal: duplicates of its standard input and output.
    pub fn stdio() -> Result<PtyTerminal> {
        let dup = |fd: io::Result<OwnedFd>| fd.map_err(|e| os_error("dup", &e));
        Ok(PtyTerminal::new(
            dup(io::stdin().as_fd().try_clone_to_owned())?,
            dup(io::stdout().as_fd().try_clone_to_owned())?,
        ))
    }

    /// A terminal made of `input` (read for keystrokes) and `output` (where
    /// the unit's output goes). Either may be something other than a
    /// terminal, such as a pipe; only terminals are put in raw mode.
    pub fn new(input: OwnedFd, output: OwnedFd) -> PtyTerminal {
        PtyTerminal {
            input,
            output,
            forward_sigwinch: true,
        }
    }

    /// Whether a `SIGWINCH` received by the process copies the window size
    /// again (default: yes). The handler is installed for the session only,
    /// by one session at a time, and the previous one restored after it.
    pub fn forward_sigwinch(mut self, forward: bool) -> PtyTerminal {
        self.forward_sigwinch = forward;
        self
    }
}

/// A new pseudo-terminal: its master side (non-blocking), a slave side
/// kept open by the caller for the whole session, and the slave's path.
#[derive(Debug)]
pub(super) struct Pty {
    pub(super) master: OwnedFd,
    pub(super) slave: OwnedFd,
    pub(super) path: String,
}

/// Turns a `-1` return into the errno error of `operation`.
fn check_os(operation: &'static str, ret: c_int) -> Result<c_int> {
    if ret < 0 {
        Err(os_error(operation, &io::Error::last_os_error()))
    } else {
        Ok(ret)
    }
}

/// Adds `flag` to (or removes it from) the file status flags of `fd`, and
/// returns the flags it had.
fn set_status_flag(fd: RawFd, flag: c_int, on: bool) -> Result<c_int> {
    // SAFETY: F_GETFL only reads the flags of an open descriptor.
    let flags = check_os("fcntl", unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    let wanted = if on { flags | flag } else { flags & !flag };
    if wanted != flags {
        // SAFETY: F_SETFL with flags derived from the current ones.
        check_os("fcntl", unsafe { libc::fcntl(fd, libc::F_SETFL, wanted) })?;
    }
    Ok(flags)
}

impl Pty {
    /// Allocates a pty as `posix_openpt` does, unlocks it and opens its
    /// slave side.
    pub(super) fn allocate() -> Result<Pty> {
        // SAFETY: posix_openpt takes flags only and returns a new
        // descriptor or -1.
        let raw = check_os("posix_openpt", unsafe {
            libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC)
        })?;
        // SAFETY: `raw` was just opened and is owned by nobody else.
        let master = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: grantpt and unlockpt act on the open master descriptor.
        check_os("grantpt", unsafe { libc::grantpt(master.as_raw_fd()) })?;
        // SAFETY: as above.
        check_os("unlockpt", unsafe { libc::unlockpt(master.as_raw_fd()) })?;
        let mut name = [0 as libc::c_char; 128];
        // SAFETY: ptsname_r writes at most `name.len()` bytes, NUL included,
        // into the buffer.
        let ret = unsafe { libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()) };
        if ret != 0 {
            return Err(Error::Os {
                operation: "ptsname_r",
                errno: ret,
            });
        }
        // SAFETY: on success the buffer holds a NUL-terminated string.
        let path = unsafe { CStr::from_ptr(name.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        let slave = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| os_error("open", &e))?;
        set_status_flag(master.as_raw_fd(), libc::O_NONBLOCK, true)?;
        Ok(Pty {
            master,
            slave: OwnedFd::from(slave),
            path,
        })
    }
}

/// Whether `fd` is a terminal.
fn is_tty(fd: RawFd) -> bool {
    // SAFETY: isatty only queries the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// Copies the window size of terminal `from` to terminal `to`; nothing if
/// `from` has none.
fn copy_window_size(from: RawFd, to: RawFd) {
    // SAFETY: winsize is plain data; TIOCGWINSZ fills it, TIOCSWINSZ reads
    // it; both act on open descriptors and fail harmlessly on others.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        if libc::ioctl(from, libc::TIOCGWINSZ, &mut size) == 0 {
            libc::ioctl(to, libc::TIOCSWINSZ, &size);
        }
    }
}

// ---------------------------------------------------------------------------
// SIGWINCH: a handler that writes a byte to a pipe the relay polls.
// ---------------------------------------------------------------------------

/// The write end of the SIGWINCH pipe, for the handler; -1 until created.
static WINCH_WRITE: AtomicI32 = AtomicI32::new(-1);
/// Whether a session has the handler installed.
static WINCH_TAKEN: AtomicBool = AtomicBool::new(false);
/// The pipe, created once and never closed (so that a handler still
/// running on another thread never writes to a reused descriptor); the
/// error if it could not be created.
static WINCH_PIPE: OnceLock<std::result::Result<(OwnedFd, OwnedFd), i32>> = OnceLock::new();

extern "C" fn on_sigwinch(_signal: c_int) {
    let fd = WINCH_WRITE.load(Ordering::Relaxed);
    if fd < 0 {
        return;
    }
    // SAFETY: only async-signal-safe calls: errno is saved and restored
    // around a non-blocking write of one byte to the pipe, which stays open
    // for the life of the process.
    unsafe {
        let errno = libc::__errno_location();
        let saved = *errno;
        libc::write(fd, b"w".as_ptr().cast(), 1);
        *errno = saved;
    }
}

/// The SIGWINCH pipe, created on first use.
fn winch_pipe() -> Option<&'static (OwnedFd, OwnedFd)> {
    let pipe = WINCH_PIPE.get_or_init(|| {
        let mut fds = [-1; 2];
        // SAFETY: pipe2 writes two descriptors into the array.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } < 0 {
            return Err(io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO));
        }
        // SAFETY: both descriptors were just created and are owned here.
        let ends = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        WINCH_WRITE.store(ends.1.as_raw_fd(), Ordering::Relaxed);
        Ok(ends)
    });
    pipe.as_ref().ok()
}

/// The SIGWINCH handler of one session, restored on drop.
struct Winch {
    read: RawFd,
    previous: libc::sigaction,
}

impl Winch {
    /// Installs the handler, unless another session has it (or the pipe
    /// cannot be made): then `None`, and sizes are only copied at start.
    fn install() -> Option<Winch> {
        let (read, _) = winch_pipe()?;
        if WINCH_TAKEN.swap(true, Ordering::AcqRel) {
            return None;
        }
        let read = read.as_raw_fd();
        drain(read);
        // SAFETY: sigaction structures are plain data; the handler only
        // makes async-signal-safe calls; SA_RESTART keeps other threads'
        // system calls from failing with EINTR.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigwinch as extern "C" fn(c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGWINCH, &action, &mut previous) < 0 {
                WINCH_TAKEN.store(false, Ordering::Release);
                return None;
            }
            Some(Winch { read, previous })
        }
    }
}

impl Drop for Winch {
    fn drop(&mut self) {
        // SAFETY: restores the action saved by `install`.
        unsafe { libc::sigaction(libc::SIGWINCH, &self.previous, std::ptr::null_mut()) };
        WINCH_TAKEN.store(false, Ordering::Release);
    }
}

/// Reads everything available from non-blocking `fd`, discarding it.
fn drain(fd: RawFd) {
    let mut buf = [0u8; 64];
    // SAFETY: reads into a local buffer of the given length.
    while unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
}

// ---------------------------------------------------------------------------
// The relay.
// ---------------------------------------------------------------------------

/// How much is buffered in either direction before reading stops until
/// the other side takes it.
const BUFFER_LIMIT: usize = 64 * 1024;

/// The state of the caller's terminal, as found, to put back.
struct Saved {
    fd: RawFd,
    termios: Option<libc::termios>,
    flags: c_int,
}

/// Copies bytes between the caller's terminal and the unit's pty, and
/// restores the caller's terminal when done (or dropped).
pub(super) struct Relay {
    master: OwnedFd,
    /// Held open until the unit finished, so the master never reports a
    /// hang-up while the unit has not opened its side yet.
    slave: Option<OwnedFd>,
    terminal: PtyTerminal,
    input_open: bool,
    output_open: bool,
    master_open: bool,
    to_unit: Vec<u8>,
    to_caller: Vec<u8>,
    saved: Vec<Saved>,
    winch: Option<Winch>,
}

/// Indices of the relay's entries in a `poll` set.
pub(super) struct Slots(usize);

/// A `pollfd` for `fd`, or an ignored entry when `wanted` is false.
fn entry(fd: RawFd, events: i16, wanted: bool) -> libc::pollfd {
    libc::pollfd {
        fd: if wanted { fd } else { -1 },
        events,
        revents: 0,
    }
}

/// The result of a read or write on a non-blocking descriptor.
enum Io {
    Done(usize),
    WouldBlock,
    Closed,
}

fn io_result(ret: isize) -> Io {
    match usize::try_from(ret) {
        Ok(0) => Io::Closed,
        Ok(n) => Io::Done(n),
        Err(_) => match io::Error::last_os_error().raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EINTR) => Io::WouldBlock,
            _ => Io::Closed,
        },
    }
}

fn read_some(fd: RawFd, buf: &mut Vec<u8>) -> Io {
    let mut chunk = [0u8; 4096];
    // SAFETY: reads into a local buffer of the given length.
    let ret = unsafe { libc::read(fd, chunk.as_mut_ptr().cast(), chunk.len()) };
    let result = io_result(ret);
    if let Io::Done(n) = result {
        buf.extend_from_slice(&chunk[..n]);
    }
    result
}

fn write_some(fd: RawFd, buf: &mut Vec<u8>) -> Io {
    // SAFETY: writes from the buffer, at most its length.
    let ret = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
    let result = io_result(ret);
    if let Io::Done(n) = result {
        buf.drain(..n);
    }
    result
}

impl Relay {
    /// Starts a session: the terminal in raw mode and non-blocking, the
    /// window size copied, SIGWINCH forwarded if asked.
    pub(super) fn new(pty: Pty, terminal: PtyTerminal) -> Result<Relay> {
        let mut relay = Relay {
            master: pty.master,
            slave: Some(pty.slave),
            input_open: true,
            output_open: true,
            master_open: true,
            to_unit: Vec::new(),
            to_caller: Vec::new(),
            saved: Vec::new(),
            winch: None,
            terminal,
        };
        let input = relay.terminal.input.as_raw_fd();
        let output = relay.terminal.output.as_raw_fd();
        relay.copy_size();
        // On error, dropping the relay restores what was changed so far.
        relay.prepare(input)?;
        if output != input {
            relay.prepare(output)?;
        }
        if relay.terminal.forward_sigwinch && (is_tty(input) || is_tty(output)) {
            relay.winch = Winch::install();
        }
        Ok(relay)
    }

    /// Copies the caller's window size to the unit's terminal.
    fn copy_size(&self) {
        let output = self.terminal.output.as_raw_fd();
        let from = if is_tty(output) {
            output
        } else {
            self.terminal.input.as_raw_fd()
        };
        copy_window_size(from, self.master.as_raw_fd());
    }

    /// Puts `fd` in raw mode if it is a terminal, and makes it
    /// non-blocking, saving what it was.
    fn prepare(&mut self, fd: RawFd) -> Result<()> {
        let mut termios = None;
        if is_tty(fd) {
            // SAFETY: termios is plain data, filled by tcgetattr.
            let mut current: libc::termios = unsafe { std::mem::zeroed() };
            // SAFETY: `fd` is an open terminal; `current` is a valid buffer.
            if unsafe { libc::tcgetattr(fd, &mut current) } == 0 {
                let mut raw = current;
                // SAFETY: cfmakeraw edits the structure in place.
                unsafe { libc::cfmakeraw(&mut raw) };
                // SAFETY: applies a structure derived from the current one.
                check_os("tcsetattr", unsafe {
                    libc::tcsetattr(fd, libc::TCSANOW, &raw)
                })?;
                termios = Some(current);
            }
        }
        let flags = match set_status_flag(fd, libc::O_NONBLOCK, true) {
            Ok(flags) => flags,
            Err(err) => {
                self.saved.push(Saved {
                    fd,
                    termios,
                    flags: -1,
                });
                return Err(err);
            }
        };
        self.saved.push(Saved { fd, termios, flags });
        Ok(())
    }

    /// Puts the caller's terminal back as it was (once).
    fn restore(&mut self) {
        self.winch = None;
        for saved in self.saved.drain(..).rev() {
            if let Some(termios) = saved.termios {
                // SAFETY: restores the attributes read from this terminal.
                unsafe { libc::tcsetattr(saved.fd, libc::TCSANOW, &termios) };
            }
            if saved.flags >= 0 {
                // SAFETY: restores the flags read from this descriptor.
                unsafe { libc::fcntl(saved.fd, libc::F_SETFL, saved.flags) };
            }
        }
    }

    /// Adds the relay's descriptors to a `poll` set.
    pub(super) fn register(&self, fds: &mut Vec<libc::pollfd>) -> Slots {
        let start = fds.len();
        let read = self.to_caller.len() < BUFFER_LIMIT;
        let write = !self.to_unit.is_empty();
        let mut master_events = 0;
        if read {
            master_events |= libc::POLLIN;
        }
        if write {
            master_events |= libc::POLLOUT;
        }
        fds.push(entry(
            self.master.as_raw_fd(),
            master_events,
            self.master_open && (read || write),
        ));
        fds.push(entry(
            self.terminal.input.as_raw_fd(),
            libc::POLLIN,
            self.input_open && self.to_unit.len() < BUFFER_LIMIT,
        ));
        fds.push(entry(
            self.terminal.output.as_raw_fd(),
            libc::POLLOUT,
            self.output_open && !self.to_caller.is_empty(),
        ));
        let winch = self.winch.as_ref().map_or(-1, |w| w.read);
        fds.push(entry(winch, libc::POLLIN, winch >= 0));
        Slots(start)
    }

    /// Moves what `poll` reported ready.
    pub(super) fn handle(&mut self, fds: &[libc::pollfd], slots: &Slots) {
        let ready = |i: usize| fds.get(slots.0 + i).map_or(0, |p| p.revents) != 0;
        // A size change first, so input typed after it sees the new size.
        if ready(3) {
            if let Some(winch) = &self.winch {
                drain(winch.read);
            }
            self.copy_size();
        }
        if ready(1) {
            match read_some(self.terminal.input.as_raw_fd(), &mut self.to_unit) {
                Io::Closed => self.input_open = false,
                Io::Done(_) | Io::WouldBlock => {}
            }
        }
        if ready(0) {
            self.read_master();
        }
        self.flush();
    }

    /// Reads what the unit wrote, until nothing is left for now.
    fn read_master(&mut self) {
        while self.master_open && self.to_caller.len() < BUFFER_LIMIT {
            match read_some(self.master.as_raw_fd(), &mut self.to_caller) {
                Io::Done(_) => {}
                Io::WouldBlock => break,
                // EIO: every slave descriptor is closed.
                Io::Closed => self.master_open = false,
            }
        }
    }

    /// Writes what can be written without blocking, both ways.
    fn flush(&mut self) {
        if self.master_open && !self.to_unit.is_empty() {
            if let Io::Closed = write_some(self.master.as_raw_fd(), &mut self.to_unit) {
                self.to_unit.clear();
            }
        }
        if self.output_open && !self.to_caller.is_empty() {
            if let Io::Closed = write_some(self.terminal.output.as_raw_fd(), &mut self.to_caller) {
                self.output_open = false;
                self.to_caller.clear();
            }
        }
    }

    /// Ends the session once the unit finished: closes the slave side kept
    /// open, copies the rest of the unit's output to the caller, then
    /// restores the caller's terminal. Gives up at `deadline` if something
    /// outside the unit still holds the pty open.
    pub(super) fn finish(&mut self, deadline: Instant) {
        self.slave = None;
        loop {
            self.read_master();
            self.flush();
            let pending = self.output_open && !self.to_caller.is_empty();
            if !self.master_open && !pending {
                break;
            }
            let fds = &mut [
                entry(self.master.as_raw_fd(), libc::POLLIN, self.master_open),
                entry(self.terminal.output.as_raw_fd(), libc::POLLOUT, pending),
            ];
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let timeout = c_int::try_from(left.as_millis().saturating_add(1)).unwrap_or(c_int::MAX);
            // SAFETY: polls a local array of two entries.
            let ret = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout) };
            if ret == 0 {
                break;
            }
        }
        self.restore();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.restore();
    }
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("master", &self.master)
            .field("terminal", &self.terminal)
            .field("to_unit", &self.to_unit.len())
            .field("to_caller", &self.to_caller.len())
            .finish()
    }
}
