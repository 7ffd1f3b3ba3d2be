//! The `busctl` example against the real `busctl`, on the same objects of
//! the sandbox's bus: same names, paths, members, signatures and values, in
//! the same text.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sdbus::Bus;

const SYSTEMD: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER: &str = "org.freedesktop.systemd1.Manager";
const DBUS_SOCKET_PATH: &str = "/org/freedesktop/systemd1/unit/dbus_2esocket";

/// The busctl example's binary, built once.
fn example() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| common::example_binary("busctl"))
}

#[derive(Debug)]
struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Output {
    fn success(self) -> Self {
        assert_eq!(self.code, Some(0), "failed: {self:?}");
        self
    }
}

fn run(command: &mut Command) -> Output {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {command:?}: {err}"));
    Output {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 errors"),
    }
}

/// The example, on the user bus (the sandbox's).
fn ours(args: &[&str]) -> Output {
    run(Command::new(example()).arg("--user").args(args))
}

/// The real busctl, on the same bus.
fn theirs(args: &[&str]) -> Output {
    run(Command::new("busctl")
        .args(["--user", "--no-pager"])
        .args(args))
}

fn user_bus() -> Bus {
    Bus::open_user().unwrap_or_else(|err| {
        panic!("cannot open the user bus ({err}); run the tests with scripts/test or sandbox/run")
    })
}

#[test]
fn list_shows_the_same_names() {
    let (ours, theirs) = (ours(&["list"]).success(), theirs(&["list"]).success());
    let rows = |text: &str| -> BTreeMap<String, Vec<String>> {
        text.lines()
            .skip(1)
            .map(|line| {
                let cells: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
                (cells[0].clone(), cells)
            })
            .collect()
    };
    let header = |text: &str| text.lines().next().map(str::to_owned);
    assert_eq!(header(&ours.stdout), header(&theirs.stdout));
    let (our_rows, their_rows) = (rows(&ours.stdout), rows(&theirs.stdout));

    // Well-known and activatable names: the same rows, cell for cell. Unique
    // names come and go (each busctl run is one), so only those that stay.
    let well_known = |rows: &BTreeMap<String, Vec<String>>| -> BTreeMap<String, Vec<String>> {
        rows.iter()
            .filter(|(name, _)| !name.starts_with(':'))
            .map(|(name, cells)| (name.clone(), cells.clone()))
            .collect()
    };
    assert_eq!(well_known(&our_rows), well_known(&their_rows));
    let manager = &our_rows[SYSTEMD];
    assert_eq!(manager[2], "systemd", "{manager:?}");
    let connection = &manager[4];
    assert!(connection.starts_with(":1."), "{manager:?}");
    assert_eq!(our_rows[connection], their_rows[connection]);
    assert!(our_rows.contains_key("org.freedesktop.DBus"));
}

#[test]
fn tree_shows_the_same_paths() {
    // Jobs come and go; the rest of the tree is stable.
    let stable = |text: &str| -> String {
        text.lines()
            .filter(|line| !line.contains("/job/"))
            .map(|line| format!("{line}\n"))
            .collect()
    };
    let ours_tree = ours(&["tree", SYSTEMD]).success();
    let their_tree = theirs(&["tree", SYSTEMD]).success();
    assert_eq!(stable(&ours_tree.stdout), stable(&their_tree.stdout));
    assert!(ours_tree
        .stdout
        .starts_with("└─/org\n  └─/org/freedesktop\n"));
    assert!(ours_tree
        .stdout
        .contains(&format!("├─{DBUS_SOCKET_PATH}\n")));

    let ours_list = ours(&["--list", "tree", SYSTEMD]).success();
    let their_list = theirs(&["--list", "tree", SYSTEMD]).success();
    let paths =
        |text: &str| -> BTreeSet<String> { stable(text).lines().map(str::to_owned).collect() };
    assert_eq!(paths(&ours_list.stdout), paths(&their_list.stdout));
    assert!(paths(&ours_list.stdout).contains("/"));

    // The bus daemon's single object, below a root it does not implement.
    let ours_dbus = ours(&["tree", "org.freedesktop.DBus"]).success();
    assert_eq!(ours_dbus.stdout, "└─/org/freedesktop/DBus\n");
    assert_eq!(
        ours_dbus.stdout,
        theirs(&["tree", "org.freedesktop.DBus"]).stdout
    );
}

/// A row of `introspect`'s table, cut at the header's columns.
#[derive(Debug, PartialEq)]
struct Row {
    name: String,
    kind: String,
    signature: String,
    value: String,
    flags: Vec<String>,
}

fn table(text: &str) -> Vec<Row> {
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    let column = |title: &str| header.find(title).expect("a column title");
    let (kind, signature, value, flags) = (
        column(" TYPE") + 1,
        column(" SIGNATURE") + 1,
        column(" RESULT/VALUE") + 1,
        column(" FLAGS") + 1,
    );
    lines
        .map(|line| {
            let cell = |from: usize, to: usize| line[from..to].trim_end().to_owned();
            Row {
                name: cell(0, kind),
                kind: cell(kind, signature),
                signature: cell(signature, value),
                value: cell(value, flags - 1),
                flags: line[flags - 1..]
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            }
        })
        .collect()
}

#[test]
fn introspect_shows_the_same_members() {
    let args = ["introspect", SYSTEMD, MANAGER_PATH, MANAGER];
    let (ours, theirs) = (ours(&args).success(), theirs(&args).success());
    let (our_rows, their_rows) = (table(&ours.stdout), table(&theirs.stdout));
    assert!(our_rows.len() > 100, "{}", ours.stdout);
    assert_eq!(our_rows.len(), their_rows.len());
    for (our, their) in our_rows.iter().zip(&their_rows) {
        assert_eq!(
            (&our.name, &our.kind, &our.signature, &our.flags),
            (&their.name, &their.kind, &their.signature, &their.flags)
        );
        // Method results, and the values of properties that never change.
        if our.kind == "method" || our.flags.iter().any(|flag| flag == "const") {
            assert_eq!(our.value, their.value, "{}", our.name);
        }
    }
    let version = our_rows.iter().find(|row| row.name == ".Version").unwrap();
    assert!(version.value.starts_with('"'), "{version:?}");
    assert_eq!(version.flags, ["const"]);
    let log_level = our_rows.iter().find(|row| row.name == ".LogLevel").unwrap();
    assert_eq!(log_level.flags, ["writable"]);
    let get_unit = our_rows.iter().find(|row| row.name == ".GetUnit").unwrap();
    assert_eq!(
        (get_unit.signature.as_str(), get_unit.value.as_str()),
        ("s", "o")
    );

    // Struct-typed values are shown (busctl 252 shows `-` for them).
    let unit = [
        "introspect",
        SYSTEMD,
        DBUS_SOCKET_PATH,
        "org.freedesktop.systemd1.Unit",
    ];
    let unit_rows = table(&self::ours(&unit).success().stdout);
    let load_error = unit_rows
        .iter()
        .find(|row| row.name == ".LoadError")
        .unwrap();
    assert_eq!(
        (load_error.signature.as_str(), load_error.value.as_str()),
        ("(ss)", "\"\" \"\"")
    );

    // The bus daemon's object never changes: the whole table, byte for byte,
    // with every interface.
    let args = [
        "introspect",
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
    ];
    let ours = self::ours(&args).success();
    assert_eq!(ours.stdout, self::theirs(&args).success().stdout);
    assert!(ours.stdout.contains(".Ping"));
}

#[test]
fn get_property_prints_the_same_text() {
    let args = [
        "get-property",
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "Version",
        "Architecture",
    ];
    let ours = self::ours(&args).success();
    assert_eq!(ours.stdout, theirs(&args).success().stdout);
    let lines: Vec<&str> = ours.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines.iter().all(|line| line.starts_with("s \"")),
        "{lines:?}"
    );

    // Arrays of strings and of structs.
    let socket = [
        "get-property",
        SYSTEMD,
        DBUS_SOCKET_PATH,
        "org.freedesktop.systemd1.Socket",
        "Listen",
        "ExecStartPre",
    ];
    let ours_socket = self::ours(&socket).success();
    assert_eq!(ours_socket.stdout, theirs(&socket).success().stdout);
    assert!(ours_socket.stdout.starts_with("a(ss) 1 \"Stream\" \""));
}

/// Sets a property back with busctl when dropped, even if the test failed.
struct Restore {
    args: Vec<String>,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let restored = theirs(&args);
        if !std::thread::panicking() {
            restored.success();
        }
    }
}

/// The string inside busctl's `s "…"` (without escapes).
fn busctl_string(text: &str) -> String {
    text.trim_end()
        .strip_prefix("s \"")
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_else(|| panic!("not a busctl string: {text:?}"))
        .to_owned()
}

#[test]
fn set_property_is_seen_by_busctl() {
    let get = ["get-property", SYSTEMD, MANAGER_PATH, MANAGER, "LogLevel"];
    let original = busctl_string(&theirs(&get).success().stdout);
    let _restore = Restore {
        args: [
            "set-property",
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "LogLevel",
            "s",
        ]
        .iter()
        .map(|arg| arg.to_string())
        .chain([original])
        .collect(),
    };
    let set = |level| {
        [
            "set-property",
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "LogLevel",
            "s",
            level,
        ]
    };

    let ours_set = ours(&set("debug")).success();
    assert_eq!(ours_set.stdout, "");
    assert_eq!(theirs(&get).success().stdout, "s \"debug\"\n");

    theirs(&set("notice")).success();
    assert_eq!(ours(&get).success().stdout, "s \"notice\"\n");

    // A value that is not a log level: the manager's error, as busctl's.
    let (ours_bad, theirs_bad) = (ours(&set("chatty")), theirs(&set("chatty")));
    assert_eq!(ours_bad.code, Some(1), "{ours_bad:?}");
    assert_eq!(ours_bad.stderr, theirs_bad.stderr);
}

#[test]
fn call_prints_the_same_text() {
    let get_unit = [
        "call",
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "GetUnit",
        "s",
        "dbus.socket",
    ];
    let ours_unit = ours(&get_unit).success();
    assert_eq!(ours_unit.stdout, format!("o \"{DBUS_SOCKET_PATH}\"\n"));
    assert_eq!(ours_unit.stdout, theirs(&get_unit).success().stdout);

    // No arguments, an empty reply: nothing printed.
    let ping = [
        "call",
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.Peer",
        "Ping",
    ];
    assert_eq!(ours(&ping).success().stdout, "");
    assert_eq!(theirs(&ping).success().stdout, "");

    // An array argument and an array of structs back (not dbus.socket, whose
    // description another test changes).
    let by_names = [
        "call",
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "ListUnitsByNames",
        "as",
        "2",
        "init.scope",
        "no-such.service",
    ];
    let ours_units = ours(&by_names).success();
    assert!(ours_units.stdout.starts_with("a(ssssssouso) 2 \""));
    assert_eq!(ours_units.stdout, theirs(&by_names).success().stdout);

    // A D-Bus error: the same message, on standard error.
    let missing = [
        "call",
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "GetUnit",
        "s",
        "no-such.service",
    ];
    let (ours_missing, theirs_missing) = (ours(&missing), theirs(&missing));
    assert_eq!(ours_missing.code, Some(1));
    assert_eq!(ours_missing.stderr, theirs_missing.stderr);
    assert_eq!(
        ours_missing.stderr,
        "Call failed: Unit no-such.service not loaded.\n"
    );
}

#[test]
fn call_with_struct_array_arguments() {
    let get = [
        "get-property",
        SYSTEMD,
        DBUS_SOCKET_PATH,
        "org.freedesktop.systemd1.Unit",
        "Description",
    ];
    let original = busctl_string(&theirs(&get).success().stdout);
    let set_description = |description: &str| -> Vec<String> {
        [
            "call",
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "SetUnitProperties",
            "sba(sv)",
            "dbus.socket",
            "true",
            "1",
            "Description",
            "s",
            description,
        ]
        .iter()
        .map(|arg| arg.to_string())
        .collect()
    };
    let _restore = Restore {
        args: set_description(&original),
    };
    let args = set_description("set by the sdbus busctl example");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(ours(&args).success().stdout, "");
    assert_eq!(
        theirs(&get).success().stdout,
        "s \"set by the sdbus busctl example\"\n"
    );
}

/// A connection on the user bus that answers `com.example.Echo.Echo` on
/// any path with the call's own arguments, from a thread of its own.
struct EchoService {
    name: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EchoService {
    fn start() -> EchoService {
        let stop = Arc::new(AtomicBool::new(false));
        let (name_tx, name_rx) = mpsc::channel();
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let bus = user_bus();
            let _object = bus
                .add_object("/", true, |call| {
                    if call.member() != Some("Echo") {
                        return false;
                    }
                    let echo = || -> sdbus::Result<()> {
                        let mut reply = call.new_method_return()?;
                        reply.append_from(call, true)?;
                        reply.send()?;
                        Ok(())
                    };
                    echo().is_ok()
                })
                .expect("serve the echo object");
            name_tx.send(bus.unique_name().unwrap().to_owned()).unwrap();
            while !thread_stop.load(Ordering::Relaxed) {
                if !bus.process().expect("process the bus") {
                    bus.wait(Some(Duration::from_millis(50))).unwrap();
                }
            }
        });
        let name = name_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the echo service is up");
        EchoService {
            name,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for EchoService {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn arguments_of_every_type_are_read_as_busctl_reads_them() {
    let echo = EchoService::start();
    let mut args = vec![
        "call",
        "--",
        &echo.name,
        "/com/example/echo",
        "com.example.Echo",
        "Echo",
        "ybnqiuxtdsogvasa{sv}a(iy)(bv)a{ias}adayv",
    ];
    args.extend([
        "255",
        "yes",
        "-5",
        "0xffff",
        "-7",
        "010",
        "-9000000000",
        "18446744073709551615",
        "2.5",
        "hello \"world\"\n",
        "/a/b",
        "a{sv}",
        "u",
        "7",
        "2",
        "a",
        "b c",
        "2",
        "One",
        "s",
        "x",
        "Two",
        "as",
        "1",
        "y",
        "1",
        "-1",
        "7",
        "false",
        "v",
        "s",
        "nested",
        "1",
        "5",
        "0",
        "3",
        "1e-7",
        "100000",
        "1234567",
        "0",
        "(si)",
        "s",
        "-3",
    ]);
    let ours = self::ours(&args).success();
    assert_eq!(
        ours.stdout,
        "ybnqiuxtdsogvasa{sv}a(iy)(bv)a{ias}adayv \
         255 true -5 65535 -7 8 -9000000000 18446744073709551615 2.5 \
         \"hello \\\"world\\\"\\n\" \"/a/b\" \"a{sv}\" u 7 2 \"a\" \"b c\" \
         2 \"One\" s \"x\" \"Two\" as 1 \"y\" 1 -1 7 false v s \"nested\" \
         1 5 0 3 1e-07 100000 1.23457e+06 0 (si) \"s\" -3\n"
    );
    assert_eq!(ours.stdout, self::theirs(&args).success().stdout);
}

#[test]
fn bad_arguments_are_usage_errors() {
    let get_unit = ["call", SYSTEMD, MANAGER_PATH, MANAGER, "GetUnit"];
    for (extra, message) in [
        (&["s"][..], "Too few parameters for signature."),
        (&["s", "a", "b"], "Too many parameters for signature."),
        (
            &["u", "x"],
            "Failed to parse 'x' as unsigned 32bit integer.",
        ),
        (
            &["y", "256"],
            "Failed to parse '256' as byte (unsigned 8bit integer).",
        ),
        (
            &["as", "-1"],
            "Failed to parse '-1' number of array entries.",
        ),
        (&["b", "maybe"], "Failed to parse 'maybe' as boolean."),
        (
            &["o", "not/a/path"],
            "Failed to parse 'not/a/path' as object path.",
        ),
        (&["v", "ss", "a", "b"], "Invalid variant signature \"ss\""),
        (&["h", "0"], "UNIX file descriptor not supported as type."),
        (&["a{", "0"], "Invalid signature: a{"),
    ] {
        let args: Vec<&str> = get_unit.iter().chain(extra).copied().collect();
        let output = ours(&args);
        assert_eq!(output.code, Some(2), "{args:?}: {output:?}");
        assert!(output.stderr.contains(message), "{args:?}: {output:?}");
        assert!(!output.stderr.contains("panicked"), "{output:?}");
    }
    for args in [
        &[][..],
        &["frobnicate"],
        &["list", "extra"],
        &["introspect", SYSTEMD],
        &["introspect", SYSTEMD, "not-a-path"],
        &["get-property", SYSTEMD, MANAGER_PATH, MANAGER],
        &[
            "get-property",
            "not a name",
            MANAGER_PATH,
            MANAGER,
            "Version",
        ],
        &[
            "set-property",
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "LogLevel",
            "ss",
            "a",
            "b",
        ],
        &["monitor", "--limit", "many"],
        &["--frobnicate", "list"],
        &["--address"],
    ] {
        let output = ours(args);
        assert_eq!(output.code, Some(2), "{args:?}: {output:?}");
        assert!(
            output.stderr.starts_with("busctl: "),
            "{args:?}: {output:?}"
        );
    }
    let help = ours(&["--help"]).success();
    assert!(help
        .stdout
        .contains("get-property SERVICE OBJECT INTERFACE PROPERTY..."));
}

#[test]
fn monitor_sees_a_ping() {
    let client = user_bus();
    let client_name = client.unique_name().unwrap().to_owned();
    let mut child = Command::new(example())
        .args(["--user", "monitor", &client_name, "--limit", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the monitor");

    // It says so on standard error once it is a monitor.
    let stderr = child.stderr.take().unwrap();
    let (line_tx, line_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            if line_tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let first = line_rx.recv_timeout(Duration::from_secs(20));
    if first.as_deref() != Ok("Monitoring bus message stream.") {
        let _ = child.kill();
        panic!("the monitor did not start: {first:?}");
    }

    client
        .call_method(
            SYSTEMD,
            MANAGER_PATH,
            "org.freedesktop.DBus.Peer",
            "Ping",
            &(),
        )
        .expect("ping the manager");

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the monitor did not stop after one message");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = std::io::read_to_string(child.stdout.take().unwrap()).unwrap();
    let _ = reader.join();
    assert!(status.success(), "{status:?}: {stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("‣ Type=method_call  Cookie="),
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        format!(
            "  Sender={client_name}  Destination={SYSTEMD}  Path={MANAGER_PATH}  \
             Interface=org.freedesktop.DBus.Peer  Member=Ping"
        )
    );
    assert_eq!(&lines[2..], ["  MESSAGE \"\" {", "  };", ""], "{stdout}");
}
