//! Introspection of the sandbox's manager and of a unit.

mod common;

use common::*;
use sdbus::introspect::{Access, Direction, EmitsChange};
use sdbus::names::ObjectPath;
use sdbus::{BusErrorKind, Error, InvalidKind};

#[test]
fn introspect_the_manager() {
    let bus = user_bus();
    let node = bus.introspect(SYSTEMD, MANAGER_PATH).unwrap();
    for standard in [
        "org.freedesktop.DBus.Peer",
        "org.freedesktop.DBus.Introspectable",
        "org.freedesktop.DBus.Properties",
    ] {
        assert!(
            node.interface(standard).is_some(),
            "{standard} is implemented"
        );
    }
    let manager = node.interface(MANAGER).expect("the manager interface");

    let start = manager
        .method("StartTransientUnit")
        .expect("StartTransientUnit");
    assert_eq!(start.in_signature(), "ssa(sv)a(sa(sv))");
    assert_eq!(start.out_signature(), "o");
    assert_eq!(
        start
            .args
            .iter()
            .filter(|a| a.direction == Direction::Out)
            .count(),
        1
    );
    let get_unit = manager.method("GetUnit").expect("GetUnit");
    assert_eq!(
        (
            get_unit.in_signature().as_str(),
            get_unit.out_signature().as_str()
        ),
        ("s", "o")
    );

    let version = manager.property("Version").expect("Version");
    assert_eq!(version.signature, "s");
    assert_eq!(version.access, Access::Read);
    assert_eq!(version.emits_change(), EmitsChange::Const);
    assert!(version.is_const());
    let log_level = manager.property("LogLevel").expect("LogLevel");
    assert_eq!(log_level.access, Access::ReadWrite);
    assert!(!log_level.is_const());
    let environment = manager.property("Environment").expect("Environment");
    assert_eq!(environment.signature, "as");

    let job_removed = manager.signal("JobRemoved").expect("JobRemoved");
    assert_eq!(job_removed.signature(), "uoss");
    assert!(job_removed
        .args
        .iter()
        .all(|a| a.direction == Direction::Out));

    // Everything the introspection data promises is really there.
    let props = bus.get_all(SYSTEMD, MANAGER_PATH, MANAGER).unwrap();
    for property in manager.properties.iter().filter(|p| p.access.is_readable()) {
        let value = props
            .value(&property.name)
            .unwrap_or_else(|| panic!("{} is missing from GetAll", property.name));
        assert_eq!(value.signature(), property.signature, "{}", property.name);
    }

    assert!(
        node.children.iter().any(|c| c == "unit"),
        "children: {:?}",
        node.children
    );
}

#[test]
fn introspect_a_unit() {
    let bus = user_bus();
    let path: ObjectPath = bus
        .call_method(
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "GetUnitByPID",
            &(std::process::id(),),
        )
        .unwrap()
        .read()
        .unwrap();
    let node = bus.introspect(SYSTEMD, &path).unwrap();
    let unit = node.interface(UNIT).expect("the unit interface");
    let active_state = unit.property("ActiveState").expect("ActiveState");
    assert_eq!(active_state.signature, "s");
    assert_eq!(active_state.access, Access::Read);
    assert_eq!(active_state.emits_change(), EmitsChange::True);
    assert!(unit.method("Stop").is_some());
    assert!(
        node.interface("org.freedesktop.systemd1.Scope").is_some(),
        "the test runs in a scope"
    );
}

#[test]
fn introspect_errors() {
    let bus = user_bus();
    let err = bus
        .introspect("org.example.NoSuchService", "/")
        .unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::ServiceUnknown),
        "{err:?}"
    );
    let err = bus.introspect(SYSTEMD, "not/a/path").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::ObjectPath,
                ..
            }
        ),
        "{err:?}"
    );
}
