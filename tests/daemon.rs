//! The daemon side (`sdbus::daemon`) against the sandbox's manager.
//!
//! Each scenario runs this very test binary as the main process of a
//! transient unit: the ignored test [`daemon_helper`] does nothing in a
//! normal run, and becomes a small daemon when started with
//! `$SDBUS_DAEMON_HELPER` set (see the `helper` module). The helpers of the
//! unit tests read commands from stdin and answer on stdout, both one end of
//! a socket pair whose other end the test holds (`Control`), so the test
//! decides when the daemon sends what, and observes the unit's states
//! through `PropertiesChanged` signals and `Properties.Get` in between.
//!
//! The `probe` tests need no manager: they run the helper as a plain child
//! process with a crafted environment.

mod common;

use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read as _, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use common::*;
use sdbus::daemon::{self, Notify};
use sdbus::names::ObjectPath;
use sdbus::{Bus, BusErrorKind, Error, InvalidKind, Subscription, Value};

const SERVICE: &str = "org.freedesktop.systemd1.Service";
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";
/// Selects the helper's behaviour; unset in normal test runs.
const HELPER_ENV: &str = "SDBUS_DAEMON_HELPER";
/// How long any state change or answer may take.
const PATIENCE: Duration = Duration::from_secs(30);

/// The main process of the tests' units (and of the probes). Ignored, and a
/// no-op without `$SDBUS_DAEMON_HELPER`.
#[test]
#[ignore = "the main process of the units the other tests start"]
fn daemon_helper() {
    if let Ok(mode) = std::env::var(HELPER_ENV) {
        helper::run(&mode);
    }
}

/// The helper's side: runs in the unit's process.
mod helper {
    use std::fs::{File, OpenOptions};
    use std::io::{BufRead, BufReader, Write};
    use std::os::fd::AsFd;
    use std::path::Path;
    use std::time::Duration;

    use sdbus::daemon::{self, Notify, SocketKind, Watchdog, WatchdogThread};

    pub fn run(mode: &str) {
        match mode {
            "notify" => {
                reply(format!("sent {}", send(Notify::new().status("starting"))));
                commands(None);
            }
            "watchdog" => {
                let watchdog = Watchdog::from_env().expect("watchdog_enabled");
                reply(format!("watchdog {:?}", watchdog.map(|w| w.timeout())));
                let pinger = watchdog
                    .expect("the unit has WatchdogSec=")
                    .spawn()
                    .expect("spawn the pinger");
                send(Notify::new().ready().status("pinging"));
                commands(Some(pinger));
            }
            "fdstore" => fd_store(),
            "socket" => socket(),
            "probe" => probe(),
            other => panic!("unknown helper mode {other:?}"),
        }
    }

    /// An answer to the test: a line starting with `@`, told apart from
    /// libtest's own output.
    fn reply(text: String) {
        println!("@{text}");
    }

    fn send(notify: Notify<'_>) -> bool {
        notify.send().expect("sd_notify")
    }

    /// Runs the test's commands, `VERB [STATUS TEXT]`, until `exit` or the
    /// end of stdin.
    fn commands(mut pinger: Option<WatchdogThread>) {
        for line in std::io::stdin().lines() {
            let line = line.expect("read a command");
            let (verb, text) = line.split_once(' ').unwrap_or((line.as_str(), ""));
            let notify = match verb {
                "status" => Notify::new(),
                "ready" => Notify::new().ready(),
                "reloading" => Notify::new().reloading(),
                "stopping" => Notify::new().stopping(),
                "barrier" => {
                    let sent = send(Notify::new().status(text));
                    let done = daemon::barrier(Duration::from_secs(30)).expect("barrier");
                    reply(format!("barrier {sent} {done}"));
                    continue;
                }
                "stop-pinging" => {
                    let pinger = pinger.take().expect("a pinger runs");
                    assert!(pinger.is_running());
                    pinger.stop().expect("the pings succeeded");
                    reply("stopped".into());
                    continue;
                }
                "exit" => return,
                other => panic!("unknown command {other:?}"),
            };
            let notify = if text.is_empty() {
                notify
            } else {
                notify.status(text)
            };
            reply(format!("sent {}", send(notify)));
        }
    }

    /// First run: stores a FIFO's write end in the fd store. After a
    /// restart: writes through the fd the store passed back.
    fn fd_store() {
        let mut fds = daemon::listen_fds_with_names().expect("listen_fds_with_names");
        match fds.pop() {
            None => {
                let path = std::env::var("SDBUS_TEST_FIFO").expect("$SDBUS_TEST_FIFO");
                let writer = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .expect("open the FIFO");
                let sent = send(
                    Notify::new()
                        .fd_store("pipe", [writer.as_fd()])
                        .ready()
                        .status("stored"),
                );
                reply(format!("stored {sent}"));
            }
            Some((name, fd)) => {
                assert!(fds.is_empty(), "one fd was stored");
                let fifo = daemon::is_fifo(fd.as_fd(), None).expect("sd_is_fifo");
                let mut writer = File::from(fd);
                writeln!(writer, "through the store, from pid {}", std::process::id())
                    .expect("write through the stored fd");
                send(Notify::new().ready().status("restored"));
                reply(format!("restored {name} fifo={fifo}"));
            }
        }
        commands(None);
    }

    /// Serves the socket passed by socket activation: answers each line
    /// with what it found out about the fds.
    fn socket() {
        let mut fds = daemon::listen_fds_with_names().expect("listen_fds_with_names");
        let again = daemon::listen_fds().map_err(|e| e.errno());
        let names: Vec<String> = fds.iter().map(|(name, _)| name.clone()).collect();
        let (_, fd) = fds.pop().expect("one fd was passed");
        let path = std::env::var("SDBUS_TEST_SOCKET").expect("$SDBUS_TEST_SOCKET");
        let unix = daemon::is_socket_unix(
            fd.as_fd(),
            Some(SocketKind::Stream),
            Some(true),
            Some(Path::new(&path)),
        )
        .expect("sd_is_socket_unix");
        let refused = daemon::into_tcp_listener(fd).expect_err("not a TCP socket");
        let tcp_refused = refused.to_string();
        let listener = daemon::into_unix_listener(refused.into_fd()).expect("a Unix listener");
        for stream in listener.incoming() {
            let mut stream = stream.expect("accept");
            let mut line = String::new();
            BufReader::new(&stream)
                .read_line(&mut line)
                .expect("read a line");
            writeln!(
                stream,
                "names={names:?} unix={unix} again={again:?} tcp={tcp_refused:?} got={:?}",
                line.trim_end()
            )
            .expect("answer");
        }
    }

    /// Reports what the daemon functions find in the environment it was
    /// started with.
    fn probe() {
        let notify = Notify::new()
            .ready()
            .status("probing")
            .main_pid(std::process::id())
            .send();
        reply(format!("notify {notify:?}"));
        reply(format!(
            "barrier {:?}",
            daemon::barrier(Duration::from_secs(30))
        ));
        let fds = daemon::listen_fds_with_names().map(|fds| {
            fds.iter()
                .map(|(name, fd)| {
                    let special = daemon::is_special(fd.as_fd(), Some(Path::new("/dev/null")));
                    (name.clone(), special.expect("sd_is_special"))
                })
                .collect::<Vec<_>>()
        });
        reply(format!("fds {fds:?}"));
        reply(format!(
            "again {:?}",
            daemon::listen_fds()
                .map(|fds| fds.len())
                .map_err(|e| e.errno())
        ));
        reply(format!("watchdog {:?}", daemon::watchdog_enabled()));
    }
}

/// The command line that runs [`daemon_helper`] from this binary.
fn helper_argv() -> Vec<String> {
    let exe = std::env::current_exe().expect("the test binary's path");
    let exe = exe.to_str().expect("a UTF-8 path").to_owned();
    [
        exe.as_str(),
        "daemon_helper",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
        "--quiet",
    ]
    .map(String::from)
    .to_vec()
}

/// A unique unit name prefix for this test process.
fn unique_name(what: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "sdbus-daemon-{what}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A path for a socket or FIFO, on the sandbox's private runtime directory.
fn runtime_path(name: &str) -> PathBuf {
    let dir = std::env::var_os("XDG_RUNTIME_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    dir.join(name)
}

type Props = Vec<(String, Value)>;

/// The properties of a service running the helper in `mode`, with extra
/// environment variables.
fn helper_service(kind: &str, mode: &str, env: &[String]) -> Props {
    let argv = helper_argv();
    let mut environment = vec![format!("{HELPER_ENV}={mode}")];
    environment.extend_from_slice(env);
    vec![
        (
            "Description".into(),
            Value::from(format!("sdbus daemon test: {mode}")),
        ),
        ("Type".into(), Value::from(kind)),
        (
            "ExecStart".into(),
            Value::from(vec![(argv[0].clone(), argv, false)]),
        ),
        ("Environment".into(), Value::from(environment)),
    ]
}

/// The test's end of a helper's stdin and stdout.
struct Control {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    /// Everything else the helper printed (libtest's output, panics).
    log: Vec<String>,
}

impl Control {
    /// A control channel, and the properties that make the other end the
    /// unit's stdin and stdout (stderr goes there too).
    fn new() -> (Control, Props) {
        let (ours, theirs) = UnixStream::pair().expect("socketpair");
        ours.set_read_timeout(Some(PATIENCE)).unwrap();
        let stdin = OwnedFd::from(theirs.try_clone().unwrap());
        let props = vec![
            ("StandardInputFileDescriptor".into(), Value::from(stdin)),
            (
                "StandardOutputFileDescriptor".into(),
                Value::from(OwnedFd::from(theirs)),
            ),
        ];
        let control = Control {
            reader: BufReader::new(ours.try_clone().unwrap()),
            writer: ours,
            log: Vec::new(),
        };
        (control, props)
    }

    fn send(&mut self, command: &str) {
        writeln!(self.writer, "{command}").expect("send a command to the helper");
    }

    /// The helper's next answer, without its `@`.
    fn answer(&mut self) -> String {
        loop {
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => panic!("the helper closed its stdout; it printed {:#?}", self.log),
                Ok(_) => {}
                Err(err) => panic!(
                    "no answer from the helper ({err}); it printed {:#?}",
                    self.log
                ),
            }
            let line = line.trim_end_matches('\n');
            match line.strip_prefix('@') {
                Some(answer) => return answer.to_owned(),
                None => self.log.push(line.to_owned()),
            }
        }
    }

    fn command(&mut self, command: &str) -> String {
        self.send(command);
        self.answer()
    }
}

/// What the tests look at in a unit.
#[derive(Debug, Clone, Default, PartialEq)]
struct State {
    active: String,
    sub: String,
    /// The service's `StatusText`, `Result` and `MainPID` (empty and 0 for
    /// other units).
    status: String,
    result: String,
    main_pid: u32,
}

/// A unit's object, with its `PropertiesChanged` signals queued.
struct Watch<'b> {
    bus: &'b Bus,
    path: ObjectPath,
    service: bool,
    changes: Subscription<'b>,
}

impl<'b> Watch<'b> {
    fn new(bus: &'b Bus, unit: &str) -> Watch<'b> {
        let path = sdbus::path::path_encode("/org/freedesktop/systemd1/unit", unit).unwrap();
        let changes = bus
            .subscribe_signal(
                Some(SYSTEMD),
                Some(&path),
                Some(PROPERTIES),
                Some("PropertiesChanged"),
            )
            .expect("subscribe to PropertiesChanged");
        Watch {
            bus,
            path,
            service: unit.ends_with(".service"),
            changes,
        }
    }

    fn get<T: for<'m> sdbus::Read<'m>>(&self, interface: &str, name: &str) -> sdbus::Result<T> {
        self.bus.get_property(SYSTEMD, &self.path, interface, name)
    }

    fn state(&self) -> State {
        let read = || -> sdbus::Result<State> {
            let mut state = State {
                active: self.get(UNIT, "ActiveState")?,
                sub: self.get(UNIT, "SubState")?,
                ..State::default()
            };
            if self.service {
                state.status = self.get(SERVICE, "StatusText")?;
                state.result = self.get(SERVICE, "Result")?;
                state.main_pid = self.get(SERVICE, "MainPID")?;
            }
            Ok(state)
        };
        match read() {
            Ok(state) => state,
            // Unloaded once inactive and unreferenced.
            Err(err) if err.bus_error_kind() == Some(BusErrorKind::UnknownObject) => State {
                active: "unloaded".into(),
                ..State::default()
            },
            Err(err) => panic!("cannot read the state of {}: {err}", self.path),
        }
    }

    /// Waits until `done` holds for the unit's state, re-reading it after
    /// each `PropertiesChanged`, and returns that state.
    fn wait_for(&self, what: &str, done: impl Fn(&State) -> bool) -> State {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let state = self.state();
            if done(&state) {
                return state;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                panic!("{} never became {what}; last state {state:?}", self.path);
            }
            self.changes
                .recv_timeout(remaining)
                .expect("wait for PropertiesChanged");
        }
    }
}

/// Transient units that are stopped and reset when dropped, even when the
/// test failed.
struct Units<'b> {
    bus: &'b Bus,
    names: Vec<String>,
}

impl<'b> Units<'b> {
    /// A connection subscribed to the manager's signals.
    fn bus() -> Bus {
        let bus = user_bus();
        bus.call_method(SYSTEMD, MANAGER_PATH, MANAGER, "Subscribe", &())
            .expect("Manager.Subscribe");
        bus
    }

    /// Starts unit `name` with `props`, and the `aux` units with it.
    fn start(bus: &'b Bus, name: &str, props: Props, aux: Vec<(String, Props)>) -> Units<'b> {
        let mut names = vec![name.to_owned()];
        names.extend(aux.iter().map(|(aux_name, _)| aux_name.clone()));
        let units = Units { bus, names };
        bus.call_method(
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "StartTransientUnit",
            &(name, "fail", props, aux),
        )
        .unwrap_or_else(|err| panic!("StartTransientUnit {name}: {err}"));
        units
    }
}

impl Drop for Units<'_> {
    fn drop(&mut self) {
        let jobs_removed = self
            .bus
            .subscribe_signal(
                Some(SYSTEMD),
                Some(MANAGER_PATH),
                Some(MANAGER),
                Some("JobRemoved"),
            )
            .ok();
        let mut jobs: Vec<ObjectPath> = Vec::new();
        for name in &self.names {
            let stop = self.bus.call_method(
                SYSTEMD,
                MANAGER_PATH,
                MANAGER,
                "StopUnit",
                &(name.as_str(), "replace"),
            );
            if let Ok(job) = stop.and_then(|reply| reply.read::<ObjectPath>()) {
                jobs.push(job);
            }
        }
        if let Some(jobs_removed) = jobs_removed {
            let deadline = Instant::now() + PATIENCE;
            while !jobs.is_empty() {
                let Ok(Some(signal)) = jobs_removed.recv_until(Some(deadline)) else {
                    break;
                };
                if let Ok((_, job, _, _)) = signal.read_args::<(u32, ObjectPath, String, String)>()
                {
                    jobs.retain(|pending| *pending != job);
                }
            }
        }
        for name in &self.names {
            // Only failed units need it; the others are already gone.
            let _ = self.bus.call_method(
                SYSTEMD,
                MANAGER_PATH,
                MANAGER,
                "ResetFailedUnit",
                &(name.as_str(),),
            );
        }
    }
}

#[test]
fn notify_drives_the_unit_through_its_states() {
    let bus = Units::bus();
    let name = format!("{}.service", unique_name("notify"));
    let watch = Watch::new(&bus, &name);
    let (mut control, stdio) = Control::new();
    let mut props = helper_service("notify", "notify", &[]);
    props.extend(stdio);
    let _units = Units::start(&bus, &name, props, Vec::new());

    // Before READY=1 the unit is starting, and shows the STATUS= sent.
    assert_eq!(control.answer(), "sent true");
    let starting = watch.wait_for("activating with a status", |s| s.status == "starting");
    assert_eq!(
        (starting.active.as_str(), starting.sub.as_str()),
        ("activating", "start")
    );
    assert_ne!(starting.main_pid, 0);

    assert_eq!(control.command("ready serving"), "sent true");
    let running = watch.wait_for("active", |s| s.active == "active");
    assert_eq!(
        (running.sub.as_str(), running.status.as_str()),
        ("running", "serving")
    );

    assert_eq!(
        control.command("reloading reloading the configuration"),
        "sent true"
    );
    let reloading = watch.wait_for("reloading", |s| s.active != "active");
    assert_eq!(
        (
            reloading.active.as_str(),
            reloading.sub.as_str(),
            reloading.status.as_str()
        ),
        ("reloading", "reload", "reloading the configuration")
    );
    assert_eq!(control.command("ready serving again"), "sent true");
    let reloaded = watch.wait_for("active again", |s| s.active == "active");
    assert_eq!(reloaded.status, "serving again");
    assert_eq!(reloaded.main_pid, running.main_pid);

    // After the barrier the manager has processed the STATUS= sent before
    // it: read at once, without waiting for a signal.
    assert_eq!(control.command("barrier phase 2"), "barrier true true");
    let status: String = watch.get(SERVICE, "StatusText").unwrap();
    assert_eq!(status, "phase 2");

    assert_eq!(control.command("stopping shutting down"), "sent true");
    let stopping = watch.wait_for("deactivating", |s| s.active != "active");
    assert_eq!(
        (
            stopping.active.as_str(),
            stopping.sub.as_str(),
            stopping.status.as_str()
        ),
        ("deactivating", "stop-sigterm", "shutting down")
    );
    control.send("exit");
    let stopped = watch.wait_for("stopped", |s| {
        s.active == "inactive" || s.active == "unloaded"
    });
    assert!(
        stopped.result.is_empty() || stopped.result == "success",
        "{stopped:?}"
    );
}

#[test]
fn watchdog_pings_keep_the_unit_alive_and_missing_ones_kill_it() {
    let bus = Units::bus();
    let name = format!("{}.service", unique_name("watchdog"));
    let watch = Watch::new(&bus, &name);
    let (mut control, stdio) = Control::new();
    let mut props = helper_service("notify", "watchdog", &[]);
    props.extend(stdio);
    props.push(("WatchdogUSec".into(), Value::from(1_000_000u64)));
    // SIGKILL rather than SIGABRT: no core dump of the test binary.
    props.push(("WatchdogSignal".into(), Value::from(libc::SIGKILL)));
    let _units = Units::start(&bus, &name, props, Vec::new());

    assert_eq!(control.answer(), "watchdog Some(1s)");
    let running = watch.wait_for("active", |s| s.active == "active");
    assert_eq!(running.status, "pinging");
    let first_ping: u64 = watch.get(SERVICE, "WatchdogTimestampMonotonic").unwrap();

    // Three watchdog timeouts pass: the pings keep the unit up.
    std::thread::sleep(Duration::from_secs(3));
    let later = watch.state();
    assert_eq!(
        later, running,
        "the unit kept running, with the same main process"
    );
    let last_ping: u64 = watch.get(SERVICE, "WatchdogTimestampMonotonic").unwrap();
    assert!(
        last_ping >= first_ping + 2_000_000,
        "pings arrived during the 3 s: first {first_ping}, last {last_ping}"
    );

    assert_eq!(control.command("stop-pinging"), "stopped");
    let killed = watch.wait_for("failed", |s| s.active == "failed");
    assert_eq!(killed.result, "watchdog", "{killed:?}");
}

#[test]
fn socket_activation_passes_the_named_socket() {
    let bus = Units::bus();
    let base = unique_name("socket");
    let socket_name = format!("{base}.socket");
    let service_name = format!("{base}.service");
    let path = runtime_path(&format!("{base}.sock"));
    let path_str = path.to_str().unwrap().to_owned();
    let socket = Watch::new(&bus, &socket_name);
    let service = Watch::new(&bus, &service_name);

    let socket_props: Props = vec![
        (
            "Description".into(),
            Value::from("sdbus daemon test socket"),
        ),
        (
            "Listen".into(),
            Value::from(vec![("Stream".to_string(), path_str.clone())]),
        ),
        ("FileDescriptorName".into(), Value::from("greeter")),
    ];
    let service_props = helper_service(
        "simple",
        "socket",
        &[format!("SDBUS_TEST_SOCKET={path_str}")],
    );
    let _units = Units::start(
        &bus,
        &socket_name,
        socket_props,
        vec![(service_name.clone(), service_props)],
    );
    let listening = socket.wait_for("listening", |s| s.active == "active");
    assert_eq!(listening.sub, "listening");
    let idle = service.state();
    assert!(
        idle.active == "inactive" && idle.main_pid == 0,
        "the service waits for a connection: {idle:?}"
    );

    let mut client = UnixStream::connect(&path).expect("connect to the socket unit");
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    writeln!(client, "hello").unwrap();
    let mut answer = String::new();
    BufReader::new(&client)
        .read_line(&mut answer)
        .expect("the service answers");
    let tcp =
        "invalid argument \"fd 3 (unix stream socket, listening)\": is not a listening TCP socket";
    assert_eq!(
        answer.trim_end(),
        format!(
            "names=[\"greeter\"] unix=true again=Err(Some({})) tcp={tcp:?} got=\"hello\"",
            libc::EALREADY
        )
    );
    let serving = service.wait_for("active", |s| s.active == "active");
    assert_ne!(serving.main_pid, 0);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn fd_store_hands_the_same_pipe_back_after_a_restart() {
    let bus = Units::bus();
    let name = format!("{}.service", unique_name("fdstore"));
    let fifo = runtime_path(&format!("{name}.fifo"));
    let fifo_c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo_c.as_ptr(), 0o600) }, 0, "mkfifo");
    // Opened first, so that the helper's open for writing does not block.
    let mut reader = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .expect("open the FIFO for reading");

    let watch = Watch::new(&bus, &name);
    let (mut control, stdio) = Control::new();
    let mut props = helper_service(
        "notify",
        "fdstore",
        &[format!("SDBUS_TEST_FIFO={}", fifo.display())],
    );
    props.extend(stdio);
    props.push(("FileDescriptorStoreMax".into(), Value::from(4u32)));
    let _units = Units::start(&bus, &name, props, Vec::new());

    assert_eq!(control.answer(), "stored true");
    let first = watch.wait_for("active", |s| s.active == "active");
    assert_eq!(first.status, "stored");
    let stored: u32 = watch.get(SERVICE, "NFileDescriptorStore").unwrap();
    assert_eq!(stored, 1);
    // From now on the store's copy is the only way to reach the FIFO.
    std::fs::remove_file(&fifo).unwrap();

    bus.call_method(
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "RestartUnit",
        &(name.as_str(), "replace"),
    )
    .expect("RestartUnit");
    assert_eq!(control.answer(), "restored pipe fifo=true");
    let second = watch.wait_for("active again", |s| {
        s.active == "active" && s.main_pid != first.main_pid && s.status == "restored"
    });
    let mut received = String::new();
    match reader.read_to_string(&mut received) {
        Ok(_) => {}
        Err(err) if err.kind() == ErrorKind::WouldBlock => {}
        Err(err) => panic!("read the FIFO: {err}"),
    }
    assert_eq!(
        received,
        format!("through the store, from pid {}\n", second.main_pid)
    );
}

#[test]
fn booted_in_the_sandbox() {
    let _bus = user_bus();
    assert!(
        daemon::booted().unwrap(),
        "the sandbox has /run/systemd/system"
    );
}

#[test]
fn newline_in_status_is_refused_before_sending() {
    let err = Notify::new()
        .ready()
        .status("done\nMAINPID=1")
        .send()
        .unwrap_err();
    assert_eq!(
        err,
        Error::Invalid {
            kind: InvalidKind::Value,
            value: "STATUS=done\nMAINPID=1".into(),
            reason: "contains a newline, which would start another field",
        }
    );
}

/// Runs the probe helper with `env`, through `sh` so that `LISTEN_PID` and
/// `WATCHDOG_PID` can name the helper's own pid when `own_pid` is set.
fn probe(env: &[(&str, &str)], own_pid: bool) -> std::process::Child {
    let script = if own_pid {
        r#"export LISTEN_PID=$$ WATCHDOG_PID=$$; exec "$0" "$@" 3</dev/null"#
    } else {
        r#"exec "$0" "$@""#
    };
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(script)
        .args(helper_argv())
        .env(HELPER_ENV, "probe")
        .env_remove("NOTIFY_SOCKET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    command.spawn().expect("run the probe")
}

fn answers(child: std::process::Child) -> Vec<String> {
    let output = child.wait_with_output().expect("the probe ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the probe failed: {stdout}");
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix('@'))
        .map(String::from)
        .collect()
}

#[test]
fn probe_outside_systemd_finds_nothing() {
    let child = probe(
        &[
            ("LISTEN_PID", "1"),
            ("LISTEN_FDS", "1"),
            ("WATCHDOG_USEC", "1000000"),
            ("WATCHDOG_PID", "1"),
        ],
        false,
    );
    assert_eq!(
        answers(child),
        [
            "notify Ok(false)",
            "barrier Ok(false)",
            "fds Ok([])",
            "again Ok(0)",
            "watchdog Ok(None)",
        ]
    );
}

#[test]
fn probe_with_a_notify_socket_and_passed_fds() {
    let socket_path = runtime_path(&format!("{}.notify", unique_name("probe")));
    let _ = std::fs::remove_file(&socket_path);
    let socket = UnixDatagram::bind(&socket_path).expect("bind a notification socket");
    socket.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut child = probe(
        &[
            ("NOTIFY_SOCKET", socket_path.to_str().unwrap()),
            ("LISTEN_FDS", "1"),
            ("LISTEN_FDNAMES", "null-device"),
            ("WATCHDOG_USEC", "1500000"),
        ],
        true,
    );
    let pid = child.id();
    let mut buf = vec![0u8; 4096];
    let len = socket.recv(&mut buf).expect("the notification");
    assert_eq!(
        String::from_utf8_lossy(&buf[..len]),
        format!("READY=1\nSTATUS=probing\nMAINPID={pid}")
    );
    // The barrier waits until its message is received, so the probe cannot
    // finish before that.
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "barrier() returned before its message was received"
    );
    // Receiving the barrier message without its fd closes the fd: that is
    // what the barrier waits for.
    let len = socket.recv(&mut buf).expect("the barrier");
    assert_eq!(&buf[..len], b"BARRIER=1");
    assert_eq!(
        answers(child),
        [
            "notify Ok(true)".to_string(),
            "barrier Ok(true)".into(),
            "fds Ok([(\"null-device\", true)])".into(),
            format!("again Err(Some({}))", libc::EALREADY),
            "watchdog Ok(Some(1.5s))".into(),
        ]
    );
    let _ = std::fs::remove_file(Path::new(&socket_path));
}
