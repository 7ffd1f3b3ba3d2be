//! Connections of every kind that can exist here, calls, timeouts, many
//! calls in flight, `fork` misuse and a dead bus.

mod common;

use std::time::{Duration, Instant};

use common::*;
use sdbus::names::ObjectPath;
use sdbus::{Bus, BusErrorKind, Error, InvalidKind, ManagerScope};

fn manager_version(bus: &Bus) -> String {
    bus.get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
        .expect("read Version")
}

fn ping_systemd(bus: &Bus) {
    let reply = bus
        .call_method(
            SYSTEMD,
            MANAGER_PATH,
            "org.freedesktop.DBus.Peer",
            "Ping",
            &(),
        )
        .expect("Ping systemd");
    assert_eq!(reply.message_type(), sdbus::MessageType::MethodReturn);
    assert_eq!(reply.signature(), "");
}

#[test]
fn user_and_system_bus_reach_the_manager() {
    let user = Bus::open_user().expect("user bus");
    let system = Bus::open_system().expect("system bus");
    ping_systemd(&user);
    ping_systemd(&system);
    assert!(user.unique_name().unwrap().starts_with(":1."));
    assert_eq!(
        user.bus_id().unwrap(),
        system.bus_id().unwrap(),
        "the sandbox points both at one bus"
    );
    assert_eq!(user.bus_id_hex().unwrap().len(), 32);
    assert_eq!(manager_version(&user), manager_version(&system));
}

#[test]
fn address_connection_says_hello() {
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("the sandbox sets the address");
    let bus = Bus::open_address(&address).expect("open by address");
    assert!(bus.unique_name().unwrap().starts_with(":1."));
    ping_systemd(&bus);
}

#[test]
fn direct_manager_socket_skips_the_bus_daemon() {
    let direct = Bus::open_manager_direct(ManagerScope::User).expect("open the private socket");
    // No bus daemon: no unique name.
    assert!(direct.unique_name().is_err());
    let via_bus = user_bus();
    assert_eq!(manager_version(&direct), manager_version(&via_bus));
    // The peer is the manager itself, PID 1 of the sandbox's manager tree.
    let creds = direct.peer_creds().expect("peer credentials");
    let manager_pid = via_bus.name_creds(SYSTEMD).unwrap().pid().unwrap();
    assert_eq!(creds.pid(), Some(manager_pid));
}

#[test]
fn peer_to_peer_calls_and_error_replies() {
    let peer = EchoPeer::start();
    let reply = peer
        .call("Echo", |m| m.append_args(&("hello", 7u32)).map(drop))
        .unwrap();
    let (text, number): (String, u32) = reply.read_args().unwrap();
    assert_eq!((text.as_str(), number), ("hello", 7));

    let err = peer
        .call("Fail", |m| {
            m.append_args(&("com.example.Error.Nope", "no way"))
                .map(drop)
        })
        .unwrap_err();
    let bus_error = err.bus_error().expect("a D-Bus error");
    assert_eq!(bus_error.name(), "com.example.Error.Nope");
    assert_eq!(bus_error.message(), "no way");
    assert_eq!(err.bus_error_kind(), Some(BusErrorKind::Other));

    let err = peer
        .call("Fail", |m| {
            m.append_args(&("org.freedesktop.DBus.Error.AccessDenied", "go away"))
                .map(drop)
        })
        .unwrap_err();
    assert_eq!(err.bus_error_kind(), Some(BusErrorKind::AccessDenied));
    assert_eq!(err.errno(), Some(libc::EACCES));
}

#[test]
fn explicit_timeout_expires() {
    let peer = EchoPeer::start();
    let call = peer
        .client
        .new_method_call(None, "/echo", ECHO_IFACE, "Never")
        .unwrap();
    let started = Instant::now();
    let err = peer
        .client
        .call(&call, Some(Duration::from_millis(200)))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.bus_error_kind(), Some(BusErrorKind::Timeout), "{err:?}");
    assert!(
        elapsed >= Duration::from_millis(200),
        "returned after {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "returned after {elapsed:?}"
    );
}

#[test]
fn a_thousand_calls_in_flight_on_one_connection() {
    let bus = user_bus();
    let expected = manager_version(&bus);
    let pending: Vec<_> = (0..1000)
        .map(|_| {
            let mut call = bus
                .new_method_call(
                    SYSTEMD,
                    MANAGER_PATH,
                    "org.freedesktop.DBus.Properties",
                    "Get",
                )
                .unwrap();
            call.append_args(&(MANAGER, "Version")).unwrap();
            bus.call_pending(&call, None).unwrap()
        })
        .collect();
    let mut cookies = std::collections::HashSet::new();
    for reply in pending {
        let reply = reply.wait().expect("reply");
        assert!(
            cookies.insert(reply.reply_cookie().unwrap()),
            "each reply answers its own call"
        );
        let version: sdbus::Variant<String> = reply.read().unwrap();
        assert_eq!(version.0, expected);
    }
    assert_eq!(cookies.len(), 1000);
}

#[test]
fn async_call_with_a_callback() {
    let bus = user_bus();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut call = bus
        .new_method_call(SYSTEMD, MANAGER_PATH, MANAGER, "GetUnit")
        .unwrap();
    call.append("no-such.service").unwrap();
    let _slot = bus
        .call_async(&call, None, move |reply| {
            tx.send(reply.map(|_| ()).map_err(|e| e.bus_error_kind()))
                .unwrap();
        })
        .unwrap();
    let mut got = None;
    while got.is_none() {
        if !bus.process().unwrap() {
            bus.wait(Some(Duration::from_secs(5))).unwrap();
        }
        got = rx.try_recv().ok();
    }
    assert_eq!(got.unwrap(), Err(Some(BusErrorKind::NoSuchUnit)));
}

#[test]
#[should_panic(expected = "panicked inside the reply callback")]
fn panic_in_a_callback_is_raised_to_the_caller() {
    let bus = user_bus();
    let call = bus
        .new_method_call(SYSTEMD, MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping")
        .unwrap();
    let _slot = bus
        .call_async(&call, None, |_| {
            panic!("panicked inside the reply callback")
        })
        .unwrap();
    loop {
        if !bus.process().unwrap() {
            bus.wait(Some(Duration::from_secs(5))).unwrap();
        }
    }
}

#[test]
fn dropping_a_pending_reply_cancels_it() {
    let bus = user_bus();
    let call = bus
        .new_method_call(SYSTEMD, MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping")
        .unwrap();
    let pending = bus.call_pending(&call, None).unwrap();
    drop(pending);
    // The reply arrives and is dropped by sd-bus; the bus keeps working.
    for _ in 0..10 {
        bus.process().unwrap();
    }
    ping_systemd(&bus);
}

#[test]
fn using_the_parents_bus_after_fork_is_a_clear_error() {
    let bus = user_bus();
    ping_systemd(&bus);
    // SAFETY: the child only calls async-signal-tolerant code paths of this
    // test and exits with `_exit`, never returning into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = match bus.call_method(
            SYSTEMD,
            MANAGER_PATH,
            "org.freedesktop.DBus.Peer",
            "Ping",
            &(),
        ) {
            Err(Error::Forked { .. }) => 0,
            Err(_) => 2,
            Ok(_) => 3,
        };
        // SAFETY: leave the child without running destructors or harness code.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "child died: {status}");
    assert_eq!(
        libc::WEXITSTATUS(status),
        0,
        "child saw no Error::Forked (2: other error, 3: success)"
    );
    ping_systemd(&bus);
}

#[test]
fn a_dead_peer_gives_an_errno_not_a_hang() {
    let mut peer = EchoPeer::start();
    let reply = peer.call("Echo", |m| m.append(&1u8).map(drop)).unwrap();
    assert_eq!(reply.read::<u8>().unwrap(), 1);
    drop(reply);
    peer.stop_server();
    let started = Instant::now();
    let err = peer.call("Echo", |m| m.append(&2u8).map(drop)).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let errno = err.errno().expect("an errno");
    assert!(
        [libc::ECONNRESET, libc::ENOTCONN, libc::EPIPE].contains(&errno),
        "unexpected error {err:?}"
    );
    assert!(!peer.client.is_open());
}

#[test]
fn bad_names_are_refused_before_reaching_c() {
    let bus = user_bus();
    // destination, path, interface, member, the kind refused, the value named
    type Case<'a> = (
        Option<&'a str>,
        &'a str,
        &'a str,
        &'a str,
        InvalidKind,
        &'a str,
    );
    let cases: [Case; 6] = [
        (
            Some("no_dots"),
            "/",
            "a.b",
            "M",
            InvalidKind::BusName,
            "no_dots",
        ),
        (
            Some(SYSTEMD),
            "relative/path",
            "a.b",
            "M",
            InvalidKind::ObjectPath,
            "relative/path",
        ),
        (
            Some(SYSTEMD),
            "/trailing/",
            "a.b",
            "M",
            InvalidKind::ObjectPath,
            "/trailing/",
        ),
        (
            Some(SYSTEMD),
            "/",
            "nodots",
            "M",
            InvalidKind::InterfaceName,
            "nodots",
        ),
        (
            Some(SYSTEMD),
            "/",
            "a.b",
            "Bad-Member",
            InvalidKind::MemberName,
            "Bad-Member",
        ),
        (
            Some(SYSTEMD),
            "/",
            "a.b",
            "Nul\0Byte",
            InvalidKind::MemberName,
            "Nul\0Byte",
        ),
    ];
    for (destination, path, interface, member, kind, value) in cases {
        match bus.new_method_call(destination, path, interface, member) {
            Err(Error::Invalid {
                kind: got,
                value: got_value,
                ..
            }) => {
                assert_eq!((got, got_value.as_str()), (kind, value));
            }
            other => panic!("{value:?}: expected an invalid-{kind} error, got {other:?}"),
        }
    }
    let err = ObjectPath::try_from("/a//b").unwrap_err();
    assert!(
        err.to_string().contains("/a//b"),
        "the error names the value: {err}"
    );
    let err = bus
        .get_property::<String>(SYSTEMD, MANAGER_PATH, MANAGER, "No-Such")
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::Property,
                ..
            }
        ),
        "{err:?}"
    );
    let err = bus.add_match("type='signal'\n", |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::MatchRule,
                ..
            }
        ),
        "{err:?}"
    );
    let err = bus.add_match("type='nonsense'", |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::MatchRule,
                ..
            }
        ),
        "{err:?}"
    );
    let err = Bus::open_address("").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::Address,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_vanished_unit_is_no_such_unit() {
    let bus = user_bus();
    let err = bus
        .call_method(
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "GetUnit",
            &("vanished.service",),
        )
        .unwrap_err();
    assert_eq!(err.bus_error_kind(), Some(BusErrorKind::NoSuchUnit));
    assert!(err.to_string().contains("vanished.service"), "{err}");
}

#[test]
fn the_test_runs_in_a_unit_found_by_pid() {
    let bus = user_bus();
    let reply = bus
        .call_method(
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "GetUnitByPID",
            &(std::process::id(),),
        )
        .unwrap();
    let path: ObjectPath = reply.read().unwrap();
    let id: String = bus.get_property(SYSTEMD, &path, UNIT, "Id").unwrap();
    assert!(id.ends_with(".scope"), "{id}");
    let decoded = sdbus::path::path_decode(&path, "/org/freedesktop/systemd1/unit").unwrap();
    assert_eq!(decoded.as_deref(), Some(id.as_str()));
    let own = sdbus::Credentials::for_pid(std::process::id() as i32).unwrap();
    assert_eq!(own.user_unit().or(own.unit()), Some(id.as_str()));
}

/// A rule the bus daemon refuses although sd-bus accepts it: dbus-daemon
/// takes match rules of at most 1024 bytes.
fn overlong_rule() -> String {
    let path = "/sdbus".repeat(200);
    format!("type='signal',path='{path}'")
}

#[test]
fn a_match_installed_without_waiting_sees_what_later_calls_cause() {
    let bus = user_bus();
    let jobs = bus
        .subscribe_signal_nowait(
            Some("org.freedesktop.systemd1"),
            Some("/org/freedesktop/systemd1"),
            Some("org.freedesktop.systemd1.Manager"),
            Some("JobRemoved"),
        )
        .unwrap();
    // The manager sends a job's signals to the client that asked for it.
    let name = format!("sdbus-nowait-{}.service", std::process::id());
    let job: ObjectPath = bus
        .call_method(
            "org.freedesktop.systemd1",
            "/org/freedesktop/systemd1",
            "org.freedesktop.systemd1.Manager",
            "StartTransientUnit",
            &(
                name.as_str(),
                "fail",
                vec![(
                    "ExecStart",
                    sdbus::Value::from(vec![("/bin/true", vec!["/bin/true"], false)]),
                )],
                Vec::<(&str, Vec<(&str, sdbus::Value)>)>::new(),
            ),
        )
        .unwrap()
        .read()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let signal = jobs
            .recv_until(Some(deadline))
            .unwrap()
            .expect("JobRemoved of the job started after the match");
        let (_id, removed, unit, result): (u32, ObjectPath, String, String) =
            signal.read_args().unwrap();
        if removed == job {
            assert_eq!((unit.as_str(), result.as_str()), (name.as_str(), "done"));
            break;
        }
    }
    assert!(jobs.status().is_ok());
}

#[test]
fn a_refused_match_is_reported_by_the_subscription() {
    let bus = user_bus();
    let rule = overlong_rule();
    // Waiting, sd-bus turns the refusal into an errno.
    let waited = bus.subscribe(&rule).unwrap_err();
    assert_eq!(waited.errno(), Some(libc::ENOBUFS), "{waited:?}");

    let refused = bus.subscribe_nowait(&rule).unwrap();
    let err = refused
        .recv_timeout(Duration::from_secs(10))
        .expect_err("the bus daemon's refusal");
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::LimitsExceeded),
        "{err:?}"
    );
    assert_eq!(err.errno(), waited.errno());
    // Reported once; the connection itself is fine.
    assert!(refused.status().is_ok());
    assert!(!manager_version(&bus).is_empty());
}

#[test]
fn a_call_that_expects_no_reply_gets_none() {
    let peer = EchoPeer::start();
    let bus = &peer.client;
    // Whatever reply arrives unasked is dispatched to this match.
    let replies = bus.subscribe("type='method_return'").unwrap();

    let mut quiet = bus
        .new_method_call(None, "/echo", ECHO_IFACE, "Echo")
        .unwrap();
    quiet.append(&"hush").unwrap();
    assert!(quiet.expects_reply());
    quiet.set_expect_reply(false).unwrap();
    assert!(!quiet.expects_reply());
    let quiet_cookie = bus.send(&quiet).unwrap();

    // The peer answers in order: once this reply is in, one to the first
    // call would have come before it.
    let echoed: String = peer
        .call("Echo", |m| m.append(&"loud").map(drop))
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(echoed, "loud");
    while bus.process().unwrap() {}
    let unasked: Vec<Option<u64>> = std::iter::from_fn(|| replies.try_recv())
        .map(|reply| reply.reply_cookie())
        .collect();
    assert!(
        !unasked.contains(&Some(quiet_cookie)),
        "the peer answered a call that expected no reply: {unasked:?}"
    );

    // Only a call can say so, and only before it is sealed.
    let mut signal = bus.new_signal("/echo", ECHO_IFACE, "Ping").unwrap();
    assert!(signal.set_expect_reply(false).is_err());
    assert!(quiet.set_expect_reply(true).is_err());
}
