//! `Run` against the sandbox's manager: output through pipes, environment,
//! working directory, users, resource limits seen in effect, exit statuses
//! and timeouts, scopes, timers and sockets started with their service, and
//! a pty session relayed to a terminal the test drives.
//!
//! Tests run in parallel threads, each on its own connection with its own
//! randomly named units.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use common::*;
use sdbus::systemd1::{JobResult, SERVICE_INTERFACE};
use sdbus::transient::{
    run, Exit, PtyTerminal, Run, ServiceType, Stdio, UnitProperty, UnitResult, UnitType,
};
use sdbus::{Bus, Error, InvalidKind, ManagerScope};

/// A pipe: (read end, write end).
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [-1; 2];
    // SAFETY: pipe2 writes two new descriptors into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors were just created and are owned here.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// Everything written to a pipe until every write end is closed.
fn read_all(fd: OwnedFd) -> String {
    let mut text = String::new();
    File::from(fd)
        .read_to_string(&mut text)
        .expect("read the pipe");
    text
}

/// The CPU time (user + system) process `pid` used so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/pid/stat");
    // Fields after the command name (which is in parentheses): utime and
    // stime are the 12th and 13th.
    let after = &stat[stat.rfind(')').expect("stat has a command name") + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf only reads a configuration value.
    let hz = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).unwrap();
    Duration::from_millis(ticks * 1000 / hz)
}

fn is_unit_failed(err: &Error) -> bool {
    matches!(err, Error::UnitFailed { .. })
}

#[test]
fn stdout_captured_through_a_pipe() {
    let bus = user_bus();
    let (read, write) = pipe();
    let mut unit = Run::new(["/bin/echo", "hello", "from a unit"])
        .bus(&bus)
        .stdout(Stdio::Fd(write))
        .start()
        .unwrap();
    assert!(unit.name().starts_with("sdbus-run-"), "{}", unit.name());
    let outcome = unit.wait().unwrap();
    assert!(outcome.success(), "{outcome}");
    assert_eq!(outcome.exit, Some(Exit::Code(0)));
    assert!(outcome.runtime.is_some(), "{outcome:?}");
    assert!(outcome.main_pid.is_some());
    assert_eq!(read_all(read), "hello from a unit\n");
    // The same outcome again, without waiting.
    assert_eq!(unit.wait().unwrap(), outcome);
    assert_eq!(unit.outcome(), Some(&outcome));
}

#[test]
fn environment_and_working_directory() {
    let bus = user_bus();
    let (read, write) = pipe();
    let outcome = Run::new(["/bin/sh", "-c", "echo \"$FOO\"; echo \"$BAR\"; pwd"])
        .bus(&bus)
        .env("FOO", "bar")
        .envs([("BAR", "two words")])
        .working_directory("/usr/share")
        .stdout(Stdio::Fd(write))
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert!(outcome.success(), "{outcome}");
    assert_eq!(read_all(read), "bar\ntwo words\n/usr/share\n");
}

#[test]
fn shell_command_line() {
    let bus = user_bus();
    let (read, write) = pipe();
    Run::shell("echo $((6 * 7))")
        .bus(&bus)
        .stdout(Stdio::Fd(write))
        .service_type(ServiceType::Oneshot)
        .raise_on_fail(true)
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(read_all(read), "42\n");
}

#[test]
fn runs_as_nobody() {
    let bus = user_bus();
    let (read, write) = pipe();
    let outcome = Run::new(["/usr/bin/id", "-u"])
        .bus(&bus)
        .as_user("nobody")
        .stdout(Stdio::Fd(write))
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert!(outcome.success(), "{outcome}");
    assert_eq!(read_all(read).trim(), "65534");
}

#[test]
fn cpu_quota_caps_a_busy_loop() {
    let bus = user_bus();
    let mut unit = Run::new(["/bin/sh", "-c", "while :; do :; done"])
        .bus(&bus)
        .property("CPUQuota=10%")
        .start()
        .unwrap();
    assert_eq!(unit.wait_for_activation().unwrap(), JobResult::Done);
    let pid = unit.unit().unwrap().service().unwrap().main_pid().unwrap();
    assert_ne!(pid, 0);
    let (cpu0, t0) = (cpu_time(pid), Instant::now());
    // The measurement window itself.
    std::thread::sleep(Duration::from_secs(2));
    let (cpu1, t1) = (cpu_time(pid), Instant::now());
    let share = (cpu1 - cpu0).as_secs_f64() / (t1 - t0).as_secs_f64();
    unit.stop().unwrap();
    assert!(
        share <= 0.15,
        "the busy loop used {:.0}% CPU",
        share * 100.0
    );
    assert!(
        share > 0.02,
        "the busy loop hardly ran: {:.1}%",
        share * 100.0
    );
    let outcome = unit.wait().unwrap();
    assert_eq!(outcome.signal(), Some(libc::SIGTERM), "{outcome}");
}

#[test]
fn memory_max_in_the_cgroup() {
    let bus = user_bus();
    let mut unit = Run::new(["/bin/sleep", "infinity"])
        .bus(&bus)
        .property("MemoryMax=48M")
        .start()
        .unwrap();
    assert_eq!(unit.wait_for_activation().unwrap(), JobResult::Done);
    let cgroup: String = unit
        .unit()
        .unwrap()
        .get_property(SERVICE_INTERFACE, "ControlGroup")
        .unwrap();
    assert!(cgroup.ends_with(unit.name()), "{cgroup}");
    let v1 = format!("/sys/fs/cgroup/memory{cgroup}/memory.limit_in_bytes");
    let v2 = format!("/sys/fs/cgroup{cgroup}/memory.max");
    let limit = std::fs::read_to_string(&v1)
        .or_else(|_| std::fs::read_to_string(&v2))
        .unwrap_or_else(|e| panic!("neither {v1} nor {v2}: {e}"));
    unit.stop().unwrap();
    assert_eq!(limit.trim(), (48u64 << 20).to_string());
}

#[test]
fn failing_command_exit_status() {
    let bus = user_bus();
    let outcome = Run::shell("exit 3")
        .bus(&bus)
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(outcome.result, UnitResult::ExitCode);
    assert_eq!(outcome.exit_code(), Some(3));
    assert!(!outcome.success());
    assert!(
        outcome.to_string().contains("code=exited/status=3"),
        "{outcome}"
    );

    let err = Run::shell("exit 4")
        .bus(&bus)
        .raise_on_fail(true)
        .start()
        .unwrap()
        .wait()
        .unwrap_err();
    assert!(is_unit_failed(&err), "{err}");
    assert!(err.to_string().contains("status=4"), "{err}");

    // A program that cannot be executed fails with systemd's status 203.
    let mut unit = Run::new(["/nonexistent/program"])
        .bus(&bus)
        .service_type(ServiceType::Exec)
        .start()
        .unwrap();
    assert_eq!(unit.wait_for_activation().unwrap(), JobResult::Failed);
    assert_eq!(unit.wait().unwrap().exit_code(), Some(203));
}

#[test]
fn runtime_max_times_out() {
    let bus = user_bus();
    let outcome = Run::new(["/bin/sleep", "infinity"])
        .bus(&bus)
        .runtime_max(Duration::from_millis(500))
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(outcome.result, UnitResult::Timeout, "{outcome}");
    assert_eq!(outcome.signal(), Some(libc::SIGTERM));
    let runtime = outcome.runtime.expect("a runtime");
    assert!(runtime >= Duration::from_millis(500), "{runtime:?}");
}

#[test]
fn remain_after_exit_and_collect() {
    let bus = user_bus();
    let mut unit = Run::new(["/bin/true"])
        .bus(&bus)
        .service_type(ServiceType::Oneshot)
        .remain_after_exit(true)
        .start()
        .unwrap();
    let outcome = unit.wait().unwrap();
    assert!(outcome.success(), "{outcome}");
    assert_eq!(unit.unit().unwrap().sub_state().unwrap(), "exited");
    unit.stop().unwrap();

    // Collected even when failed, yet its result is read: AddRef holds it.
    let outcome = Run::shell("exit 5")
        .bus(&bus)
        .collect_mode(sdbus::transient::CollectMode::InactiveOrFailed)
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(outcome.exit_code(), Some(5));
}

#[test]
fn exec_hooks_run_in_order() {
    let bus = user_bus();
    let (read, write) = pipe();
    let outcome = Run::new(["/bin/echo", "main"])
        .bus(&bus)
        .service_type(ServiceType::Oneshot)
        .exec_start_pre(["/bin/echo", "pre"])
        .exec_start_post(["/bin/echo", "post"])
        .exec_stop_post(["/bin/echo", "stop-post"])
        .stdout(Stdio::Fd(write))
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert!(outcome.success(), "{outcome}");
    assert_eq!(read_all(read), "pre\nmain\npost\nstop-post\n");
}

#[test]
fn scope_adopts_a_running_child() {
    let bus = user_bus();
    let mut child = std::process::Command::new("/bin/sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let mut unit = Run::adopt([child.id()]).bus(&bus).start().unwrap();
    assert!(unit.name().ends_with(".scope"));
    let cgroup = std::fs::read_to_string(format!("/proc/{}/cgroup", child.id())).unwrap();
    assert!(
        cgroup
            .lines()
            .any(|line| line.ends_with(&format!("/{}", unit.name()))),
        "{cgroup}"
    );
    unit.stop().unwrap();
    let outcome = unit.wait().unwrap();
    assert_eq!(outcome.result, UnitResult::Success, "{outcome}");
    assert!(child.wait().unwrap().code().is_none(), "killed by a signal");
}

#[test]
fn scope_runs_its_command_as_a_child() {
    let bus = user_bus();
    let (read, write) = pipe();
    let mut unit = Run::new([
        "sh",
        "-c",
        "echo \"$FOO\"; pwd; cat /proc/self/cgroup; exit 7",
    ])
    .bus(&bus)
    .scope()
    .env("FOO", "scoped")
    .working_directory("/usr")
    .stdout(Stdio::Fd(write))
    .start()
    .unwrap();
    assert!(unit.pid().is_some());
    let outcome = unit.wait().unwrap();
    assert_eq!(outcome.result, UnitResult::ExitCode, "{outcome}");
    assert_eq!(outcome.exit_code(), Some(7));
    assert_eq!(outcome.main_pid, unit.pid());
    let output = read_all(read);
    let mut lines = output.lines();
    assert_eq!(lines.next(), Some("scoped"));
    assert_eq!(lines.next(), Some("/usr"));
    assert!(
        lines.any(|line| line.ends_with(&format!("/{}", unit.name()))),
        "{output}"
    );

    let err = Run::new(["/nonexistent/program"])
        .bus(&bus)
        .scope()
        .start()
        .unwrap_err();
    assert_eq!(
        err,
        Error::Os {
            operation: "execve",
            errno: libc::ENOENT
        }
    );
}

#[test]
fn timer_and_service_started_together() {
    let bus = user_bus();
    let dir = std::env::var("XDG_RUNTIME_DIR").expect("XDG_RUNTIME_DIR is set by the sandbox");
    let output = format!("{dir}/sdbus-transient-timer-{}.out", std::process::id());
    let started = Instant::now();
    let mut timer = vec![UnitProperty::on_active(Duration::from_secs(1))];
    timer.extend(UnitProperty::parse_for(UnitType::Timer, "AccuracySec=10ms").unwrap());
    let mut unit = Run::new(["/bin/echo", "fired"])
        .bus(&bus)
        .timer(timer)
        .stdout(Stdio::Truncate(output.clone().into()))
        .start()
        .unwrap();
    assert_eq!(
        unit.trigger(),
        Some(unit.name().replace(".service", ".timer").as_str())
    );
    assert_eq!(unit.wait_for_activation().unwrap(), JobResult::Done);
    let outcome = unit.wait().unwrap();
    assert!(outcome.success(), "{outcome}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(started.elapsed() < Duration::from_secs(30));
    unit.stop().unwrap();
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "fired\n");
    std::fs::remove_file(&output).unwrap();

    // Stopped before it fired: over, without having run.
    let mut unit = Run::new(["/bin/true"])
        .bus(&bus)
        .timer(vec![UnitProperty::on_active(Duration::from_secs(3600))])
        .start()
        .unwrap();
    assert_eq!(unit.wait_for_activation().unwrap(), JobResult::Done);
    unit.stop().unwrap();
    let outcome = unit.wait_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(outcome.expect("over once stopped").exit, None);

    // Descriptors cannot wait for the timer.
    let (_read, write) = pipe();
    let err = Run::new(["/bin/true"])
        .bus(&bus)
        .timer(vec![UnitProperty::on_active(Duration::from_secs(1))])
        .stdout(Stdio::Fd(write))
        .start()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::Argument,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn socket_and_service_started_together() {
    let bus = user_bus();
    let dir = std::env::var("XDG_RUNTIME_DIR").expect("XDG_RUNTIME_DIR is set by the sandbox");
    let path = format!("{dir}/sdbus-transient-{}.sock", std::process::id());
    // The service gets the listening socket as fd 3 (Accept=no).
    let server = "import socket\n\
                  s = socket.socket(fileno=3)\n\
                  c, _ = s.accept()\n\
                  c.sendall(b'accepted ' + c.recv(16))\n\
                  c.close()\n";
    let mut unit = Run::new(["python3", "-c", server])
        .bus(&bus)
        .socket(vec![UnitProperty::listen_stream(&path)])
        .start()
        .unwrap();
    assert_eq!(unit.wait_for_activation().unwrap(), JobResult::Done);
    let mut stream = UnixStream::connect(&path).expect("connect to the socket unit");
    stream.write_all(b"hello").unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "accepted hello");
    let outcome = unit.wait().unwrap();
    assert!(outcome.success(), "{outcome}");
    unit.stop().unwrap();
    std::fs::remove_file(&path).unwrap();
}

/// A pseudo-terminal for the test to play the user's terminal: the master
/// side (the "keyboard and screen") and the slave side (what the relay
/// sees as the caller's terminal).
fn test_terminal(rows: u16, cols: u16) -> (File, OwnedFd) {
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors; name and termios may be NULL;
    // the window size is read.
    let ret = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(ret, 0, "openpty");
    // SAFETY: both descriptors were just created and are owned here.
    unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

fn termios(fd: &OwnedFd) -> libc::termios {
    // SAFETY: termios is plain data, filled by tcgetattr on an open tty.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        let ret = libc::tcgetattr(fd.as_raw_fd(), &mut t);
        assert_eq!(ret, 0, "tcgetattr: {}", std::io::Error::last_os_error());
        t
    }
}

/// Reads what the relay writes to the test terminal until `until` is in
/// it (or 30 s pass), and returns everything read.
fn read_until(master: &mut File, output: &mut String, until: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buf = [0u8; 4096];
    while !output.contains(until) && Instant::now() < deadline {
        let mut poll = libc::pollfd {
            fd: master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: polls one local entry.
        if unsafe { libc::poll(&mut poll, 1, 100) } != 1 {
            continue;
        }
        match master.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => output.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
}

#[test]
fn pty_session_relayed() {
    let bus = user_bus();
    let (mut master, slave) = test_terminal(33, 111);
    let before = termios(&slave);
    let terminal = PtyTerminal::new(slave.try_clone().unwrap(), slave.try_clone().unwrap());
    let script = "tty; stty size; read line; echo \"got:$line\"; read line; stty size";
    let mut unit = Run::new(["/bin/sh", "-c", script])
        .bus(&bus)
        .pty_terminal(terminal)
        .start()
        .unwrap();
    // The caller's terminal is raw while the session lasts.
    let raw = termios(&slave);
    assert_eq!(raw.c_lflag & (libc::ICANON | libc::ECHO), 0);

    // The user, at the keyboard of the test terminal.
    let resize = slave.try_clone().unwrap();
    let user = std::thread::spawn(move || {
        let mut output = String::new();
        // Typed input, relayed to the unit's own (cooked) terminal.
        master.write_all(b"hello\r").unwrap();
        read_until(&mut master, &mut output, "got:hello");
        // The window grows, and the process learns it through SIGWINCH.
        let size = libc::winsize {
            ws_row: 40,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: sets the window size of the test's terminal from a local.
        assert_eq!(
            unsafe { libc::ioctl(resize.as_raw_fd(), libc::TIOCSWINSZ, &size) },
            0
        );
        // SAFETY: raise sends a signal to this thread; the relay's handler
        // only writes to its pipe.
        unsafe { libc::raise(libc::SIGWINCH) };
        master.write_all(b"\r").unwrap();
        read_until(&mut master, &mut output, "40 120");
        // Closing the master would hang the test terminal up: keep it.
        (output, master)
    });

    let outcome = unit.wait().unwrap();
    assert!(outcome.success(), "{outcome}");
    let (output, _master) = user.join().unwrap();
    let lines: Vec<&str> = output
        .split("\r\n")
        .filter(|line| !line.is_empty())
        .collect();
    // (The unit's terminal echoes what was typed, whenever it arrives.)
    assert!(
        lines.iter().any(|l| l.starts_with("/dev/pts/")),
        "{output:?}"
    );
    let sizes: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.split(' ').all(|n| n.parse::<u16>().is_ok()))
        .collect();
    assert_eq!(sizes, ["33 111", "40 120"], "{output:?}");
    assert!(lines.contains(&"got:hello"), "{output:?}");

    // Restored when the session ended.
    let after = termios(&slave);
    assert_eq!(after.c_lflag, before.c_lflag);
    assert_eq!(after.c_iflag, before.c_iflag);
    assert_eq!(after.c_oflag, before.c_oflag);
}

#[test]
fn pty_session_in_a_scope() {
    let bus = user_bus();
    let (mut master, slave) = test_terminal(24, 80);
    let terminal = PtyTerminal::new(slave.try_clone().unwrap(), slave).forward_sigwinch(false);
    let outcome = Run::new(["/bin/sh", "-c", "tty; stty size"])
        .bus(&bus)
        .scope()
        .pty_terminal(terminal)
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert!(outcome.success(), "{outcome}");
    let mut output = String::new();
    read_until(&mut master, &mut output, "24 80");
    assert!(output.starts_with("/dev/pts/"), "{output:?}");
    assert!(output.contains("24 80"), "{output:?}");
}

#[test]
fn property_errors_surface_at_start() {
    let bus = user_bus();
    let err = Run::new(["/bin/true"])
        .bus(&bus)
        .property("CPUQuta=20%")
        .start()
        .unwrap_err();
    let Error::Invalid { kind, value, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, InvalidKind::Property);
    assert!(value.contains("CPUQuota"), "{err}");
    let err = Run::new(["/bin/true"])
        .bus(&bus)
        .property("MemoryMax=lots")
        .start()
        .unwrap_err();
    assert!(err.to_string().contains("MemoryMax=lots"), "{err}");
    // What the manager itself refuses comes back as its error.
    let err = Run::new(["/bin/true"])
        .bus(&bus)
        .property_typed(UnitProperty::new_raw("NoSuchProperty", 1u32).unwrap())
        .start()
        .unwrap_err();
    assert!(err.bus_error().is_some(), "{err}");
}

#[test]
fn named_unit_and_convenience_run() {
    let bus = user_bus();
    let name = format!("sdbus-transient-named-{}", std::process::id());
    let mut unit = Run::new(["/bin/true"])
        .bus(&bus)
        .name(&name)
        .description("a named unit")
        .start()
        .unwrap();
    assert_eq!(unit.name(), format!("{name}.service"));
    assert_eq!(unit.unit().unwrap().description().unwrap(), "a named unit");
    assert!(unit.wait().unwrap().success());

    // The system bus of the sandbox is its private manager's bus too.
    let outcome = run(["/bin/sh", "-c", "exit 2"]).unwrap();
    assert_eq!(outcome.exit_code(), Some(2));
    let outcome = Run::new(["/bin/true"])
        .user()
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert!(outcome.success());
}

#[test]
fn direct_connection_to_the_manager() {
    // No bus daemon: no AddRef, the outcome comes from the signals.
    let bus = Bus::open_manager_direct(ManagerScope::User).unwrap();
    let (read, write) = pipe();
    let outcome = Run::shell("echo direct; exit 6")
        .bus(&bus)
        .stdout(Stdio::Fd(write))
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(outcome.exit_code(), Some(6), "{outcome}");
    assert_eq!(read_all(read), "direct\n");
    let outcome = Run::new(["/bin/true"])
        .bus(&bus)
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert!(outcome.success(), "{outcome}");
    assert_eq!(outcome.exit, Some(Exit::Code(0)));
}

#[test]
fn a_run_holds_its_unit_until_waited_for_then_releases_it() {
    let bus = user_bus();
    let name = format!("sdbus-release-{}.service", std::process::id());
    let mut unit = Run::new(["/bin/sleep", "0.3"])
        .name(&name)
        .bus(&bus)
        .start()
        .unwrap();
    // The unit holds a reference of this connection (AddRef).
    let path = sdbus::path::path_encode("/org/freedesktop/systemd1/unit", &name).unwrap();
    let refs: Vec<String> = bus.get_property(SYSTEMD, &path, UNIT, "Refs").unwrap();
    assert_eq!(refs, [bus.unique_name().unwrap()]);

    assert!(unit.wait().unwrap().success());
    drop(unit);
    // Released (Unref, not waited for): the manager collects the unit.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let loaded = bus.call_method(SYSTEMD, MANAGER_PATH, MANAGER, "GetUnit", &(name.as_str(),));
        match loaded {
            Err(err) if err.bus_error_kind() == Some(sdbus::BusErrorKind::NoSuchUnit) => break,
            other => {
                assert!(other.is_ok(), "{other:?}");
                assert!(Instant::now() < deadline, "{name} is still loaded");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}
