//! Serving objects: each test runs a server on its own thread with its own
//! connection to the sandbox's bus, and calls it with this crate, `busctl`,
//! or both.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;
use std::io::{Read as _, Write as _};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use sdbus::introspect::{Access, EmitsChange, Node};
use sdbus::names::{ObjectPath, Signature};
use sdbus::server::{Interface, MemberFlags, ReleaseNameReply, RequestNameFlags, RequestNameReply};
use sdbus::{
    AppendArgs, Bus, BusError, BusErrorKind, Error, InvalidKind, Message, PropertiesChanged,
    ReadArgs, SignatureBuf, Slot, Value, Variant,
};

use common::{user_bus, MANAGER, MANAGER_PATH, SYSTEMD, UNIT};

const CALC: &str = "com.example.Calculator";
const CALC_PATH: &str = "/com/example/calc";
const LEGACY: &str = "com.example.Legacy";
const REENTRANT: &str = "com.example.Reentrant";
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";
const OBJECT_MANAGER: &str = "org.freedesktop.DBus.ObjectManager";
const TIMEOUT: Duration = Duration::from_secs(10);

/// A server on its own thread: its own connection, the objects `setup`
/// serves, and the well-known name `name`, processed until dropped.
struct Server {
    unique_name: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start<F>(name: &'static str, setup: F) -> Server
    where
        F: for<'b> FnOnce(&'b Bus) -> Vec<Slot<'b>> + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let server_stop = Arc::clone(&stop);
        let (ready, started) = mpsc::channel();
        let thread = thread::spawn(move || {
            let bus = Bus::open_user().expect("the server's connection");
            let _slots = setup(&bus);
            let reply = bus
                .request_name(name, RequestNameFlags::empty())
                .expect("RequestName");
            assert_eq!(reply, RequestNameReply::PrimaryOwner, "{name}");
            ready
                .send(bus.unique_name().expect("a unique name").to_owned())
                .expect("the test waits");
            bus.run_until(|| server_stop.load(Ordering::Relaxed))
                .expect("serving");
        });
        let unique_name = started
            .recv_timeout(Duration::from_secs(30))
            .expect("the server did not start");
        Server {
            unique_name,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let joined = thread.join();
            if !thread::panicking() {
                joined.expect("the server thread panicked");
            }
        }
    }
}

/// The calculator's state, shared by its handlers.
#[derive(Default)]
struct Calculator {
    total: AtomicI32,
    log: Mutex<Vec<String>>,
    precision: AtomicU32,
    mode: Mutex<String>,
    served: AtomicU32,
}

fn calculator(state: Arc<Calculator>) -> Interface {
    let (add, total, log, get_precision, set_precision, get_mode, set_mode, reset) = (
        Arc::clone(&state),
        Arc::clone(&state),
        Arc::clone(&state),
        Arc::clone(&state),
        Arc::clone(&state),
        Arc::clone(&state),
        Arc::clone(&state),
        Arc::clone(&state),
    );
    Interface::new(CALC)
        .method("Add", move |request, (a, b): (i32, i32)| {
            let sum = a.checked_add(b).ok_or_else(|| {
                BusError::new(
                    "com.example.Calculator.Overflow",
                    format!("{a} + {b} overflows"),
                )
            })?;
            add.total.fetch_add(sum, Ordering::Relaxed);
            add.log.lock().unwrap().push(format!("{a} + {b} = {sum}"));
            add.served.fetch_add(1, Ordering::Relaxed);
            let bus = request.bus();
            bus.emit_signal(
                request.path(),
                CALC,
                "Computed",
                &(format!("{a} + {b}"), sum),
            )?;
            bus.emit_properties_changed(request.path(), CALC, &["Total", "Log"])?;
            Ok((sum,))
        })
        .arg_names(["a", "b", "sum"])
        .flags(MemberFlags::UNPRIVILEGED)
        .method("Div", |_, (a, b): (i32, i32)| {
            if b == 0 {
                return Err(BusError::new(
                    "com.example.Calculator.DivisionByZero",
                    format!("cannot divide {a} by zero"),
                ));
            }
            Ok((a / b, a % b))
        })
        .method(
            "Fail",
            |_, (name, message): (String, String)| -> Result<(), BusError> {
                Err(BusError::new(name, message))
            },
        )
        .method("Panic", |_, (): ()| -> Result<(), BusError> {
            panic!("deliberate panic in a handler")
        })
        .method("WhoAmI", |request, (): ()| {
            let creds = request.credentials()?;
            Ok((
                request.sender().unwrap_or_default().to_owned(),
                creds.pid().unwrap_or(-1) as u32,
                creds.euid().unwrap_or(u32::MAX),
            ))
        })
        .method_dynamic(
            "EchoVariant",
            "v",
            "v",
            |request, reply: &mut Message<'_>| {
                reply.append_from(request.message(), true)?;
                Ok(())
            },
        )
        .method("Reset", move |request, (): ()| {
            reset.total.store(0, Ordering::Relaxed);
            request
                .bus()
                .emit_signal(request.path(), CALC, "Cleared", &())?;
            Ok(())
        })
        .flags(MemberFlags::DEPRECATED | MemberFlags::NO_REPLY)
        .method("Internal", |_, (): ()| {
            Ok(("hidden but callable".to_owned(),))
        })
        .flags(MemberFlags::HIDDEN)
        .property_ro("Total", move |_| Ok(total.total.load(Ordering::Relaxed)))
        .flags(MemberFlags::EMITS_CHANGE)
        .property_ro("Log", move |_| Ok(log.log.lock().unwrap().clone()))
        .flags(MemberFlags::EMITS_INVALIDATION)
        .property_ro("Model", |_| Ok("HP-12C".to_owned()))
        .flags(MemberFlags::CONST)
        .property_rw(
            "Precision",
            move |_| Ok(get_precision.precision.load(Ordering::Relaxed)),
            move |_, precision: u32| {
                if precision > 10 {
                    return Err(BusError::new(
                        "org.freedesktop.DBus.Error.InvalidArgs",
                        format!("precision {precision} is above 10"),
                    ));
                }
                set_precision.precision.store(precision, Ordering::Relaxed);
                Ok(())
            },
        )
        .flags(MemberFlags::EMITS_CHANGE)
        .property_ro("Secret", |_| Ok("42".to_owned()))
        .flags(MemberFlags::EXPLICIT)
        .property_rw(
            "Mode",
            move |_| Ok(get_mode.mode.lock().unwrap().clone()),
            move |_, mode: String| {
                *set_mode.mode.lock().unwrap() = mode;
                Ok(())
            },
        )
        .signal::<(String, i32)>("Computed")
        .arg_names(["expression", "result"])
        .signal::<()>("Cleared")
}

/// The calculator object: `com.example.Calculator`, plus a deprecated
/// interface and one whose getter re-enters itself.
fn calculator_server(name: &'static str, state: Arc<Calculator>) -> Server {
    Server::start(name, move |bus| {
        let legacy = Interface::new(LEGACY)
            .interface_flags(MemberFlags::DEPRECATED)
            .method("Ping", |_, (): ()| Ok(()));
        let reentrant = Interface::new(REENTRANT)
            .property_ro("Itself", |context| {
                // Announcing this property runs this very getter again.
                context.bus().emit_properties_changed(
                    context.path(),
                    context.interface(),
                    &[context.property()],
                )?;
                Ok(1u32)
            })
            .flags(MemberFlags::EMITS_CHANGE);
        vec![
            bus.serve(CALC_PATH, calculator(state))
                .expect("serve the calculator"),
            bus.serve(CALC_PATH, legacy)
                .expect("serve the legacy interface"),
            bus.serve(CALC_PATH, reentrant)
                .expect("serve the re-entrant interface"),
        ]
    })
}

fn busctl(args: &[&str]) -> String {
    let output = Command::new("busctl")
        .arg("--user")
        .args(args)
        .output()
        .expect("run busctl");
    assert!(
        output.status.success(),
        "busctl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("busctl prints UTF-8")
}

type Annotations<'a> = &'a [(&'a str, &'a str)];
/// A property as registered: name, signature, access, emission, annotations.
type PropertySpec<'a> = (
    &'a str,
    &'a str,
    Access,
    EmitsChange,
    Vec<(&'a str, &'a str)>,
);

fn annotations(list: &[sdbus::introspect::Annotation]) -> Vec<(String, String)> {
    list.iter()
        .map(|a| (a.name.clone(), a.value.clone()))
        .collect()
}

fn owned(list: Annotations<'_>) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Checks the introspected calculator against what `calculator` registers.
fn check_calculator_introspection(node: &Node) {
    let calc = node.interface(CALC).expect("the calculator interface");
    let deprecated: Annotations<'_> = &[("org.freedesktop.DBus.Deprecated", "true")];
    let methods: &[(&str, &str, &str, &[&str], Annotations<'_>)] = &[
        ("Add", "ii", "i", &["a", "b", "sum"], &[]),
        ("Div", "ii", "ii", &[], &[]),
        ("Fail", "ss", "", &[], &[]),
        ("Panic", "", "", &[], &[]),
        ("WhoAmI", "", "suu", &[], &[]),
        ("EchoVariant", "v", "v", &[], &[]),
        (
            "Reset",
            "",
            "",
            &[],
            &[
                ("org.freedesktop.DBus.Deprecated", "true"),
                ("org.freedesktop.DBus.Method.NoReply", "true"),
            ],
        ),
    ];
    assert_eq!(calc.methods.len(), methods.len(), "{:#?}", calc.methods);
    for (name, input, output, names, notes) in methods {
        let method = calc.method(name).unwrap_or_else(|| panic!("method {name}"));
        assert_eq!(method.in_signature(), *input, "{name}");
        assert_eq!(method.out_signature(), *output, "{name}");
        let arg_names: Vec<Option<String>> = method.args.iter().map(|a| a.name.clone()).collect();
        if names.is_empty() {
            assert!(
                arg_names.iter().all(Option::is_none),
                "{name}: {arg_names:?}"
            );
        } else {
            let expected: Vec<Option<String>> = names.iter().map(|n| Some(n.to_string())).collect();
            assert_eq!(arg_names, expected, "{name}");
        }
        assert_eq!(annotations(&method.annotations), owned(notes), "{name}");
    }
    assert!(
        calc.method("Internal").is_none(),
        "hidden methods are not introspected"
    );

    let emits = |value: &'static str| -> Vec<(&'static str, &'static str)> {
        vec![("org.freedesktop.DBus.Property.EmitsChangedSignal", value)]
    };
    let properties: Vec<PropertySpec<'_>> = vec![
        ("Total", "i", Access::Read, EmitsChange::True, vec![]),
        (
            "Log",
            "as",
            Access::Read,
            EmitsChange::Invalidates,
            emits("invalidates"),
        ),
        (
            "Model",
            "s",
            Access::Read,
            EmitsChange::Const,
            emits("const"),
        ),
        (
            "Precision",
            "u",
            Access::ReadWrite,
            EmitsChange::True,
            vec![],
        ),
        (
            "Secret",
            "s",
            Access::Read,
            EmitsChange::False,
            vec![
                ("org.freedesktop.systemd1.Explicit", "true"),
                ("org.freedesktop.DBus.Property.EmitsChangedSignal", "false"),
            ],
        ),
        (
            "Mode",
            "s",
            Access::ReadWrite,
            EmitsChange::False,
            emits("false"),
        ),
    ];
    assert_eq!(
        calc.properties.len(),
        properties.len(),
        "{:#?}",
        calc.properties
    );
    for (name, signature, access, emits_change, notes) in &properties {
        let property = calc
            .property(name)
            .unwrap_or_else(|| panic!("property {name}"));
        assert_eq!(property.signature, *signature, "{name}");
        assert_eq!(property.access, *access, "{name}");
        assert_eq!(property.emits_change(), *emits_change, "{name}");
        assert_eq!(annotations(&property.annotations), owned(notes), "{name}");
    }

    assert_eq!(calc.signals.len(), 2);
    let computed = calc.signal("Computed").expect("the Computed signal");
    assert_eq!(computed.signature(), "si");
    let names: Vec<Option<&str>> = computed.args.iter().map(|a| a.name.as_deref()).collect();
    assert_eq!(names, [Some("expression"), Some("result")]);
    assert_eq!(calc.signal("Cleared").expect("Cleared").signature(), "");
    assert!(calc.annotations.is_empty());

    let legacy = node.interface(LEGACY).expect("the legacy interface");
    assert_eq!(annotations(&legacy.annotations), owned(deprecated));
    assert_eq!(legacy.methods.len(), 1);
    for standard in [
        PROPERTIES,
        "org.freedesktop.DBus.Introspectable",
        "org.freedesktop.DBus.Peer",
    ] {
        assert!(node.interface(standard).is_some(), "{standard}");
    }
}

#[test]
fn calculator_serves_sdbus_and_busctl_clients() {
    let state = Arc::new(Calculator::default());
    let _server = calculator_server(CALC, Arc::clone(&state));
    let client = user_bus();

    let reply = client
        .call_method(CALC, CALC_PATH, CALC, "Add", &(2i32, 3i32))
        .expect("Add");
    assert_eq!(reply.signature(), "i");
    assert_eq!(reply.read::<i32>().unwrap(), 5);
    let (quotient, remainder): (i32, i32) = client
        .call_method(CALC, CALC_PATH, CALC, "Div", &(17i32, 5i32))
        .unwrap()
        .read_args()
        .unwrap();
    assert_eq!((quotient, remainder), (3, 2));

    // busctl, as the issue asks.
    let out = busctl(&["call", CALC, CALC_PATH, CALC, "Add", "ii", "2", "3"]);
    assert_eq!(out.trim(), "i 5");
    let out = busctl(&["call", CALC, CALC_PATH, CALC, "Internal"]);
    assert_eq!(out.trim(), "s \"hidden but callable\"");
    busctl(&["set-property", CALC, CALC_PATH, CALC, "Precision", "u", "7"]);
    assert_eq!(
        busctl(&["get-property", CALC, CALC_PATH, CALC, "Precision"]).trim(),
        "u 7"
    );
    assert_eq!(state.precision.load(Ordering::Relaxed), 7);
    assert_eq!(
        busctl(&["get-property", CALC, CALC_PATH, CALC, "Total"]).trim(),
        "i 10"
    );
    let log: Vec<String> = client.get_property(CALC, CALC_PATH, CALC, "Log").unwrap();
    assert_eq!(log, ["2 + 3 = 5", "2 + 3 = 5"]);

    // Introspection, by busctl and by this crate, is exactly what was
    // registered.
    let xml = busctl(&["introspect", "--xml-interface", CALC, CALC_PATH]);
    let from_busctl = Node::parse(&xml).expect("busctl's XML parses");
    check_calculator_introspection(&from_busctl);
    let from_sdbus = client.introspect(CALC, CALC_PATH).expect("Introspect");
    assert_eq!(from_sdbus, from_busctl);
    let listing = busctl(&["introspect", CALC, CALC_PATH, CALC]);
    assert!(listing.contains(".Add"), "{listing}");
    assert!(listing.contains("property  i"), "{listing}");

    // GetAll leaves the explicit property out; Get reads it.
    let all = client.get_all(CALC, CALC_PATH, CALC).unwrap();
    let mut names: Vec<&str> = all.iter().map(|(name, _)| name).collect();
    names.sort_unstable();
    assert_eq!(names, ["Log", "Mode", "Model", "Precision", "Total"]);
    let secret: String = client
        .get_property(CALC, CALC_PATH, CALC, "Secret")
        .unwrap();
    assert_eq!(secret, "42");
    assert_eq!(
        client
            .call_method(CALC, CALC_PATH, LEGACY, "Ping", &())
            .unwrap()
            .signature(),
        ""
    );
}

#[test]
fn errors_and_panics_reach_the_caller_and_the_server_keeps_serving() {
    const NAME: &str = "com.example.Calculator.Errors";
    let state = Arc::new(Calculator::default());
    let _server = calculator_server(NAME, Arc::clone(&state));
    let client = user_bus();
    let call = |member: &str, args: &dyn Fn(&mut Message<'_>) -> sdbus::Result<()>| {
        let mut call = client.new_method_call(NAME, CALC_PATH, CALC, member)?;
        args(&mut call)?;
        client.call(&call, Some(TIMEOUT)).map(|_| ())
    };

    let err = client
        .call_method(NAME, CALC_PATH, CALC, "Div", &(7i32, 0i32))
        .unwrap_err();
    let bus_error = err.bus_error().expect("a D-Bus error");
    assert_eq!(bus_error.name(), "com.example.Calculator.DivisionByZero");
    assert_eq!(bus_error.message(), "cannot divide 7 by zero");

    let err = client
        .call_method(NAME, CALC_PATH, CALC, "Add", &(i32::MAX, 1i32))
        .unwrap_err();
    assert_eq!(
        err.bus_error().unwrap().name(),
        "com.example.Calculator.Overflow"
    );
    assert_eq!(
        err.bus_error().unwrap().message(),
        "2147483647 + 1 overflows"
    );

    let err = client
        .call_method(
            NAME,
            CALC_PATH,
            CALC,
            "Fail",
            &("com.example.Nope", "with a message"),
        )
        .unwrap_err();
    assert_eq!(err.bus_error().unwrap().name(), "com.example.Nope");
    assert_eq!(err.bus_error().unwrap().message(), "with a message");
    // A well-known name keeps its meaning.
    let err = client
        .call_method(
            NAME,
            CALC_PATH,
            CALC,
            "Fail",
            &("org.freedesktop.DBus.Error.AccessDenied", "no"),
        )
        .unwrap_err();
    assert_eq!(err.bus_error_kind(), Some(BusErrorKind::AccessDenied));
    // An invalid error name cannot be sent: the caller gets Failed, saying so.
    let err = client
        .call_method(
            NAME,
            CALC_PATH,
            CALC,
            "Fail",
            &("not an error name", "text"),
        )
        .unwrap_err();
    assert_eq!(err.bus_error_kind(), Some(BusErrorKind::Failed));
    assert!(
        err.bus_error()
            .unwrap()
            .message()
            .contains("\"not an error name\""),
        "{err}"
    );

    // Arguments that do not match the signature never reach the handler.
    let err = call("Add", &|m| m.append("two").map(drop)).unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::InvalidArgs),
        "{err}"
    );
    let err = client
        .call_method(NAME, CALC_PATH, CALC, "Nope", &())
        .unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::UnknownMethod),
        "{err}"
    );

    // A panic: Failed, reported, and the server goes on.
    let panics = sdbus::server::handler_panics();
    for _ in 0..2 {
        let err = client
            .call_method(NAME, CALC_PATH, CALC, "Panic", &())
            .unwrap_err();
        let bus_error = err.bus_error().expect("a D-Bus error");
        assert_eq!(bus_error.kind(), BusErrorKind::Failed);
        assert_eq!(
            bus_error.message(),
            format!("the method handler of {CALC}.Panic at {CALC_PATH} panicked")
        );
        let sum: i32 = client
            .call_method(NAME, CALC_PATH, CALC, "Add", &(20i32, 22i32))
            .unwrap()
            .read()
            .unwrap();
        assert_eq!(sum, 42);
    }
    assert!(sdbus::server::handler_panics() >= panics + 2);

    // Setters refuse values with their own errors; read-only properties
    // are refused by sd-bus.
    let err = client
        .set_property(NAME, CALC_PATH, CALC, "Precision", &11u32)
        .unwrap_err();
    assert_eq!(err.bus_error_kind(), Some(BusErrorKind::InvalidArgs));
    assert_eq!(
        err.bus_error().unwrap().message(),
        "precision 11 is above 10"
    );
    let err = client
        .set_property(NAME, CALC_PATH, CALC, "Total", &1i32)
        .unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::PropertyReadOnly),
        "{err}"
    );
    let err = client
        .set_property(NAME, CALC_PATH, CALC, "Precision", &"seven")
        .unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::InvalidArgs),
        "{err}"
    );

    // A getter that ends up calling itself is refused instead of running
    // twice at once; the server is fine afterwards.
    let err = client
        .get_property::<u32>(NAME, CALC_PATH, REENTRANT, "Itself")
        .unwrap_err();
    assert!(err.bus_error().is_some(), "{err}");
    assert_eq!(
        client
            .get_property::<i32>(NAME, CALC_PATH, CALC, "Total")
            .unwrap(),
        84
    );
}

#[test]
fn requests_know_their_caller() {
    const NAME: &str = "com.example.Calculator.Creds";
    let _server = calculator_server(NAME, Arc::default());
    let client = user_bus();
    let (sender, pid, uid): (String, u32, u32) = client
        .call_method(NAME, CALC_PATH, CALC, "WhoAmI", &())
        .unwrap()
        .read_args()
        .unwrap();
    assert_eq!(sender, client.unique_name().unwrap());
    assert_eq!(pid, std::process::id());
    // SAFETY: getuid has no preconditions.
    assert_eq!(uid, unsafe { libc::geteuid() });
}

#[test]
fn property_changes_and_signals_reach_subscribers() {
    const NAME: &str = "com.example.Calculator.Signals";
    let state = Arc::new(Calculator::default());
    let server = calculator_server(NAME, Arc::clone(&state));
    let client = user_bus();
    let sender = Some(server.unique_name.as_str());
    let changes = client
        .subscribe_signal(
            sender,
            Some(CALC_PATH),
            Some(PROPERTIES),
            Some("PropertiesChanged"),
        )
        .unwrap();
    let computed = client
        .subscribe_signal(sender, Some(CALC_PATH), Some(CALC), Some("Computed"))
        .unwrap();
    let cleared = client
        .subscribe_signal(sender, Some(CALC_PATH), Some(CALC), Some("Cleared"))
        .unwrap();

    // A Set announces itself (Precision is EMITS_CHANGE).
    client
        .set_property(NAME, CALC_PATH, CALC, "Precision", &4u32)
        .unwrap();
    let signal = changes
        .recv_timeout(TIMEOUT)
        .unwrap()
        .expect("PropertiesChanged");
    let change = PropertiesChanged::from_message(&signal).unwrap();
    assert_eq!(change.interface, CALC);
    assert_eq!(change.changed.len(), 1);
    assert_eq!(change.changed["Precision"], Value::from(4u32));
    assert!(change.invalidated.is_empty());
    // Mode announces nothing.
    client
        .set_property(NAME, CALC_PATH, CALC, "Mode", &"rpn")
        .unwrap();
    assert_eq!(state.mode.lock().unwrap().as_str(), "rpn");

    // A method emits its signal and announces the properties it changed:
    // Total with its value, Log (EMITS_INVALIDATION) without.
    let sum: i32 = client
        .call_method(NAME, CALC_PATH, CALC, "Add", &(40i32, 2i32))
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(sum, 42);
    let signal = computed.recv_timeout(TIMEOUT).unwrap().expect("Computed");
    let (expression, result): (String, i32) = signal.read_args().unwrap();
    assert_eq!((expression.as_str(), result), ("40 + 2", 42));
    let signal = changes
        .recv_timeout(TIMEOUT)
        .unwrap()
        .expect("PropertiesChanged");
    let change = PropertiesChanged::from_message(&signal).unwrap();
    assert_eq!(change.changed.len(), 1, "{change:?}");
    assert_eq!(change.changed["Total"], Value::from(42i32));
    assert_eq!(change.invalidated, ["Log"]);
    assert!(changes.try_recv().is_none(), "Mode changed silently");

    client
        .call_method(NAME, CALC_PATH, CALC, "Reset", &())
        .unwrap();
    let signal = cleared.recv_timeout(TIMEOUT).unwrap().expect("Cleared");
    assert_eq!(signal.signature(), "");

    // A connection that does not serve the object cannot announce it.
    let quiet = Bus::open_user().unwrap();
    let err = quiet
        .emit_properties_changed(CALC_PATH, CALC, &["Total"])
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::Property,
                ..
            }
        ),
        "{err}"
    );
}

/// The echo methods' member names: one per signature, `Echo_` and the
/// signature's bytes in hex.
fn echo_member(signature: &str) -> String {
    let hex: String = signature.bytes().map(|b| format!("{b:02x}")).collect();
    format!("Echo_{hex}")
}

const ECHO_NAME: &str = "com.example.Echo";
const ECHO: &str = "com.example.Echo";

struct Case {
    signature: String,
    run: Box<dyn Fn(&Bus)>,
}

/// A round trip of `args` through the echo method for their signature.
fn case<A>(args: A) -> Case
where
    A: AppendArgs + for<'m> ReadArgs<'m> + PartialEq + Debug + 'static,
{
    let mut signature = SignatureBuf::new();
    A::write_args_signature(&mut signature);
    let signature = signature.as_str().to_owned();
    let expected = signature.clone();
    Case {
        signature,
        run: Box::new(move |client| {
            let member = echo_member(&expected);
            let reply = client
                .call_method(ECHO_NAME, "/com/example/echo", ECHO, &member, &args)
                .unwrap_or_else(|err| panic!("{member} ({expected}): {err}"));
            assert_eq!(reply.signature(), expected);
            let back: A = reply.read_args().expect("read the echo");
            assert_eq!(back, args, "{expected}");
        }),
    }
}

fn path(s: &str) -> ObjectPath {
    ObjectPath::try_from(s).unwrap()
}

fn sig(s: &str) -> Signature {
    Signature::try_from(s).unwrap()
}

fn echo_cases() -> Vec<Case> {
    let props: HashMap<String, Value> = HashMap::from([
        ("byte".to_owned(), Value::from(7u8)),
        (
            "list".to_owned(),
            Value::from(vec!["a".to_owned(), "b".to_owned()]),
        ),
        (
            "nested".to_owned(),
            Value::Variant(Box::new(Value::from(-1i64))),
        ),
        ("pair".to_owned(), Value::from(("x", 1.5f64))),
    ]);
    vec![
        case(()),
        case((0xffu8,)),
        case((true,)),
        case((i16::MIN,)),
        case((u16::MAX,)),
        case((i32::MIN,)),
        case((u32::MAX,)),
        case((i64::MIN,)),
        case((u64::MAX,)),
        case((-0.5f64,)),
        case((f64::INFINITY,)),
        case(("ünïcödé 😀".to_owned(),)),
        case((String::new(),)),
        case((path("/"),)),
        case((path("/com/example/a_b/C1"),)),
        case((sig(""),)),
        case((sig("a{sv}(ii)"),)),
        case((Value::from(42u32),)),
        case((Value::from(props.clone()),)),
        case((Variant(vec![1u8, 2, 3]),)),
        case((vec![0u8, 1, 255],)),
        case((vec![true, false],)),
        case((vec![-1i16, 2],)),
        case((vec![1u16, 2],)),
        case((vec![i32::MIN, 0, i32::MAX],)),
        case((Vec::<u32>::new(),)),
        case((vec![i64::MAX],)),
        case((vec![u64::MAX, 0],)),
        case((vec![1.25f64, -2.5],)),
        case((vec!["a".to_owned(), String::new()],)),
        case((vec![path("/a"), path("/b")],)),
        case((vec![sig("s"), sig("a{sv}")],)),
        case((vec![Value::from(1u8), Value::from("two")],)),
        case((props.clone(),)),
        case((BTreeMap::from([
            (1u8, "one".to_owned()),
            (2, "two".to_owned()),
        ]),)),
        case((BTreeMap::from([(path("/x"), -5i64)]),)),
        case((HashMap::from([(
            "k".to_owned(),
            (3i32, vec![Value::from(true)]),
        )]),)),
        case((HashMap::from([("outer".to_owned(), props.clone())]),)),
        case(((
            1u8,
            true,
            -2i16,
            3u16,
            -4i32,
            5u32,
            -6i64,
            7u64,
            8.5f64,
            "nine".to_owned(),
            path("/ten"),
            sig("(yv)"),
        ),)),
        case((vec![("k".to_owned(), "v".to_owned())],)),
        case((vec![vec![1u8], vec![]],)),
        case((vec![vec![vec![1u8, 2]]],)),
        case(((props, vec!["x".to_owned()]),)),
        case((((1i32,), ("s".to_owned(),)),)),
        case((
            "several".to_owned(),
            3i32,
            vec!["top".to_owned(), "level".to_owned()],
        )),
    ]
}

#[test]
fn every_type_round_trips_through_served_echo_methods() {
    let cases = echo_cases();
    let signatures: BTreeSet<String> = cases.iter().map(|c| c.signature.clone()).collect();
    let _server = Server::start(ECHO_NAME, move |bus| {
        let mut echo = Interface::new(ECHO);
        for signature in &signatures {
            echo = echo.method_dynamic(
                &echo_member(signature),
                signature,
                signature,
                |request, reply: &mut Message<'_>| {
                    reply.append_from(request.message(), true)?;
                    Ok(())
                },
            );
        }
        let echo = echo
            .method(
                "EchoTyped",
                |_,
                 args: (
                    u8,
                    bool,
                    i16,
                    u16,
                    i32,
                    u32,
                    i64,
                    u64,
                    f64,
                    String,
                    ObjectPath,
                    Signature,
                )| Ok(args),
            )
            .method("EchoFd", |_, (fd,): (OwnedFd,)| Ok((fd,)))
            .method_dynamic(
                "EchoDecoded",
                "v",
                "v",
                |request, reply: &mut Message<'_>| {
                    let value: Value = request.message().read()?;
                    reply.append(&value)?;
                    Ok(())
                },
            );
        vec![bus
            .serve("/com/example/echo", echo)
            .expect("serve the echo")]
    });
    let client = user_bus();
    for case in &cases {
        (case.run)(&client);
    }

    // Typed handlers: signatures derived from the Rust types.
    let args = (
        1u8,
        false,
        i16::MAX,
        0u16,
        -1i32,
        2u32,
        i64::MIN,
        u64::MAX,
        0.125f64,
        "s".to_owned(),
        path("/o"),
        sig("g"),
    );
    let reply = client
        .call_method(ECHO_NAME, "/com/example/echo", ECHO, "EchoTyped", &args)
        .unwrap();
    assert_eq!(reply.signature(), "ybnqiuxtdsog");
    assert_eq!(
        reply
            .read_args::<(
                u8,
                bool,
                i16,
                u16,
                i32,
                u32,
                i64,
                u64,
                f64,
                String,
                ObjectPath,
                Signature
            )>()
            .unwrap(),
        args
    );

    let value = Value::from(vec![Value::from(("a", 1u32)), Value::from(vec![2.5f64])]);
    let reply = client
        .call_method(
            ECHO_NAME,
            "/com/example/echo",
            ECHO,
            "EchoDecoded",
            &(value.clone(),),
        )
        .unwrap();
    assert_eq!(reply.read::<Value>().unwrap(), value);

    // A file descriptor goes through and still works.
    let (ours, theirs) = UnixStream::pair().unwrap();
    let reply = client
        .call_method(
            ECHO_NAME,
            "/com/example/echo",
            ECHO,
            "EchoFd",
            &(OwnedFd::from(theirs),),
        )
        .unwrap();
    assert_eq!(reply.signature(), "h");
    let back: OwnedFd = reply.read().unwrap();
    UnixStream::from(back).write_all(b"ping").unwrap();
    let mut buf = [0u8; 4];
    let mut ours = ours;
    ours.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
}

fn name_owner(bus: &Bus, name: &str) -> Option<String> {
    match bus.call_method(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "GetNameOwner",
        &(name,),
    ) {
        Ok(reply) => Some(reply.read::<String>().unwrap()),
        Err(err) if err.bus_error_kind() == Some(BusErrorKind::NameHasNoOwner) => None,
        Err(err) => panic!("GetNameOwner({name}): {err}"),
    }
}

fn queue(bus: &Bus, name: &str) -> Vec<String> {
    bus.call_method(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "ListQueuedOwners",
        &(name,),
    )
    .map(|reply| reply.read().unwrap())
    .unwrap_or_default()
}

#[test]
fn request_name_flags_behave_as_documented() {
    use RequestNameFlags as F;
    use RequestNameReply as R;
    let (a, b) = (user_bus(), user_bus());
    let (a_name, b_name) = (
        a.unique_name().unwrap().to_owned(),
        b.unique_name().unwrap().to_owned(),
    );

    // Without QUEUE, a second request fails; owning twice is reported.
    let name = "com.example.Names.Plain";
    assert_eq!(a.request_name(name, F::empty()).unwrap(), R::PrimaryOwner);
    assert_eq!(a.request_name(name, F::empty()).unwrap(), R::AlreadyOwner);
    assert_eq!(b.request_name(name, F::empty()).unwrap(), R::Exists);
    // The owner did not allow replacement: REPLACE_EXISTING does not help.
    assert_eq!(
        b.request_name(name, F::REPLACE_EXISTING).unwrap(),
        R::Exists
    );
    assert_eq!(name_owner(&b, name).as_deref(), Some(a_name.as_str()));
    // With QUEUE, b waits, and gets the name when a releases it.
    assert_eq!(b.request_name(name, F::QUEUE).unwrap(), R::InQueue);
    assert_eq!(queue(&b, name), [a_name.as_str(), b_name.as_str()]);
    assert_eq!(a.release_name(name).unwrap(), ReleaseNameReply::Released);
    assert_eq!(name_owner(&a, name).as_deref(), Some(b_name.as_str()));
    assert_eq!(a.release_name(name).unwrap(), ReleaseNameReply::NotOwner);
    assert_eq!(b.release_name(name).unwrap(), ReleaseNameReply::Released);
    assert_eq!(name_owner(&a, name), None);
    assert_eq!(b.release_name(name).unwrap(), ReleaseNameReply::NonExistent);

    // ALLOW_REPLACEMENT lets REPLACE_EXISTING take the name over; without
    // QUEUE the former owner is out.
    let name = "com.example.Names.Replaceable";
    assert_eq!(
        a.request_name(name, F::ALLOW_REPLACEMENT).unwrap(),
        R::PrimaryOwner
    );
    assert_eq!(b.request_name(name, F::empty()).unwrap(), R::Exists);
    assert_eq!(
        b.request_name(name, F::REPLACE_EXISTING).unwrap(),
        R::PrimaryOwner
    );
    assert_eq!(name_owner(&a, name).as_deref(), Some(b_name.as_str()));
    assert_eq!(queue(&a, name), [b_name.as_str()]);
    // b did not allow replacement in turn.
    assert_eq!(
        a.request_name(name, F::REPLACE_EXISTING).unwrap(),
        R::Exists
    );
    assert_eq!(b.release_name(name).unwrap(), ReleaseNameReply::Released);

    // With QUEUE, the replaced owner waits in the queue and gets the name
    // back when the new owner leaves.
    let name = "com.example.Names.Queued";
    assert_eq!(
        a.request_name(name, F::ALLOW_REPLACEMENT | F::QUEUE)
            .unwrap(),
        R::PrimaryOwner
    );
    assert_eq!(
        b.request_name(name, F::REPLACE_EXISTING).unwrap(),
        R::PrimaryOwner
    );
    assert_eq!(queue(&a, name), [b_name.as_str(), a_name.as_str()]);
    assert_eq!(b.release_name(name).unwrap(), ReleaseNameReply::Released);
    assert_eq!(name_owner(&b, name).as_deref(), Some(a_name.as_str()));
    assert_eq!(a.release_name(name).unwrap(), ReleaseNameReply::Released);

    // Names that cannot be requested are refused before the bus sees them.
    for bad in [":1.42", "no-dots", "com..example"] {
        let err = a.request_name(bad, F::empty()).unwrap_err();
        assert!(
            matches!(&err, Error::Invalid { kind: InvalidKind::BusName, value, .. } if value == bad),
            "{err}"
        );
    }
}

#[test]
fn object_manager_reports_added_and_removed_objects() {
    const NAME: &str = "com.example.Store";
    const ROOT: &str = "/com/example/store";
    const ITEMS: &str = "/com/example/store/items";
    const STORE: &str = "com.example.Store";
    const ITEM: &str = "com.example.Item";
    let server = Server::start(NAME, |bus| {
        let items: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
        let next = Arc::new(AtomicU32::new(1));
        let (add, remove, lookup, list, name, describe) = (
            Arc::clone(&items),
            Arc::clone(&items),
            Arc::clone(&items),
            Arc::clone(&items),
            Arc::clone(&items),
            Arc::clone(&items),
        );
        let store = Interface::new(STORE)
            .method("Add", move |request, (label,): (String,)| {
                let id = next.fetch_add(1, Ordering::Relaxed);
                let item = format!("{ITEMS}/{id}");
                add.lock().unwrap().insert(item.clone(), label);
                request.bus().emit_interfaces_added(&item, &[ITEM])?;
                Ok((ObjectPath::try_from(item)?,))
            })
            .method("Remove", move |request, (item,): (ObjectPath,)| {
                request.bus().emit_interfaces_removed(&item, &[ITEM])?;
                remove
                    .lock()
                    .unwrap()
                    .remove(item.as_str())
                    .ok_or_else(|| {
                        BusError::new("com.example.Store.NoSuchItem", item.to_string())
                    })?;
                Ok(())
            });
        let item = Interface::new(ITEM)
            .property_ro("Label", move |context| {
                name.lock()
                    .unwrap()
                    .get(context.path())
                    .cloned()
                    .ok_or_else(|| {
                        BusError::new("org.freedesktop.DBus.Error.UnknownObject", context.path())
                    })
            })
            .method("Describe", move |request, (): ()| {
                let label = describe
                    .lock()
                    .unwrap()
                    .get(request.path())
                    .cloned()
                    .unwrap_or_default();
                Ok((format!("{} is {label}", request.path()),))
            });
        vec![
            bus.add_object_manager(ROOT).expect("the object manager"),
            bus.serve(ROOT, store).expect("serve the store"),
            bus.serve_fallback(ITEMS, item, move |path| {
                lookup.lock().unwrap().contains_key(path)
            })
            .expect("serve the items"),
            bus.add_node_enumerator(ITEMS, move |_prefix| {
                list.lock()
                    .unwrap()
                    .keys()
                    .map(|path| ObjectPath::try_from(path.as_str()).unwrap())
                    .collect()
            })
            .expect("enumerate the items"),
        ]
    });
    let client = user_bus();
    let sender = Some(server.unique_name.as_str());
    let added = client
        .subscribe_signal(
            sender,
            Some(ROOT),
            Some(OBJECT_MANAGER),
            Some("InterfacesAdded"),
        )
        .unwrap();
    let removed = client
        .subscribe_signal(
            sender,
            Some(ROOT),
            Some(OBJECT_MANAGER),
            Some("InterfacesRemoved"),
        )
        .unwrap();

    type Managed = HashMap<ObjectPath, HashMap<String, HashMap<String, Value>>>;
    let managed = || -> Managed {
        client
            .call_method(NAME, ROOT, OBJECT_MANAGER, "GetManagedObjects", &())
            .unwrap()
            .read()
            .unwrap()
    };
    assert!(managed().is_empty(), "{:?}", managed());

    let mut paths = Vec::new();
    for label in ["apple", "pear"] {
        let item: ObjectPath = client
            .call_method(NAME, ROOT, STORE, "Add", &(label,))
            .unwrap()
            .read()
            .unwrap();
        let signal = added
            .recv_timeout(TIMEOUT)
            .unwrap()
            .expect("InterfacesAdded");
        let (path, interfaces): (ObjectPath, HashMap<String, HashMap<String, Value>>) =
            signal.read_args().unwrap();
        assert_eq!(path, item);
        assert_eq!(interfaces.len(), 1, "{interfaces:?}");
        assert_eq!(interfaces[ITEM]["Label"], Value::from(label));
        paths.push(item);
    }

    let objects = managed();
    assert_eq!(objects.len(), 2, "{objects:?}");
    for (item, label) in paths.iter().zip(["apple", "pear"]) {
        let interfaces = &objects[item];
        assert_eq!(interfaces[ITEM]["Label"], Value::from(label));
        for standard in [
            PROPERTIES,
            "org.freedesktop.DBus.Introspectable",
            "org.freedesktop.DBus.Peer",
        ] {
            assert!(interfaces.contains_key(standard), "{interfaces:?}");
        }
        // Fallback handlers learn the actual path.
        let description: String = client
            .call_method(NAME, item, ITEM, "Describe", &())
            .unwrap()
            .read()
            .unwrap();
        assert_eq!(description, format!("{item} is {label}"));
    }
    let mut children = client.introspect(NAME, ITEMS).unwrap().children;
    children.sort();
    assert_eq!(children, ["1", "2"]);
    assert!(client
        .introspect(NAME, ROOT)
        .unwrap()
        .interface(OBJECT_MANAGER)
        .is_some());

    client
        .call_method(NAME, ROOT, STORE, "Remove", &(paths[0].clone(),))
        .unwrap();
    let signal = removed
        .recv_timeout(TIMEOUT)
        .unwrap()
        .expect("InterfacesRemoved");
    let (path, interfaces): (ObjectPath, Vec<String>) = signal.read_args().unwrap();
    assert_eq!(path, paths[0]);
    assert_eq!(interfaces, [ITEM]);
    let objects = managed();
    assert_eq!(objects.keys().collect::<Vec<_>>(), [&paths[1]]);
    let err = client
        .call_method(NAME, &paths[0], ITEM, "Describe", &())
        .unwrap_err();
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::UnknownObject),
        "{err}"
    );
}

#[test]
fn dropping_the_slot_unserves_the_object() {
    const NAME: &str = "com.example.Transient";
    let (drop_it, dropped) = mpsc::channel::<()>();
    let (ready, started) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let server_stop = Arc::clone(&stop);
    let server = thread::spawn(move || {
        let bus = Bus::open_user().unwrap();
        let iface = Interface::new("com.example.Transient").method("Ping", |_, (): ()| Ok(()));
        let mut slot = Some(bus.serve("/com/example/transient", iface).unwrap());
        assert!(bus
            .request_name(NAME, RequestNameFlags::empty())
            .unwrap()
            .is_owner());
        ready.send(()).unwrap();
        bus.run_until(|| {
            if dropped.try_recv().is_ok() {
                slot = None;
            }
            server_stop.load(Ordering::Relaxed)
        })
        .unwrap();
    });
    started.recv_timeout(Duration::from_secs(30)).unwrap();
    let client = user_bus();
    let ping = || {
        client.call_method(
            NAME,
            "/com/example/transient",
            "com.example.Transient",
            "Ping",
            &(),
        )
    };
    ping().unwrap();
    drop_it.send(()).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let err = loop {
        match ping() {
            Ok(_) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(_) => panic!("the object is still served"),
            Err(err) => break err,
        }
    };
    assert_eq!(
        err.bus_error_kind(),
        Some(BusErrorKind::UnknownObject),
        "{err}"
    );
    stop.store(true, Ordering::Relaxed);
    server.join().unwrap();
}

#[test]
fn bad_interfaces_are_refused_before_reaching_sd_bus() {
    fn assert_send<T: Send>() {}
    assert_send::<Interface>();
    let invalid = |iface: Interface| -> (InvalidKind, String, &'static str) {
        match iface.check() {
            Err(Error::Invalid {
                kind,
                value,
                reason,
            }) => (kind, value, reason),
            other => panic!("expected Error::Invalid, got {other:?}"),
        }
    };
    let (kind, value, _) = invalid(Interface::new("nodots"));
    assert_eq!(
        (kind, value.as_str()),
        (InvalidKind::InterfaceName, "nodots")
    );
    let (kind, value, _) = invalid(Interface::new("org.freedesktop.DBus.Peer"));
    assert_eq!(
        (kind, value.as_str()),
        (InvalidKind::InterfaceName, "org.freedesktop.DBus.Peer")
    );
    let (kind, value, _) = invalid(Interface::new(CALC).method("1st", |_, (): ()| Ok(())));
    assert_eq!((kind, value.as_str()), (InvalidKind::MemberName, "1st"));
    let (kind, value, _) =
        invalid(Interface::new(CALC).method_dynamic("M", "a{", "", |_, _| Ok(())));
    assert_eq!((kind, value.as_str()), (InvalidKind::Signature, "a{"));
    let (kind, value, _) =
        invalid(Interface::new(CALC).method_dynamic("M", "", "ss)", |_, _| Ok(())));
    assert_eq!((kind, value.as_str()), (InvalidKind::Signature, "ss)"));
    let (kind, value, _) = invalid(
        Interface::new(CALC)
            .method("M", |_, (): ()| Ok(()))
            .method("M", |_, (): ()| Ok(())),
    );
    assert_eq!(
        (kind, value.as_str()),
        (InvalidKind::MemberName, "com.example.Calculator.M")
    );
    // A method and a property may share a name: they are different things.
    assert!(Interface::new(CALC)
        .method("Same", |_, (): ()| Ok(()))
        .property_ro("Same", |_| Ok(1u8))
        .check()
        .is_ok());

    let (kind, value, _) = invalid(
        Interface::new(CALC)
            .method("Add", |_, (a, b): (i32, i32)| Ok((a + b,)))
            .arg_names(["a", "b"]),
    );
    assert_eq!(kind, InvalidKind::Argument);
    assert!(value.contains("Add") && value.contains("a, b"), "{value}");
    let (kind, value, _) = invalid(
        Interface::new(CALC)
            .signal::<(u8,)>("S")
            .arg_names(["has space"]),
    );
    assert_eq!(kind, InvalidKind::Argument);
    assert!(value.contains("\"has space\""), "{value}");
    let (kind, value, _) = invalid(
        Interface::new(CALC)
            .property_ro("P", |_| Ok(1u8))
            .arg_names(["x"]),
    );
    assert_eq!(kind, InvalidKind::Argument);
    assert!(
        value.starts_with("arg_names(x) after read-only property P"),
        "{value}"
    );
    let (kind, _, _) = invalid(Interface::new(CALC).flags(MemberFlags::HIDDEN));
    assert_eq!(kind, InvalidKind::Argument);

    for (iface, flags) in [
        (
            Interface::new(CALC).method("M", |_, (): ()| Ok(())),
            MemberFlags::CONST,
        ),
        (
            Interface::new(CALC).property_ro("P", |_| Ok(1u8)),
            MemberFlags::UNPRIVILEGED,
        ),
        (
            Interface::new(CALC).property_ro("P", |_| Ok(1u8)),
            MemberFlags::NO_REPLY,
        ),
        (
            Interface::new(CALC).property_ro("P", |_| Ok(1u8)),
            MemberFlags::CONST | MemberFlags::EMITS_CHANGE,
        ),
        (
            Interface::new(CALC).property_ro("P", |_| Ok(1u8)),
            MemberFlags::EXPLICIT | MemberFlags::EMITS_CHANGE,
        ),
        (
            Interface::new(CALC).property_rw("P", |_| Ok(1u8), |_, _: u8| Ok(())),
            MemberFlags::CONST,
        ),
        (
            Interface::new(CALC).signal::<()>("S"),
            MemberFlags::EMITS_CHANGE,
        ),
    ] {
        let (kind, value, reason) = invalid(iface.flags(flags));
        assert_eq!(kind, InvalidKind::Argument, "{flags:?}");
        assert!(value.starts_with("flags of "), "{value}: {reason}");
    }
    assert!(Interface::new(CALC)
        .property_ro("P", |_| Ok(1u8))
        .flags(MemberFlags::EXPLICIT | MemberFlags::EMITS_INVALIDATION | MemberFlags::HIDDEN)
        .check()
        .is_ok());
    let (kind, _, _) = invalid(Interface::new(CALC).interface_flags(MemberFlags::CONST));
    assert_eq!(kind, InvalidKind::Argument);

    // The same refusals from the bus, plus what only it can tell.
    let bus = user_bus();
    let err = bus
        .serve("/com/example/calc", Interface::new("nodots"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::InterfaceName,
                ..
            }
        ),
        "{err}"
    );
    let err = bus.serve("relative", Interface::new(CALC)).unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { kind: InvalidKind::ObjectPath, value, .. } if value == "relative"),
        "{err}"
    );
    let ping = || Interface::new(CALC).method("Ping", |_, (): ()| Ok(()));
    let _served = bus.serve("/com/example/twice", ping()).unwrap();
    let err = bus.serve("/com/example/twice", ping()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::InterfaceName,
                ..
            }
        ),
        "{err}"
    );
    let err = bus
        .serve_fallback("/com/example/twice", ping(), |_| true)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::ObjectPath,
                ..
            }
        ),
        "{err}"
    );

    let _props = bus
        .serve(
            "/com/example/props",
            Interface::new(CALC)
                .property_ro("Quiet", |_| Ok(1u8))
                .property_ro("Loud", |_| Ok(2u8))
                .flags(MemberFlags::EMITS_CHANGE),
        )
        .unwrap();
    bus.emit_properties_changed("/com/example/props", CALC, &["Loud"])
        .unwrap();
    bus.emit_properties_changed("/com/example/props", CALC, &[])
        .unwrap();
    for (names, reason_part) in [
        (&["Quiet"][..], "does not announce"),
        (&["Nope"][..], "not served"),
    ] {
        match bus
            .emit_properties_changed("/com/example/props", CALC, names)
            .unwrap_err()
        {
            Error::Invalid {
                kind: InvalidKind::Property,
                reason,
                ..
            } => {
                assert!(reason.contains(reason_part), "{reason}")
            }
            other => panic!("{other}"),
        }
    }
    let err = bus
        .emit_interfaces_added("/com/example/props", &[CALC])
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { kind: InvalidKind::ObjectPath, reason, .. } if reason.contains("object manager")),
        "{err}"
    );
    let err = bus
        .emit_signal("/com/example/props", CALC, "bad member", &())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: InvalidKind::MemberName,
                ..
            }
        ),
        "{err}"
    );
}

/// The example daemon's binary, built once.
fn example_daemon() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| common::example_binary("server_daemon"))
}

fn unit_state(bus: &Bus, unit: &str) -> Option<String> {
    let reply = bus
        .call_method(SYSTEMD, MANAGER_PATH, MANAGER, "GetUnit", &(unit,))
        .ok()?;
    let path: ObjectPath = reply.read().ok()?;
    bus.get_property(SYSTEMD, &path, UNIT, "ActiveState").ok()
}

/// Polls the unit's state until `done` accepts it (`None`: no such unit
/// loaded) or 30 s pass.
fn wait_for_state(bus: &Bus, unit: &str, done: impl Fn(Option<&str>) -> bool) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let state = unit_state(bus, unit);
        if done(state.as_deref()) || Instant::now() > deadline {
            return state;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn example_daemon_runs_as_a_notify_unit() {
    let binary = example_daemon().to_str().expect("a UTF-8 path").to_owned();
    let bus = user_bus();
    let unit = "sdbus-example-daemon.service";
    let mut environment = Vec::new();
    for key in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
        if let Ok(value) = std::env::var(key) {
            environment.push(format!("{key}={value}"));
        }
    }
    let properties: Vec<(String, Value)> = vec![
        ("Description".into(), Value::from("sdbus example daemon")),
        ("Type".into(), Value::from("notify")),
        (
            "ExecStart".into(),
            Value::from(vec![(
                binary.clone(),
                vec![binary.clone(), "serve".to_owned()],
                false,
            )]),
        ),
        ("Environment".into(), Value::from(environment)),
    ];
    bus.call_method(
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "StartTransientUnit",
        &(
            unit,
            "fail",
            properties,
            Vec::<(String, Vec<(String, Value)>)>::new(),
        ),
    )
    .expect("StartTransientUnit");
    // Type=notify: active only once the daemon said READY=1, which it does
    // after owning its name.
    let state = wait_for_state(&bus, unit, |s| matches!(s, Some("active" | "failed")));
    assert_eq!(state.as_deref(), Some("active"));
    assert!(name_owner(&bus, "com.example.Daemon").is_some());

    for (who, count) in [("sandbox", 1), ("again", 2)] {
        let output = Command::new(&binary)
            .args(["client", who])
            .output()
            .expect("run the client");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            format!("Hello, {who}! (greeting #{count})\ngreeted {count} time(s)\n")
        );
    }
    let status = Command::new(&binary).arg("quit").status().unwrap();
    assert!(status.success());
    // A transient unit that exited cleanly is unloaded.
    let state = wait_for_state(&bus, unit, |s| matches!(s, None | Some("failed")));
    assert_eq!(state, None);
}
