//! A scope's command as a child of the caller: everything it needs is
//! prepared before `fork()`, and the child waits at a gate (a pipe) until
//! its scope exists before it executes the command, as `systemd-run
//! --scope` does.

use std::ffi::{c_char, c_int, CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::stdio::os_error;
use crate::error::{Error, InvalidKind, Result};

/// The search path when the caller has no `$PATH`.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What the child does after the gate opens, in order; the index of the
/// step that failed is reported to the parent with its errno.
const STEPS: [&str; 9] = [
    "dup",
    "dup2",
    "setsid",
    "ioctl(TIOCSCTTY)",
    "chdir",
    "setpriority",
    "setgroups",
    "setresgid",
    "setresuid",
];
/// The step index reported when `execve` fails.
const STEP_EXEC: u8 = STEPS.len() as u8;

/// A user to run as, resolved before `fork()`.
#[derive(Debug)]
pub(super) struct Credentials {
    uid: Option<libc::uid_t>,
    gid: Option<libc::gid_t>,
    /// Supplementary groups (the user's, or none with only a group).
    groups: Vec<libc::gid_t>,
    /// `HOME`, `USER`, `LOGNAME`, `SHELL` of the user.
    environment: Vec<(String, String)>,
}

/// A command ready to be forked and executed: no allocation is needed
/// between `fork()` and `execve()`.
#[derive(Debug)]
pub(super) struct Command {
    program: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
    cwd: Option<CString>,
    nice: Option<c_int>,
    credentials: Option<Credentials>,
    stdio: [Option<OwnedFd>; 3],
    controlling_tty: bool,
}

/// A C string for `execve` and friends, refusing interior NULs.
fn c_string(text: &str, what: &'static str) -> Result<CString> {
    CString::new(text).map_err(|_| Error::invalid(InvalidKind::String, text, what))
}

/// Finds `program` as `execvp` would, in the caller's `$PATH`.
fn find_program(program: &str) -> Result<CString> {
    if program.contains('/') {
        return c_string(program, "contains a NUL byte");
    }
    let path = std::env::var_os("PATH");
    let path = path
        .as_deref()
        .map_or(DEFAULT_PATH.as_bytes(), |p| p.as_bytes());
    for dir in path.split(|&b| b == b':').filter(|dir| !dir.is_empty()) {
        let candidate = Path::new(std::ffi::OsStr::from_bytes(dir)).join(program);
        let Ok(c_candidate) = CString::new(candidate.as_os_str().as_bytes()) else {
            continue;
        };
        // SAFETY: access only reads the NUL-terminated path.
        let executable = unsafe { libc::access(c_candidate.as_ptr(), libc::X_OK) } == 0;
        if executable && candidate.is_file() {
            return Ok(c_candidate);
        }
    }
    Err(Error::invalid(
        InvalidKind::Argument,
        program,
        "is not an executable in $PATH",
    ))
}

/// Calls a `get*_r` function with a buffer that grows on `ERANGE`.
fn with_buffer(mut call: impl FnMut(&mut [c_char]) -> c_int) -> std::result::Result<(), c_int> {
    let mut buf = vec![0 as c_char; 1024];
    loop {
        match call(&mut buf) {
            0 => return Ok(()),
            libc::ERANGE if buf.len() < 1 << 20 => buf.resize(buf.len() * 2, 0),
            err => return Err(err),
        }
    }
}

/// Copies a C string of a `passwd` entry.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string.
unsafe fn owned(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: per the caller.
    unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned()
}

/// Resolves user `name` (or numeric id) as `User=` would.
fn lookup_user(name: &str) -> Result<Credentials> {
    let c_name = c_string(name, "contains a NUL byte")?;
    let numeric = name.parse::<libc::uid_t>().ok();
    let mut found = None;
    with_buffer(|buf| {
        // SAFETY: passwd is plain data, for which zeroes are valid.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result = std::ptr::null_mut();
        // SAFETY: valid name, entry, buffer (of the length given) and out
        // pointer; the entry's strings point into `buf`, which outlives
        // their use below.
        let ret = unsafe {
            match numeric {
                Some(uid) => {
                    libc::getpwuid_r(uid, &mut entry, buf.as_mut_ptr(), buf.len(), &mut result)
                }
                None => libc::getpwnam_r(
                    c_name.as_ptr(),
                    &mut entry,
                    buf.as_mut_ptr(),
                    buf.len(),
                    &mut result,
                ),
            }
        };
        if ret == 0 && !result.is_null() {
            // SAFETY: a found entry's strings are NUL-terminated, in `buf`.
            found = Some(unsafe {
                (
                    entry.pw_uid,
                    entry.pw_gid,
                    owned(entry.pw_name),
                    owned(entry.pw_dir),
                    owned(entry.pw_shell),
                )
            });
        }
        ret
    })
    .map_err(|errno| Error::Os {
        operation: "getpwnam_r",
        errno,
    })?;
    let Some((uid, gid, user, home, shell)) = found else {
        // An id without an entry is used as it is, as systemd does.
        return match numeric {
            Some(uid) => Ok(Credentials {
                uid: Some(uid),
                gid: Some(uid),
                groups: Vec::new(),
                environment: Vec::new(),
            }),
            None => Err(Error::invalid(
                InvalidKind::Argument,
                name,
                "is not a known user",
            )),
        };
    };
    let mut groups = vec![0 as libc::gid_t; 64];
    let c_user = c_string(&user, "contains a NUL byte")?;
    loop {
        let mut count = c_int::try_from(groups.len()).unwrap_or(c_int::MAX);
        // SAFETY: getgrouplist writes at most `count` ids into `groups` and
        // sets `count` to the number the user has.
        let ret =
            unsafe { libc::getgrouplist(c_user.as_ptr(), gid, groups.as_mut_ptr(), &mut count) };
        let count = usize::try_from(count).unwrap_or(0);
        if ret >= 0 {
            groups.truncate(count);
            break;
        }
        if count <= groups.len() || count > 65536 {
            groups = vec![gid];
            break;
        }
        groups.resize(count, 0);
    }
    let environment = vec![
        ("HOME".to_owned(), home),
        ("USER".to_owned(), user.clone()),
        ("LOGNAME".to_owned(), user),
        ("SHELL".to_owned(), shell),
    ];
    Ok(Credentials {
        uid: Some(uid),
        gid: Some(gid),
        groups,
        environment: environment
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect(),
    })
}

/// Resolves group `name` (or numeric id).
fn lookup_group(name: &str) -> Result<libc::gid_t> {
    if let Ok(gid) = name.parse() {
        return Ok(gid);
    }
    let c_name = c_string(name, "contains a NUL byte")?;
    let mut found = None;
    with_buffer(|buf| {
        // SAFETY: group is plain data, for which zeroes are valid.
        let mut entry: libc::group = unsafe { std::mem::zeroed() };
        let mut result = std::ptr::null_mut();
        // SAFETY: valid name, entry, buffer and out pointer.
        let ret = unsafe {
            libc::getgrnam_r(
                c_name.as_ptr(),
                &mut entry,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            )
        };
        if ret == 0 && !result.is_null() {
            found = Some(entry.gr_gid);
        }
        ret
    })
    .map_err(|errno| Error::Os {
        operation: "getgrnam_r",
        errno,
    })?;
    found.ok_or_else(|| Error::invalid(InvalidKind::Argument, name, "is not a known group"))
}

/// How a scope's command runs, as given to the builder.
#[derive(Debug, Default)]
pub(super) struct Settings<'a> {
    pub(super) environment: &'a [(String, String)],
    pub(super) working_directory: Option<&'a Path>,
    pub(super) nice: Option<i32>,
    pub(super) user: Option<&'a str>,
    pub(super) group: Option<&'a str>,
}

impl Command {
    /// Prepares `argv` with the caller's environment plus `settings`.
    pub(super) fn new(
        argv: &[String],
        settings: &Settings<'_>,
        stdio: [Option<OwnedFd>; 3],
        controlling_tty: bool,
    ) -> Result<Command> {
        let Some(program) = argv.first() else {
            return Err(Error::invalid(
                InvalidKind::Argument,
                "",
                "the command is empty",
            ));
        };
        let program = find_program(program)?;
        let argv = argv
            .iter()
            .map(|arg| c_string(arg, "contains a NUL byte"))
            .collect::<Result<Vec<_>>>()?;
        let mut credentials = settings.user.map(lookup_user).transpose()?;
        if let Some(group) = settings.group {
            let gid = lookup_group(group)?;
            let credentials = credentials.get_or_insert_with(|| Credentials {
                uid: None,
                gid: None,
                groups: Vec::new(),
                environment: Vec::new(),
            });
            credentials.gid = Some(gid);
            if credentials.uid.is_none() {
                credentials.groups = vec![gid];
            }
        }
        let mut environment: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let overrides = credentials
            .iter()
            .flat_map(|c| c.environment.iter())
            .chain(settings.environment);
        for (key, value) in overrides {
            environment.retain(|(k, _)| k != key);
            environment.push((key.clone(), value.clone()));
        }
        let envp = environment
            .iter()
            .map(|(k, v)| c_string(&format!("{k}={v}"), "contains a NUL byte"))
            .collect::<Result<Vec<_>>>()?;
        let cwd = settings
            .working_directory
            .map(|dir| {
                CString::new(dir.as_os_str().as_bytes()).map_err(|_| {
                    Error::invalid(
                        InvalidKind::String,
                        dir.to_string_lossy(),
                        "contains a NUL byte",
                    )
                })
            })
            .transpose()?;
        Ok(Command {
            program,
            argv,
            envp,
            cwd,
            nice: settings.nice,
            credentials,
            stdio,
            controlling_tty,
        })
    }

    /// Forks the child, which waits at the gate.
    pub(super) fn spawn(&self) -> Result<Gated> {
        let argv: Vec<*const c_char> = self
            .argv
            .iter()
            .map(|arg| arg.as_ptr())
            .chain([std::ptr::null()])
            .collect();
        let envp: Vec<*const c_char> = self
            .envp
            .iter()
            .map(|var| var.as_ptr())
            .chain([std::ptr::null()])
            .collect();
        let (gate_read, gate_write) = pipe()?;
        let (report_read, report_write) = pipe()?;
        let child = Child {
            command: self,
            argv: &argv,
            envp: &envp,
            gate_read: gate_read.as_raw_fd(),
            gate_write: gate_write.as_raw_fd(),
            report_read: report_read.as_raw_fd(),
            report_write: report_write.as_raw_fd(),
        };
        // SAFETY: the child only runs `Child::run`, which makes
        // async-signal-safe calls on data prepared above and ends in
        // `execve` or `_exit`, so it never returns into Rust code that could
        // allocate or take locks held by other threads at the fork.
        let pid = unsafe { libc::fork() };
        match pid {
            -1 => Err(os_error("fork", &io::Error::last_os_error())),
            0 => child.run(),
            pid => Ok(Gated {
                pid,
                gate: Some(gate_write),
                report: report_read,
            }),
        }
    }
}

/// A pipe with both ends close-on-exec.
fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(os_error("pipe2", &io::Error::last_os_error()));
    }
    // SAFETY: both descriptors were just created and are owned here.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// What the child process needs, borrowed from the parent's memory (which
/// the child has a copy of).
struct Child<'a> {
    command: &'a Command,
    argv: &'a [*const c_char],
    envp: &'a [*const c_char],
    gate_read: RawFd,
    gate_write: RawFd,
    report_read: RawFd,
    report_write: RawFd,
}

impl Child<'_> {
    /// The child's side. Only async-signal-safe functions are called (the
    /// parent may have other threads), set-id calls are made as raw system
    /// calls (the C library's wrappers coordinate with threads the child
    /// does not have), and nothing is allocated or freed.
    fn run(&self) -> ! {
        // SAFETY: see above; every pointer refers to memory prepared before
        // the fork, and every descriptor is open in the child.
        unsafe {
            libc::close(self.gate_write);
            libc::close(self.report_read);
            let mut byte = 0u8;
            loop {
                let n = libc::read(self.gate_read, (&mut byte as *mut u8).cast(), 1);
                if n == 1 {
                    break;
                }
                if n < 0 && *libc::__errno_location() == libc::EINTR {
                    continue;
                }
                // The parent gave up: no scope, so no command.
                libc::_exit(127);
            }
            let mut empty: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut empty);
            libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);

            // Sources first out of the way of 0, 1 and 2, then into place.
            let mut high = [-1; 3];
            for (slot, fd) in high.iter_mut().zip(&self.command.stdio) {
                if let Some(fd) = fd {
                    *slot = libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3);
                    if *slot < 0 {
                        self.fail(0);
                    }
                }
            }
            for (target, &fd) in (0..).zip(&high) {
                if fd >= 0 && libc::dup2(fd, target) < 0 {
                    self.fail(1);
                }
            }
            if self.command.controlling_tty {
                if libc::setsid() < 0 {
                    self.fail(2);
                }
                if libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    self.fail(3);
                }
            }
            if let Some(cwd) = &self.command.cwd {
                if libc::chdir(cwd.as_ptr()) < 0 {
                    self.fail(4);
                }
            }
            if let Some(nice) = self.command.nice {
                if libc::setpriority(libc::PRIO_PROCESS, 0, nice) < 0 {
                    self.fail(5);
                }
            }
            if let Some(creds) = &self.command.credentials {
                if let Some(gid) = creds.gid {
                    if libc::syscall(
                        libc::SYS_setgroups,
                        creds.groups.len(),
                        creds.groups.as_ptr(),
                    ) < 0
                    {
                        self.fail(6);
                    }
                    if libc::syscall(libc::SYS_setresgid, gid, gid, gid) < 0 {
                        self.fail(7);
                    }
                }
                if let Some(uid) = creds.uid {
                    if libc::syscall(libc::SYS_setresuid, uid, uid, uid) < 0 {
                        self.fail(8);
                    }
                }
            }
            libc::execve(
                self.command.program.as_ptr(),
                self.argv.as_ptr(),
                self.envp.as_ptr(),
            );
            self.fail(STEP_EXEC)
        }
    }

    /// Reports the failed step and errno to the parent and exits.
    fn fail(&self, step: u8) -> ! {
        // SAFETY: async-signal-safe: reads errno, writes a local buffer to
        // the report pipe, exits without running any destructor.
        unsafe {
            let errno = *libc::__errno_location();
            let mut report = [0u8; 5];
            report[0] = step;
            report[1..].copy_from_slice(&errno.to_ne_bytes());
            libc::write(self.report_write, report.as_ptr().cast(), report.len());
            libc::_exit(127)
        }
    }
}

/// A forked child waiting at its gate. Dropping it without
/// [`Gated::release`] closes the gate, so the child exits without running
/// anything, and reaps it.
#[derive(Debug)]
pub(super) struct Gated {
    pid: libc::pid_t,
    gate: Option<OwnedFd>,
    report: OwnedFd,
}

impl Gated {
    /// The child's process id.
    pub(super) fn pid(&self) -> u32 {
        self.pid.unsigned_abs()
    }

    /// Lets the child go on and execute the command. Returns once it did
    /// (the report pipe closes on `execve`), or the error of the step that
    /// failed (the child is then reaped).
    pub(super) fn release(mut self) -> Result<ChildProcess> {
        let pid = self.pid;
        if let Some(gate) = self.gate.take() {
            // SAFETY: writes one byte from a local to the open gate.
            let n = unsafe { libc::write(gate.as_raw_fd(), b"g".as_ptr().cast(), 1) };
            if n != 1 {
                return Err(os_error("write", &io::Error::last_os_error()));
            }
        }
        let mut report = [0u8; 5];
        let mut got = 0;
        while got < report.len() {
            // SAFETY: reads into the rest of a local buffer.
            let n = unsafe {
                libc::read(
                    self.report.as_raw_fd(),
                    report[got..].as_mut_ptr().cast(),
                    report.len() - got,
                )
            };
            match usize::try_from(n) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(_) if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) => {}
                Err(_) => break,
            }
        }
        // The child is released: from here on it is the caller's to reap.
        self.pid = 0;
        let mut child = ChildProcess::new(pid);
        if got == 0 {
            return Ok(child);
        }
        child.reap(true);
        let errno = i32::from_ne_bytes([report[1], report[2], report[3], report[4]]);
        let operation = STEPS
            .get(usize::from(report[0]))
            .copied()
            .unwrap_or("execve");
        Err(Error::Os { operation, errno })
    }
}

impl Drop for Gated {
    fn drop(&mut self) {
        if self.pid > 0 {
            self.gate = None;
            ChildProcess::new(self.pid).reap(true);
        }
    }
}

/// A child process of the caller: a scope's command once executed.
#[derive(Debug)]
pub(super) struct ChildProcess {
    pid: libc::pid_t,
    /// Readable once the child exits (Linux 5.3 and later).
    pidfd: Option<OwnedFd>,
    /// Its wait status, once reaped.
    status: Option<c_int>,
}

impl ChildProcess {
    fn new(pid: libc::pid_t) -> ChildProcess {
        // SAFETY: pidfd_open takes a pid and flags; the pid is our unreaped
        // child, so it cannot have been reused.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        let pidfd = RawFd::try_from(fd)
            .ok()
            .filter(|&fd| fd >= 0)
            // SAFETY: a new descriptor, owned by nobody else.
            .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) });
        ChildProcess {
            pid,
            pidfd,
            status: None,
        }
    }

    /// The process id.
    pub(super) fn pid(&self) -> u32 {
        self.pid.unsigned_abs()
    }

    /// A descriptor that becomes readable when the child exits, if the
    /// kernel has pidfds.
    pub(super) fn pidfd(&self) -> Option<RawFd> {
        self.pidfd.as_ref().map(AsRawFd::as_raw_fd)
    }

    /// Reaps the child if it exited (or, with `block`, once it does).
    /// Returns whether it is reaped.
    pub(super) fn reap(&mut self, block: bool) -> bool {
        while self.status.is_none() {
            let mut status = 0;
            let flags = if block { 0 } else { libc::WNOHANG };
            // SAFETY: waits for our own child, writing its status to a local.
            let ret = unsafe { libc::waitpid(self.pid, &mut status, flags) };
            if ret == self.pid {
                self.status = Some(status);
                self.pidfd = None;
            } else if ret < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            } else if ret < 0 {
                // Reaped by someone else (or not ours): no status to give.
                self.status = Some(-1);
                self.pidfd = None;
            } else {
                return false;
            }
        }
        true
    }

    /// Whether the child is reaped.
    pub(super) fn reaped(&self) -> bool {
        self.status.is_some()
    }

    /// The wait status, once reaped (`None` if it could not be had).
    pub(super) fn status(&self) -> Option<c_int> {
        self.status.filter(|&s| s >= 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_programs() {
        assert!(find_program("sh").unwrap().to_bytes().ends_with(b"/sh"));
        assert_eq!(find_program("/bin/true").unwrap().to_bytes(), b"/bin/true");
        let err = find_program("sdbus-no-such-program").unwrap_err();
        assert!(err.to_string().contains("is not an executable in $PATH"));
    }

    #[test]
    fn resolves_users() {
        let root = lookup_user("root").unwrap();
        assert_eq!((root.uid, root.gid), (Some(0), Some(0)));
        assert!(root
            .environment
            .iter()
            .any(|(k, v)| k == "HOME" && v == "/root"));
        assert_eq!(lookup_user("4242").unwrap().uid, Some(4242));
        assert!(lookup_user("sdbus-no-such-user").is_err());
        assert_eq!(lookup_group("0").unwrap(), 0);
        assert_eq!(lookup_group("root").unwrap(), 0);
        assert!(lookup_group("sdbus-no-such-group").is_err());
    }

    #[test]
    fn gated_child_runs_only_when_released() {
        let settings = Settings::default();
        let argv = ["/bin/sh".to_owned(), "-c".to_owned(), "exit 7".to_owned()];
        let command = Command::new(&argv, &settings, [None, None, None], false).unwrap();
        let mut child = command.spawn().unwrap().release().unwrap();
        assert!(child.reap(true));
        let status = child.status().unwrap();
        assert!(libc::WIFEXITED(status));
        assert_eq!(libc::WEXITSTATUS(status), 7);

        // Dropped at the gate: reaped, never ran.
        drop(command.spawn().unwrap());

        let missing = ["/nonexistent/program".to_owned()];
        let command = Command::new(&missing, &settings, [None, None, None], false).unwrap();
        let err = command.spawn().unwrap().release().unwrap_err();
        assert_eq!(
            err,
            Error::Os {
                operation: "execve",
                errno: libc::ENOENT
            }
        );

        let settings = Settings {
            working_directory: Some(Path::new("/nonexistent/dir")),
            ..Settings::default()
        };
        let command = Command::new(&argv, &settings, [None, None, None], false).unwrap();
        let err = command.spawn().unwrap().release().unwrap_err();
        assert!(matches!(
            err,
            Error::Os {
                operation: "chdir",
                ..
            }
        ));
    }
}
