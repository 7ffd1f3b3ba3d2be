//! Properties of the sandbox's manager and units: typed and dynamic reads,
//! `GetAll`, writes read back, the errors of each, and `PropertiesChanged`
//! when a transient unit starts.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use common::*;
use sdbus::names::ObjectPath;
use sdbus::properties::PropertiesChanged;
use sdbus::{Bus, BusErrorKind, Error, InvalidKind, Value};

const PROPERTIES: &str = "org.freedesktop.DBus.Properties";

fn own_unit_path(bus: &Bus) -> ObjectPath {
    bus.call_method(
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "GetUnitByPID",
        &(std::process::id(),),
    )
    .expect("GetUnitByPID of the test process")
    .read()
    .unwrap()
}

#[test]
fn typed_manager_properties() {
    let bus = user_bus();
    let version: String = bus
        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
        .unwrap();
    assert!(!version.is_empty());
    assert!(
        version.chars().next().unwrap().is_ascii_digit(),
        "systemd versions start with a number: {version:?}"
    );
    let names: u32 = bus
        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "NNames")
        .unwrap();
    assert!(names > 0, "the manager has loaded units");
    let arch: String = bus
        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Architecture")
        .unwrap();
    assert_eq!(
        arch,
        std::env::consts::ARCH.replace('_', "-"),
        "the manager's architecture is ours"
    );
    let env: Vec<String> = bus
        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Environment")
        .unwrap();
    assert!(env.iter().all(|entry| entry.contains('=')), "{env:?}");
}

#[test]
fn get_all_with_typed_accessors() {
    let bus = user_bus();
    let props = bus.get_all(SYSTEMD, MANAGER_PATH, MANAGER).unwrap();
    assert!(
        props.len() > 20,
        "the manager has many properties, got {}",
        props.len()
    );
    assert!(!props.is_empty());

    let version: String = bus
        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
        .unwrap();
    assert_eq!(props.get::<&str>("Version").unwrap(), version);
    assert!(props.get::<u32>("NNames").unwrap() > 0);
    assert_eq!(props.value("Version"), Some(&Value::Str(version.clone())));
    let env = props
        .value("Environment")
        .expect("Environment is among the properties");
    assert_eq!(env.signature(), "as");
    let typed_env: Vec<String> = bus
        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Environment")
        .unwrap();
    let items: Vec<&str> = env
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(items, typed_env);

    // Iteration sees every property exactly once.
    assert_eq!(props.iter().count(), props.len());
    assert!(props
        .iter()
        .any(|(name, value)| name == "Version" && value.as_str() == Some(version.as_str())));
    assert_eq!((&props).into_iter().count(), props.len());

    let err = props.get::<u32>("Version").unwrap_err();
    assert_eq!(
        err,
        Error::TypeMismatch {
            expected: "u".into(),
            found: "s".into()
        }
    );
    let err = props.get::<u32>("NoSuchProperty").unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { kind: InvalidKind::Property, value, .. } if value == "NoSuchProperty"),
        "{err:?}"
    );

    let map = props.into_inner();
    assert_eq!(map.get("Version"), Some(&Value::Str(version)));
}

#[test]
fn dynamic_property_value() {
    let bus = user_bus();
    let version = bus
        .get_property_value(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
        .unwrap();
    let typed: String = bus
        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
        .unwrap();
    assert_eq!(version.signature(), "s");
    assert_eq!(
        version.to_string(),
        format!("{typed:?}"),
        "strings display quoted"
    );
    let names = bus
        .get_property_value(SYSTEMD, MANAGER_PATH, MANAGER, "NNames")
        .unwrap();
    assert_eq!(names.signature(), "u");
    assert_eq!(names.to_string(), names.as_u32().unwrap().to_string());
}

/// Restores the manager's log level even if an assertion fails.
struct RestoreLogLevel<'b>(&'b Bus, String);

impl Drop for RestoreLogLevel<'_> {
    fn drop(&mut self) {
        let _ = self
            .0
            .set_property(SYSTEMD, MANAGER_PATH, MANAGER, "LogLevel", self.1.as_str());
    }
}

#[test]
fn set_property_and_read_it_back() {
    let bus = user_bus();
    let old: String = bus
        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "LogLevel")
        .unwrap();
    let restore = RestoreLogLevel(&bus, old.clone());
    let level = |bus: &Bus| -> String {
        bus.get_property(SYSTEMD, MANAGER_PATH, MANAGER, "LogLevel")
            .unwrap()
    };

    bus.set_property(SYSTEMD, MANAGER_PATH, MANAGER, "LogLevel", "debug")
        .unwrap();
    assert_eq!(level(&bus), "debug");
    bus.set_property_value(
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "LogLevel",
        &Value::from("warning"),
    )
    .unwrap();
    assert_eq!(level(&bus), "warning");
    bus.set_property(
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "LogLevel",
        &"notice".to_string(),
    )
    .unwrap();
    assert_eq!(level(&bus), "notice");

    drop(restore);
    assert_eq!(level(&bus), old);
}

#[test]
fn properties_of_a_unit() {
    let bus = user_bus();
    let path = own_unit_path(&bus);
    let props = bus.get_all(SYSTEMD, &path, UNIT).unwrap();
    let id: &str = props.get("Id").unwrap();
    assert!(id.ends_with(".scope"), "the test runs in a scope: {id}");
    assert_eq!(props.get::<&str>("ActiveState").unwrap(), "active");
    assert_eq!(props.get::<&str>("LoadState").unwrap(), "loaded");
    let typed: String = bus.get_property(SYSTEMD, &path, UNIT, "Id").unwrap();
    assert_eq!(typed, id);
}

#[test]
fn property_errors() {
    let bus = user_bus();
    let err = bus
        .get_property::<String>(SYSTEMD, MANAGER_PATH, MANAGER, "NoSuchProperty")
        .unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::UnknownProperty),
        "{err:?}"
    );
    let err = bus
        .get_property_value(SYSTEMD, MANAGER_PATH, MANAGER, "NoSuchProperty")
        .unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::UnknownProperty),
        "{err:?}"
    );

    let err = bus
        .get_property::<u32>(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
        .unwrap_err();
    assert_eq!(
        err,
        Error::TypeMismatch {
            expected: "u".into(),
            found: "s".into()
        }
    );

    for name in ["No-Such", "", "1abc", "a.b", "x\0y"] {
        let err = bus
            .get_property::<String>(SYSTEMD, MANAGER_PATH, MANAGER, name)
            .unwrap_err();
        assert_eq!(err, invalid_property(name), "{name:?}");
        let err = bus
            .get_property_value(SYSTEMD, MANAGER_PATH, MANAGER, name)
            .unwrap_err();
        assert_eq!(err, invalid_property(name), "{name:?}");
        let err = bus
            .set_property(SYSTEMD, MANAGER_PATH, MANAGER, name, &1u32)
            .unwrap_err();
        assert_eq!(err, invalid_property(name), "{name:?}");
    }
    let err = bus
        .get_all(SYSTEMD, MANAGER_PATH, "not an interface")
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::InterfaceName,
                ..
            }
        ),
        "{err:?}"
    );

    let err = bus
        .set_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version", "1")
        .unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::PropertyReadOnly),
        "{err:?}"
    );
    let err = bus
        .set_property_value(SYSTEMD, MANAGER_PATH, MANAGER, "Version", &Value::from("1"))
        .unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::PropertyReadOnly),
        "{err:?}"
    );
    // A value of the wrong type is refused by the manager.
    let err = bus
        .set_property(SYSTEMD, MANAGER_PATH, MANAGER, "LogLevel", &7u32)
        .unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::InvalidArgs),
        "{err:?}"
    );
}

/// The error for a refused property name.
fn invalid_property(name: &str) -> Error {
    Error::Invalid {
        kind: InvalidKind::Property,
        value: name.to_owned(),
        reason: "is not a valid property name",
    }
}

/// A transient service that sleeps, stopped on drop if still there.
struct TransientService<'b> {
    bus: &'b Bus,
    name: String,
}

impl Drop for TransientService<'_> {
    fn drop(&mut self) {
        let _ = self.bus.call_method(
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "StopUnit",
            &(self.name.as_str(), "replace"),
        );
    }
}

fn unique_service_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "sdbus-test-{}-{}.service",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[test]
fn properties_changed_when_a_unit_starts() {
    let bus = user_bus();
    bus.call_method(SYSTEMD, MANAGER_PATH, MANAGER, "Subscribe", &())
        .unwrap();
    let name = unique_service_name();
    let unit_path = sdbus::path::path_encode("/org/freedesktop/systemd1/unit", &name).unwrap();
    let changes = bus
        .subscribe_signal(
            None,
            Some(&unit_path),
            Some(PROPERTIES),
            Some("PropertiesChanged"),
        )
        .unwrap();

    let exec_start = vec![(
        "/bin/sleep".to_string(),
        vec!["/bin/sleep".to_string(), "30".to_string()],
        false,
    )];
    let properties: Vec<(String, Value)> = vec![
        ("ExecStart".into(), Value::from(exec_start)),
        ("Description".into(), Value::from("sdbus properties test")),
    ];
    let aux: Vec<(String, Vec<(String, Value)>)> = Vec::new();
    let service = TransientService {
        bus: &bus,
        name: name.clone(),
    };
    let job: ObjectPath = bus
        .call_method(
            SYSTEMD,
            MANAGER_PATH,
            MANAGER,
            "StartTransientUnit",
            &(name.as_str(), "fail", properties, aux),
        )
        .expect("StartTransientUnit")
        .read()
        .unwrap();
    assert!(job.starts_with("/org/freedesktop/systemd1/job/"), "{job}");

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    let active = loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let Some(signal) = changes.recv_timeout(remaining).unwrap() else {
            panic!("no PropertiesChanged with ActiveState=active within 10 s; saw {seen:?}");
        };
        assert_eq!(signal.path(), Some(unit_path.as_str()));
        let change = PropertiesChanged::from_message(&signal).unwrap();
        seen.push((
            change.interface.clone(),
            change.changed.get("ActiveState").cloned(),
        ));
        if change.interface == UNIT
            && change.changed.get("ActiveState").and_then(Value::as_str) == Some("active")
        {
            break change;
        }
    };
    assert_eq!(
        active.changed.get("SubState").and_then(Value::as_str),
        Some("running"),
        "{active:?}"
    );
    let state: String = bus
        .get_property(SYSTEMD, &unit_path, UNIT, "ActiveState")
        .unwrap();
    assert_eq!(state, "active");
    let id: String = bus.get_property(SYSTEMD, &unit_path, UNIT, "Id").unwrap();
    assert_eq!(id, name);

    bus.call_method(
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "StopUnit",
        &(name.as_str(), "replace"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // Without a reference the transient unit is unloaded once stopped;
        // looked up again by path it reads as inactive.
        match bus.get_property::<String>(SYSTEMD, &unit_path, UNIT, "ActiveState") {
            Ok(state) if state == "inactive" => break,
            Ok(_) => {}
            Err(err) => assert_eq!(
                err.bus_error_kind(),
                Some(BusErrorKind::UnknownObject),
                "{err:?}"
            ),
        }
        assert!(
            Instant::now() < deadline,
            "the unit did not stop within 10 s"
        );
        changes.recv_timeout(Duration::from_millis(100)).unwrap();
    }
    drop(service);
}

#[test]
fn properties_changed_refuses_other_messages() {
    let bus = user_bus();
    let call = bus
        .new_method_call(SYSTEMD, MANAGER_PATH, MANAGER, "GetUnit")
        .unwrap();
    let err = PropertiesChanged::from_message(&call).unwrap_err();
    assert_eq!(
        err,
        Error::Invalid {
            kind: InvalidKind::Message,
            value: format!("{MANAGER}.GetUnit"),
            reason: "is not a PropertiesChanged signal",
        }
    );
}
