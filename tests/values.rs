//! Every D-Bus type, sent to a peer and back: once copied verbatim by the
//! peer (`Echo`), once decoded into dynamic `Value`s and re-encoded by it
//! (`EchoValues`), and through the real bus daemon and manager.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::io::{Read as _, Write as _};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;

use common::*;
use sdbus::names::{ObjectPath, Signature};
use sdbus::{Append, Error, Read, Value, Variant};

/// Sends `value` through both echo methods and checks it comes back equal,
/// with the signature its type promises.
fn round_trip<T>(peer: &EchoPeer, value: T)
where
    T: Append + for<'m> Read<'m> + PartialEq + Debug,
{
    for member in ["Echo", "EchoValues"] {
        let reply = peer.call(member, |m| m.append(&value).map(drop)).unwrap();
        assert_eq!(
            reply.signature(),
            T::signature(),
            "{member}: signature of {value:?}"
        );
        let back: T = reply
            .read()
            .unwrap_or_else(|e| panic!("{member}: reading {value:?}: {e}"));
        assert_eq!(back, value, "{member}");
        assert!(reply.at_end(true).unwrap(), "{member}: nothing left over");
    }
}

#[test]
fn every_basic_type_round_trips() {
    let peer = EchoPeer::start();
    for v in [0u8, 1, 255] {
        round_trip(&peer, v);
    }
    round_trip(&peer, true);
    round_trip(&peer, false);
    for v in [i16::MIN, -1, i16::MAX] {
        round_trip(&peer, v);
    }
    round_trip(&peer, u16::MAX);
    for v in [i32::MIN, 0, i32::MAX] {
        round_trip(&peer, v);
    }
    round_trip(&peer, u32::MAX);
    for v in [i64::MIN, i64::MAX] {
        round_trip(&peer, v);
    }
    round_trip(&peer, u64::MAX);
    for v in [0.0f64, -1.5, f64::MAX, f64::MIN_POSITIVE, f64::INFINITY] {
        round_trip(&peer, v);
    }
    for s in ["", "plain", "ünïcödé ✓ 日本", &"long ".repeat(500)] {
        round_trip(&peer, s.to_owned());
    }
    round_trip(
        &peer,
        ObjectPath::try_from("/org/freedesktop/systemd1/unit/dbus_2eservice").unwrap(),
    );
    round_trip(&peer, ObjectPath::try_from("/").unwrap());
    round_trip(&peer, Signature::try_from("a{sa(iv)}").unwrap());
    round_trip(&peer, Signature::try_from("").unwrap());
}

#[test]
fn containers_round_trip() {
    let peer = EchoPeer::start();
    round_trip(&peer, Vec::<u32>::new());
    round_trip(&peer, vec![1u8, 2, 3, 255]);
    round_trip(&peer, (0..1000).map(|i| i * 7).collect::<Vec<u64>>());
    round_trip(&peer, vec![-1.25f64, 2.5]);
    round_trip(&peer, vec![true, false, true]);
    round_trip(&peer, vec!["a".to_owned(), String::new(), "c".to_owned()]);
    round_trip(&peer, vec![vec![1i32], vec![], vec![2, 3]]);
    round_trip(&peer, (1u8, "two".to_owned(), 3.0f64, vec![4u16]));
    round_trip(&peer, ((1u32, (2i64, "deep".to_owned())), true));
    let mut map = HashMap::new();
    map.insert("one".to_owned(), 1u32);
    map.insert("two".to_owned(), 2);
    round_trip(&peer, map);
    let mut nested: BTreeMap<u32, Vec<(String, Variant<i32>)>> = BTreeMap::new();
    nested.insert(7, vec![("x".into(), Variant(-7))]);
    nested.insert(8, Vec::new());
    round_trip(&peer, nested);
    round_trip(&peer, Variant(42u32));
    round_trip(&peer, Variant(vec!["in".to_owned(), "variant".to_owned()]));
    round_trip(&peer, Variant(Variant(1u8)));
}

#[test]
fn dynamic_values_round_trip_with_their_signatures() {
    let peer = EchoPeer::start();
    let mut properties: HashMap<String, Value> = HashMap::new();
    properties.insert("Name".into(), Value::from("unit.service"));
    properties.insert("Pids".into(), Value::from(vec![1u32, 2, 3]));
    properties.insert("Nested".into(), Value::from(vec![(1i32, "x".to_owned())]));
    properties.insert(
        "Empty".into(),
        Value::Array(sdbus::Array::new("s", Vec::new()).unwrap()),
    );
    properties.insert(
        "Variant".into(),
        Value::Variant(Box::new(Value::from(7u64))),
    );
    round_trip(&peer, properties.clone());

    // The same map as one bare dynamic value: its signature is computed.
    let dict = Value::from(properties);
    assert_eq!(dict.signature(), "a{sv}");
    let reply = peer.call("EchoValues", |m| dict.append_bare(m)).unwrap();
    assert_eq!(reply.signature(), "a{sv}");
    assert_eq!(Value::read_bare(&reply).unwrap(), dict);
}

#[test]
fn borrowed_reads_point_into_the_message() {
    let peer = EchoPeer::start();
    let reply = peer
        .call("Echo", |m| {
            m.append_args(&("borrowed", vec![9u32, 8, 7])).map(drop)
        })
        .unwrap();
    let (text, numbers): (&str, &[u32]) = reply.read_args().unwrap();
    assert_eq!(text, "borrowed");
    assert_eq!(numbers, &[9, 8, 7]);
}

#[test]
fn file_descriptors_pass_to_the_peer_and_back() {
    let peer = EchoPeer::start();
    let (mut ours, theirs) = UnixStream::pair().unwrap();
    let theirs: OwnedFd = theirs.into();
    let reply = peer
        .call("Echo", |m| m.append(&theirs.as_fd()).map(drop))
        .unwrap();
    assert_eq!(reply.signature(), "h");
    let returned: OwnedFd = reply.read().unwrap();
    // A different number for the same socket: writing through the fd that
    // came back reaches our end.
    let mut returned = UnixStream::from(returned);
    returned.write_all(b"ping").unwrap();
    let mut buf = [0u8; 4];
    ours.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
}

#[test]
fn type_mismatches_name_both_signatures() {
    let peer = EchoPeer::start();
    let reply = peer.call("Echo", |m| m.append("text").map(drop)).unwrap();
    match reply.read::<u32>() {
        Err(Error::TypeMismatch { expected, found }) => {
            assert_eq!((expected.as_str(), found.as_str()), ("u", "s"));
        }
        other => panic!("expected a type mismatch, got {other:?}"),
    }
    let reply = peer
        .call("Echo", |m| m.append(&vec![1u8]).map(drop))
        .unwrap();
    match reply.read::<Vec<String>>() {
        Err(Error::TypeMismatch { expected, found }) => {
            assert_eq!((expected.as_str(), found.as_str()), ("as", "ay"));
        }
        other => panic!("expected a type mismatch, got {other:?}"),
    }
}

#[test]
fn values_that_do_not_fit_are_refused_before_c() {
    let peer = EchoPeer::start();
    let err = peer
        .call("Echo", |m| m.append("nul\0inside").map(drop))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { kind: sdbus::InvalidKind::String, value, .. } if value == "nul\0inside"),
        "{err:?}"
    );
    let err = Value::from(300u32).coerce("y").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                kind: sdbus::InvalidKind::Value,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("300"), "{err}");
    let err = Value::from("not a path").coerce("o").unwrap_err();
    assert!(err.to_string().contains("not a path"), "{err}");
    assert!(
        Signature::try_from("a{vs}").is_err(),
        "dict keys must be basic"
    );
}

#[test]
fn manager_replies_decode_into_typed_and_dynamic_forms() {
    let bus = user_bus();
    // ListUnits: a(ssssssouso), typed rows.
    type Row = (
        String,
        String,
        String,
        String,
        String,
        String,
        ObjectPath,
        u32,
        String,
        ObjectPath,
    );
    let reply = bus
        .call_method(SYSTEMD, MANAGER_PATH, MANAGER, "ListUnits", &())
        .unwrap();
    let units: Vec<Row> = reply.read().unwrap();
    assert!(
        units
            .iter()
            .any(|u| u.0 == "dbus.socket" && u.3 == "active"),
        "the sandbox's dbus.socket is listed as active"
    );
    // The same reply, dynamically.
    reply.rewind().unwrap();
    let dynamic = Value::read_bare(&reply).unwrap();
    assert_eq!(dynamic.signature(), "a(ssssssouso)");
    let shown = dynamic.to_string();
    assert!(shown.contains("\"dbus.socket\""), "{shown}");
    assert!(dynamic
        .display_busctl()
        .to_string()
        .starts_with("a(ssssssouso) "));
}
