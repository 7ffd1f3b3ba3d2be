//! A bus monitor sees what other connections send.

mod common;

use std::time::{Duration, Instant};

use common::*;
use sdbus::monitor::Monitor;
use sdbus::{Error, InvalidKind, MessageType};

const PEER_RULE: &str = "type='method_call',interface='org.freedesktop.DBus.Peer'";

/// Whether a message is one the bus daemon sends the monitor itself about
/// its own name (`NameAcquired`, `NameLost`).
fn from_the_daemon(message: &sdbus::Message<'_>) -> bool {
    message.sender() == Some("org.freedesktop.DBus")
}

#[test]
fn monitor_sees_a_ping_to_the_manager() {
    let monitor = Monitor::open_user(&[PEER_RULE]).expect("become a monitor (needs root)");
    let client = user_bus();
    let client_name = client.unique_name().unwrap().to_owned();

    // Not matched by the rule: must not show up.
    client
        .call_method(SYSTEMD, MANAGER_PATH, MANAGER, "GetUnit", &("init.scope",))
        .map(drop)
        .unwrap_or(());
    let reply = client
        .call_method(
            SYSTEMD,
            MANAGER_PATH,
            "org.freedesktop.DBus.Peer",
            "Ping",
            &(),
        )
        .expect("the monitor does not get in the way");
    assert_eq!(reply.message_type(), MessageType::MethodReturn);

    let deadline = Instant::now() + Duration::from_secs(10);
    let ping = loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let message = monitor
            .recv_timeout(remaining)
            .unwrap()
            .expect("the monitor saw the Ping within 10 s");
        if from_the_daemon(&message) {
            continue;
        }
        assert!(
            message.is_method_call(Some("org.freedesktop.DBus.Peer"), None),
            "only what the rule matches arrives: {message:?}"
        );
        if message.member() == Some("Ping") && message.sender() == Some(client_name.as_str()) {
            break message;
        }
    };
    assert_eq!(ping.destination(), Some(SYSTEMD));
    assert_eq!(ping.path(), Some(MANAGER_PATH));
    assert!(ping.expects_reply());
}

#[test]
fn monitor_without_rules_sees_calls_and_replies() {
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("the sandbox sets the address");
    let monitor = Monitor::open_address(&address, &[]).unwrap();
    assert!(monitor.unique_name().unwrap().starts_with(":1."));
    let client = user_bus();
    let client_name = client.unique_name().unwrap().to_owned();
    let call = client
        .new_method_call(SYSTEMD, MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping")
        .unwrap();
    client.call(&call, Some(Duration::from_secs(10))).unwrap();
    let cookie = call.cookie().expect("a sent call has a cookie");

    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut saw_call, mut saw_reply) = (false, false);
    while !(saw_call && saw_reply) {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let Some(message) = monitor.recv_timeout(remaining).unwrap() else {
            panic!("within 10 s: call seen {saw_call}, reply seen {saw_reply}");
        };
        match message.message_type() {
            MessageType::MethodCall
                if message.sender() == Some(client_name.as_str())
                    && message.cookie() == Some(cookie) =>
            {
                assert_eq!(message.member(), Some("Ping"));
                saw_call = true;
            }
            MessageType::MethodReturn
                if message.destination() == Some(client_name.as_str())
                    && message.reply_cookie() == Some(cookie) =>
            {
                saw_reply = true;
            }
            _ => {}
        }
    }
}

#[test]
fn rules_the_daemon_refuses() {
    let err = Monitor::open_system(&["type='nonsense'"]).unwrap_err();
    assert_eq!(
        err,
        Error::Invalid {
            kind: InvalidKind::MatchRule,
            value: "type='nonsense'".into(),
            reason: "refused by the bus daemon",
        }
    );
    let err = Monitor::open_user(&[PEER_RULE, "a\nb\n"]).unwrap_err();
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
}
