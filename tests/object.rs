//! Dynamic objects against the sandbox's manager: interfaces by short
//! name, methods called with `Value`s coerced to the introspected
//! signatures (including `a(sv)` and structs inside variants), properties
//! read and written, typed errors before anything is sent, and the
//! introspection cache shared between units of one type.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use sdbus::names::ObjectPath;
use sdbus::object::{IntrospectionCache, Object};
use sdbus::path::path_encode;
use sdbus::types::Array;
use sdbus::{Bus, Error, InvalidKind, Value};

const UNIT_PREFIX: &str = "/org/freedesktop/systemd1/unit";

/// A unit name unique to this test run.
fn unique_name(what: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("sdbus-object-{what}-{}-{n}.service", std::process::id())
}

fn manager(bus: &Bus) -> Object<'_> {
    Object::new(bus, SYSTEMD, MANAGER_PATH).expect("valid names")
}

/// The kind, value and reason of an `Error::Invalid`.
fn invalid(result: sdbus::Result<impl std::fmt::Debug>) -> (InvalidKind, String, &'static str) {
    match result {
        Err(Error::Invalid {
            kind,
            value,
            reason,
        }) => (kind, value, reason),
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
}

/// Waits until `unit`'s `ActiveState` is `state`.
fn wait_for_state(unit: &Object<'_>, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let current = unit.interface("Unit").unwrap().get("ActiveState").unwrap();
        if current.as_str() == Some(state) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} stayed {current}, not {state}",
            unit.path()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn version_matches_the_typed_property() {
    let bus = user_bus();
    let typed: String = bus
        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")
        .unwrap();
    let manager = manager(&bus);
    let dynamic = manager
        .interface("Manager")
        .unwrap()
        .get("Version")
        .unwrap();
    assert_eq!(dynamic, Value::Str(typed.clone()));
    // By full name too, and through Properties.Get called dynamically.
    let full = manager.interface(MANAGER).unwrap().get("Version").unwrap();
    assert_eq!(full, dynamic);
    let reply = manager
        .interface("Properties")
        .unwrap()
        .call("Get", &[MANAGER.into(), "Version".into()])
        .unwrap();
    assert_eq!(reply, [Value::Variant(Box::new(Value::Str(typed)))]);
    let all = manager.interface("Manager").unwrap().get_all().unwrap();
    assert_eq!(all.value("Version"), Some(&dynamic));
}

#[test]
fn interfaces_by_full_short_and_standard_names() {
    let bus = user_bus();
    let manager = manager(&bus);
    let names: Vec<&str> = manager
        .interfaces()
        .unwrap()
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert!(names.contains(&MANAGER), "{names:?}");
    for (short, full) in [
        ("Manager", MANAGER),
        ("Properties", "org.freedesktop.DBus.Properties"),
        ("Peer", "org.freedesktop.DBus.Peer"),
        ("Introspectable", "org.freedesktop.DBus.Introspectable"),
        ("org.freedesktop.DBus.Peer", "org.freedesktop.DBus.Peer"),
    ] {
        assert_eq!(manager.interface(short).unwrap().name(), full, "{short}");
    }
    // By its last element, when not under the destination's prefix.
    let log_control = Object::new(&bus, SYSTEMD, "/org/freedesktop/LogControl1").unwrap();
    let log_control = log_control.interface("LogControl1").unwrap();
    assert_eq!(log_control.name(), "org.freedesktop.LogControl1");
    // (Another test changes the level meanwhile: only its type is stable.)
    assert!(log_control.get("LogLevel").unwrap().as_str().is_some());
    assert!(manager
        .interface("Peer")
        .unwrap()
        .call("Ping", &[])
        .unwrap()
        .is_empty());
    let xml = manager
        .interface("Introspectable")
        .unwrap()
        .call("Introspect", &[])
        .unwrap();
    assert!(xml[0].as_str().unwrap().contains(MANAGER));

    let (kind, value, reason) = invalid(manager.interface("Service"));
    assert_eq!(kind, InvalidKind::InterfaceName);
    assert!(value.starts_with("Service"), "{value}");
    assert_eq!(reason, "is not an interface of the object");

    // Bad names are refused without I/O; a missing service fails on use.
    assert!(Object::new(&bus, "not a name", MANAGER_PATH).is_err());
    assert!(Object::new(&bus, SYSTEMD, "no/path").is_err());
    let nobody = Object::new(&bus, "org.example.Nobody", "/").unwrap();
    assert!(matches!(nobody.load(), Err(Error::Bus(_))));
    assert!(matches!(nobody.interface("Peer"), Err(Error::Bus(_))));
}

#[test]
fn get_unit_by_pid_with_coerced_arguments() {
    let bus = user_bus();
    let pid = std::process::id();
    let typed: ObjectPath = bus
        .call_method(SYSTEMD, MANAGER_PATH, MANAGER, "GetUnitByPID", &(pid,))
        .unwrap()
        .read()
        .unwrap();
    let manager = manager(&bus);
    let manager = manager.interface("Manager").unwrap();
    let expected = [Value::ObjectPath(typed)];
    for arg in [
        Value::UInt32(pid),
        Value::Int32(i32::try_from(pid).unwrap()),
        Value::UInt64(pid.into()),
        Value::Variant(Box::new(Value::Int64(pid.into()))),
    ] {
        let shown = arg.to_string();
        assert_eq!(
            manager.call("GetUnitByPID", &[arg]).unwrap(),
            expected,
            "{shown}"
        );
    }

    // A value that does not fit: named with the method, its signature and
    // the value, before anything is sent.
    let (kind, value, reason) = invalid(manager.call("GetUnitByPID", &[Value::Int32(-5)]));
    assert_eq!(kind, InvalidKind::Argument);
    assert_eq!(value, "GetUnitByPID(u) argument 1 of type u: -5");
    assert_eq!(reason, "is out of range for a uint32 (u)");
    let (kind, value, reason) = invalid(manager.call("GetUnitByPID", &["1".into()]));
    assert_eq!(kind, InvalidKind::Argument);
    assert_eq!(value, "GetUnitByPID(u) argument 1 of type u: \"1\"");
    assert_eq!(reason, "cannot be converted to a uint32 (u)");

    // Wrong argument counts.
    let (kind, value, reason) = invalid(manager.call("GetUnitByPID", &[]));
    assert_eq!(kind, InvalidKind::Argument);
    assert_eq!(value, "GetUnitByPID(u) takes 1 argument, given 0");
    assert_eq!(reason, "wrong number of arguments");
    let (_, value, _) = invalid(manager.call("GetUnitByPID", &[1u32.into(), 2u32.into()]));
    assert_eq!(value, "GetUnitByPID(u) takes 1 argument, given 2");
    let (_, value, _) = invalid(manager.call("GetUnit", &[]));
    assert_eq!(value, "GetUnit(s) takes 1 argument, given 0");

    // Unknown methods and properties.
    let (kind, value, _) = invalid(manager.call("NoSuchMethod", &[]));
    assert_eq!(kind, InvalidKind::MemberName);
    assert_eq!(value, format!("{MANAGER}.NoSuchMethod"));
    let (kind, value, reason) = invalid(manager.get("NoSuchProperty"));
    assert_eq!(kind, InvalidKind::Property);
    assert_eq!(value, format!("{MANAGER}.NoSuchProperty"));
    assert_eq!(reason, "is not a property of the interface");

    // A peer's refusal stays the peer's error.
    let err = manager.call("GetUnitByPID", &[Value::UInt32(u32::MAX)]);
    assert!(matches!(err, Err(Error::Bus(_))), "{err:?}");
}

#[test]
fn set_a_writable_property_and_read_it_back() {
    let bus = user_bus();
    let manager = manager(&bus);
    let manager = manager.interface("Manager").unwrap();
    let original = manager.get("LogLevel").unwrap();
    let original = original.as_str().unwrap().to_owned();
    let level = if original == "debug" { "info" } else { "debug" };

    manager.set("LogLevel", level).unwrap();
    assert_eq!(manager.get("LogLevel").unwrap(), Value::from(level));
    let typed: String = bus
        .get_property(SYSTEMD, MANAGER_PATH, MANAGER, "LogLevel")
        .unwrap();
    assert_eq!(typed, level);
    // Inside a variant, as from a `GetAll` result.
    manager
        .set(
            "LogLevel",
            Value::Variant(Box::new(original.as_str().into())),
        )
        .unwrap();
    assert_eq!(
        manager.get("LogLevel").unwrap(),
        Value::from(original.as_str())
    );

    // Errors, before any call.
    let (kind, value, reason) = invalid(manager.set("LogLevel", 5u32));
    assert_eq!(kind, InvalidKind::Property);
    assert_eq!(value, format!("{MANAGER}.LogLevel (s): 5"));
    assert_eq!(reason, "cannot be converted to a string (s)");
    let (kind, value, reason) = invalid(manager.set("Version", "1"));
    assert_eq!(kind, InvalidKind::Property);
    assert_eq!(value, format!("{MANAGER}.Version"));
    assert_eq!(reason, "is read-only");
    assert_eq!(
        manager.get("LogLevel").unwrap(),
        Value::from(original.as_str())
    );
}

#[test]
fn transient_unit_through_a_sv_arguments() {
    let bus = user_bus();
    let name = unique_name("sleep");
    let manager_object = manager(&bus);
    let manager = manager_object.interface("Manager").unwrap();

    // StartTransientUnit(ssa(sv)a(sa(sv))), every argument a `Value`: the
    // properties an `a(sv)` array of structs holding variants, ExecStart an
    // `a(sasb)` of structs inside its variant, the auxiliary units an empty
    // `av` that is coerced to `a(sa(sv))`.
    let exec_start = Value::from(vec![(
        "/bin/sleep".to_owned(),
        vec!["/bin/sleep".to_owned(), "30".to_owned()],
        false,
    )]);
    assert_eq!(exec_start.signature(), "a(sasb)");
    let properties = Array::new(
        "(sv)",
        vec![
            Value::Struct(vec![
                "Description".into(),
                Value::Variant(Box::new("dynamic test".into())),
            ]),
            Value::Struct(vec![
                "ExecStart".into(),
                Value::Variant(Box::new(exec_start)),
            ]),
        ],
    )
    .unwrap();
    let reply = manager
        .call(
            "StartTransientUnit",
            &[
                name.as_str().into(),
                "fail".into(),
                properties.into(),
                Value::from(Vec::<Value>::new()),
            ],
        )
        .unwrap();
    assert!(reply[0].as_object_path().is_some(), "a job: {reply:?}");

    let path = manager.call("GetUnit", &[name.as_str().into()]).unwrap();
    let path = path[0].as_object_path().expect("GetUnit returns a path");
    assert_eq!(*path, path_encode(UNIT_PREFIX, &name).unwrap());
    let unit = Object::new(&bus, SYSTEMD, path).unwrap();
    wait_for_state(&unit, "active");
    let main_pid = unit.interface("Service").unwrap().get("MainPID").unwrap();
    assert!(main_pid.as_u32().is_some_and(|pid| pid > 0), "{main_pid}");
    assert_eq!(
        unit.interface("Unit").unwrap().get("Description").unwrap(),
        Value::from("dynamic test")
    );

    // SetUnitProperties(sba(sv)), the array from a list of (String, Value)
    // tuples, whose `Value`s become the variants.
    let changes = Value::from(vec![("Description".to_owned(), Value::from("changed"))]);
    assert_eq!(changes.signature(), "a(sv)");
    manager
        .call(
            "SetUnitProperties",
            &[name.as_str().into(), true.into(), changes],
        )
        .unwrap();
    assert_eq!(
        unit.interface("Unit").unwrap().get("Description").unwrap(),
        Value::from("changed")
    );
    // A loosely typed list of structs works too: `av` coerced to `a(sv)`.
    let loose = Value::from(vec![Value::Struct(vec![
        "Description".into(),
        Value::Variant(Box::new("changed again".into())),
    ])]);
    assert_eq!(loose.signature(), "av");
    manager
        .call(
            "SetUnitProperties",
            &[name.as_str().into(), true.into(), loose],
        )
        .unwrap();
    assert_eq!(
        unit.interface("Unit").unwrap().get("Description").unwrap(),
        Value::from("changed again")
    );

    // An element that does not fit is named within its argument.
    let bad = Value::from(vec![Value::Struct(vec!["Description".into()])]);
    let (kind, value, reason) = invalid(manager.call(
        "SetUnitProperties",
        &[name.as_str().into(), true.into(), bad],
    ));
    assert_eq!(kind, InvalidKind::Argument);
    assert_eq!(
        value,
        "SetUnitProperties(sba(sv)) argument 3 of type a(sv): [<(\"Description\",)>], at (\"Description\",)"
    );
    assert_eq!(
        reason,
        "has a different number of fields than the target struct"
    );

    // Stop it through the unit's own interface.
    unit.interface("Unit")
        .unwrap()
        .call("Stop", &["replace".into()])
        .unwrap();
    wait_for_state(&unit, "inactive");
}

/// Starts `count` transient oneshot services that stay active without a
/// process, and returns their object paths.
fn start_oneshots(bus: &Bus, count: usize) -> Vec<ObjectPath> {
    let props = vec![
        ("Type".to_owned(), Value::from("oneshot")),
        ("RemainAfterExit".to_owned(), Value::from(true)),
        (
            "ExecStart".to_owned(),
            Value::from(vec![("/bin/true", vec!["/bin/true"], false)]),
        ),
    ];
    let aux: Vec<(String, Vec<(String, Value)>)> = Vec::new();
    (0..count)
        .map(|_| {
            let name = unique_name("cache");
            bus.call_method(
                SYSTEMD,
                MANAGER_PATH,
                MANAGER,
                "StartTransientUnit",
                &(name.as_str(), "replace", &props, &aux),
            )
            .expect("StartTransientUnit");
            path_encode(UNIT_PREFIX, &name).unwrap()
        })
        .collect()
}

fn load_all(bus: &Bus, paths: &[ObjectPath], cache: &Arc<IntrospectionCache>) {
    for path in paths {
        let unit = Object::with_cache(bus, SYSTEMD, path, Arc::clone(cache)).unwrap();
        unit.load().unwrap();
        assert!(unit.interface("Service").is_ok(), "{path}");
    }
}

#[test]
fn the_cache_shares_introspection_between_units_of_a_type() {
    const UNITS: usize = 200;
    let bus = user_bus();
    let paths = start_oneshots(&bus, UNITS);

    let shared = Arc::new(IntrospectionCache::new());
    load_all(&bus, &paths, &shared);
    assert_eq!(
        shared.introspections(),
        1,
        "one introspection for {UNITS} services"
    );
    let per_path = Arc::new(IntrospectionCache::per_path());
    load_all(&bus, &paths, &per_path);
    assert_eq!(
        per_path.introspections(),
        UNITS as u64,
        "one introspection per path without kinds"
    );
    // Loading the same paths again costs nothing in either.
    load_all(&bus, &paths, &per_path);
    assert_eq!(per_path.introspections(), UNITS as u64);

    // Interface definitions are shared, even between different kinds: the
    // test's own scope is introspected on its own, but its `Unit` is the
    // services' one.
    let service = Object::with_cache(&bus, SYSTEMD, &paths[0], Arc::clone(&shared)).unwrap();
    let own_scope: ObjectPath = bus
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
    let scope = Object::with_cache(&bus, SYSTEMD, &own_scope, Arc::clone(&shared)).unwrap();
    assert!(scope.interface("Scope").is_ok());
    assert!(scope.interface("Service").is_err());
    assert_eq!(shared.introspections(), 2, "a scope is another kind");
    let unit_of = |object: &Object<'_>| {
        Arc::clone(
            object
                .interfaces()
                .unwrap()
                .iter()
                .find(|i| i.name == UNIT)
                .unwrap(),
        )
    };
    assert!(Arc::ptr_eq(&unit_of(&service), &unit_of(&scope)));
    // Each object still reads its own properties.
    let id = |object: &Object<'_>| object.interface("Unit").unwrap().get("Id").unwrap();
    assert_eq!(id(&scope), Value::from(own_scope_name(&own_scope)));
    assert_ne!(id(&service), id(&scope));

    shared.clear();
    Object::with_cache(&bus, SYSTEMD, &paths[1], Arc::clone(&shared))
        .unwrap()
        .load()
        .unwrap();
    assert_eq!(
        shared.introspections(),
        3,
        "cleared caches introspect again"
    );
}

fn own_scope_name(path: &ObjectPath) -> String {
    sdbus::path::path_decode(path, UNIT_PREFIX)
        .unwrap()
        .expect("a unit path")
}
