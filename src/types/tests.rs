//! Round trips through real sd-bus messages, without a bus daemon.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};
use std::ptr;
use std::sync::Arc;

use libsystemd_sys as sys;

use super::*;
use crate::error::{Error, InvalidKind};
use crate::message::Message;
use crate::names::{ObjectPath, Signature};

/// Runs `f` with a new, empty method call.
///
/// sd-bus only creates messages on a started bus, so the bus is started on
/// one end of a socket pair: authentication never completes, which building
/// and reading messages locally does not need.
fn with_message<R>(f: impl FnOnce(&mut Message<'_>) -> R) -> R {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors socketpair returns.
    let ret = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    assert_eq!(ret, 0, "socketpair");
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    let (ours, _peer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let mut bus = ptr::null_mut();
    // SAFETY: valid out pointer.
    assert!(unsafe { sys::sd_bus_new(&mut bus) } >= 0, "sd_bus_new");
    let fd = ours.into_raw_fd();
    // SAFETY: `bus` is a new bus; it takes ownership of `fd`.
    let ret = unsafe { sys::sd_bus_set_fd(bus, fd, fd) };
    assert!(ret >= 0, "sd_bus_set_fd");
    // SAFETY: `bus` is a valid, unstarted bus.
    assert!(unsafe { sys::sd_bus_start(bus) } >= 0, "sd_bus_start");
    let mut raw = ptr::null_mut();
    // SAFETY: valid bus, out pointer and NUL-terminated strings.
    let ret = unsafe {
        sys::sd_bus_message_new_method_call(
            bus,
            &mut raw,
            c"a.b".as_ptr(),
            c"/".as_ptr(),
            c"a.b".as_ptr(),
            c"C".as_ptr(),
        )
    };
    assert!(ret >= 0, "sd_bus_message_new_method_call");
    // SAFETY: the new message's reference is ours; the bus outlives it and
    // stays on this thread.
    let mut msg = unsafe { Message::from_raw(raw) }.expect("non-NULL message");
    let result = f(&mut msg);
    drop(msg);
    // SAFETY: we own the one reference to `bus`; closing without flushing
    // does not wait for the never-completed authentication.
    unsafe { sys::sd_bus_close_unref(bus) };
    result
}

/// Seals `msg` and moves back to the start of its body, to read it.
fn seal(msg: &mut Message<'_>) {
    msg.seal(1).expect("seal");
    msg.rewind().expect("rewind");
}

/// Appends `value`, reads it back as `T`, and checks the signature and that
/// the whole body was read.
fn round_trip<T>(value: &T) -> T
where
    T: Append + for<'m> Read<'m>,
{
    with_message(|msg| {
        msg.append(value).expect("append");
        assert_eq!(msg.signature(), T::signature());
        seal(msg);
        let back = msg.read::<T>().expect("read");
        assert!(msg.at_end(true).unwrap(), "body left unread");
        back
    })
}

fn assert_round_trip<T>(values: &[T])
where
    T: Append + for<'m> Read<'m> + PartialEq + Debug,
{
    for value in values {
        assert_eq!(&round_trip(value), value);
    }
}

/// Appends with `append`, then returns the error of reading a `T`.
fn read_error<T: for<'m> Read<'m> + Debug>(append: impl FnOnce(&mut Message<'_>)) -> Error {
    with_message(|msg| {
        append(msg);
        seal(msg);
        msg.read::<T>().expect_err("read should fail")
    })
}

fn mismatch(expected: &str, found: &str) -> Error {
    Error::TypeMismatch {
        expected: expected.to_owned(),
        found: found.to_owned(),
    }
}

fn value_error(err: Error) -> (InvalidKind, String, &'static str) {
    match err {
        Error::Invalid {
            kind,
            value,
            reason,
        } => (kind, value, reason),
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
}

#[test]
fn integers_and_bools() {
    assert_round_trip(&[0u8, 1, 255]);
    assert_round_trip(&[false, true]);
    assert_round_trip(&[i16::MIN, -1, 0, i16::MAX]);
    assert_round_trip(&[0u16, u16::MAX]);
    assert_round_trip(&[i32::MIN, -1, 0, i32::MAX]);
    assert_round_trip(&[0u32, u32::MAX]);
    assert_round_trip(&[i64::MIN, -1, 0, i64::MAX]);
    assert_round_trip(&[0u64, u64::MAX]);
}

#[test]
fn doubles() {
    assert_round_trip(&[
        0.0,
        1.5,
        -2.25,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ]);
    assert!(round_trip(&-0.0f64).is_sign_negative());
    assert!(round_trip(&f64::NAN).is_nan());
}

#[test]
fn strings() {
    let long = "x".repeat(1000);
    assert_round_trip(&[
        String::new(),
        "a".to_owned(),
        "héllo ✓ 🦀".to_owned(),
        long.clone(),
    ]);
    // `&str` borrows from the message.
    with_message(|msg| {
        msg.append("borrowed")
            .unwrap()
            .append(long.as_str())
            .unwrap();
        assert_eq!(msg.signature(), "ss");
        seal(msg);
        let (a, b): (&str, &str) = msg.read_args().unwrap();
        assert_eq!((a, b), ("borrowed", long.as_str()));
    });
    assert_eq!(<&str>::signature(), "s");
    assert_eq!(String::signature(), "s");
}

#[test]
fn interior_nul_is_refused() {
    with_message(|msg| {
        let err = msg.append("a\0b").unwrap_err();
        assert_eq!(value_error(err).0, InvalidKind::String);
        assert_eq!(msg.signature(), "");
    });
}

#[test]
fn object_paths_and_signatures() {
    assert_round_trip(&[
        ObjectPath::root(),
        ObjectPath::try_from("/org/freedesktop/systemd1").unwrap(),
    ]);
    assert_round_trip(&[
        Signature::try_from("").unwrap(),
        Signature::try_from("a{sv}(ii)").unwrap(),
    ]);
    assert_eq!(ObjectPath::signature(), "o");
    assert_eq!(Signature::signature(), "g");
    // A string is not an object path.
    let err = read_error::<ObjectPath>(|msg| {
        msg.append("/a").unwrap();
    });
    assert_eq!(err, mismatch("o", "s"));
}

/// The inode of an open file, to tell whether two fds refer to it.
fn inode(fd: BorrowedFd<'_>) -> u64 {
    // SAFETY: `stat` is plain data; all zeroes is a valid value.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open and `stat` is writable.
    assert_eq!(unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) }, 0);
    stat.st_ino
}

#[test]
fn unix_fds() {
    let file = OwnedFd::from(std::fs::File::open("/dev/null").unwrap());
    with_message(|msg| {
        msg.append(&file.as_fd()).unwrap().append(&file).unwrap();
        assert_eq!(msg.signature(), "hh");
        seal(msg);
        let borrowed: BorrowedFd<'_> = msg.read().unwrap();
        // sd-bus appended a duplicate.
        assert_ne!(borrowed.as_raw_fd(), file.as_raw_fd());
        assert_eq!(inode(borrowed), inode(file.as_fd()));
        let owned: OwnedFd = msg.read().unwrap();
        assert_ne!(owned.as_raw_fd(), file.as_raw_fd());
        assert_eq!(inode(owned.as_fd()), inode(file.as_fd()));
        // `owned` is ours: it outlives the message.
        owned
    });
}

#[test]
fn arrays() {
    assert_round_trip(&[Vec::<u8>::new(), vec![0, 1, 255]]);
    assert_round_trip(&[vec![true, false, true]]);
    assert_round_trip(&[vec![i16::MIN, i16::MAX]]);
    assert_round_trip(&[vec![u16::MAX]]);
    assert_round_trip(&[vec![i32::MIN, 0, i32::MAX]]);
    assert_round_trip(&[vec![u32::MAX; 100]]);
    assert_round_trip(&[vec![i64::MIN, i64::MAX]]);
    assert_round_trip(&[vec![u64::MAX, 0]]);
    assert_round_trip(&[vec![1.5, -0.5, f64::INFINITY]]);
    assert_round_trip(&[vec!["a".to_owned(), String::new(), "ü".repeat(300)]]);
    assert_round_trip(&[vec![vec![1u32, 2], vec![], vec![3]]]);
    assert_round_trip(&[Vec::<Vec<String>>::new()]);
    assert_eq!(Vec::<bool>::signature(), "ab");
    assert_eq!(<[u8]>::signature(), "ay");
    assert_eq!(<[Vec<u16>; 2]>::signature(), "aaq");
}

#[test]
fn slices_and_fixed_arrays_append_and_borrow() {
    with_message(|msg| {
        let bytes: &[u8] = b"hello";
        msg.append(bytes).unwrap().append(&[1u32, 2, 3]).unwrap();
        msg.append(&["x", "y"][..])
            .unwrap()
            .append(&Vec::<i64>::new())
            .unwrap();
        assert_eq!(msg.signature(), "ayauasax");
        seal(msg);
        let (bytes, ints, strs, empty): (&[u8], &[u32], Vec<&str>, &[i64]) =
            msg.read_args().unwrap();
        assert_eq!(
            (bytes, ints, strs, empty),
            (&b"hello"[..], &[1, 2, 3][..], vec!["x", "y"], &[][..])
        );
    });
}

#[test]
fn dicts() {
    let map: HashMap<String, u32> = [("a".to_owned(), 1), ("b".to_owned(), 2)].into();
    assert_round_trip(&[map, HashMap::new()]);
    let tree: BTreeMap<u8, Vec<String>> = [(1, vec!["x".to_owned()]), (2, vec![])].into();
    assert_round_trip(&[tree, BTreeMap::new()]);
    assert_eq!(HashMap::<String, Value>::signature(), "a{sv}");
    assert_eq!(BTreeMap::<ObjectPath, (u8, bool)>::signature(), "a{o(yb)}");
}

#[test]
fn nested_containers() {
    type Nested = HashMap<String, Vec<(i32, Value)>>;
    let nested: Nested = [
        (
            "one".to_owned(),
            vec![(1, Value::from("x")), (2, Value::from(vec![1u8, 2]))],
        ),
        ("none".to_owned(), vec![]),
    ]
    .into();
    assert_eq!(Nested::signature(), "a{sa(iv)}");
    assert_round_trip(&[nested]);
}

#[test]
fn dict_key_must_be_basic() {
    with_message(|msg| {
        let map: BTreeMap<(u8,), u8> = [((1,), 2)].into();
        let (kind, value, _) = value_error(msg.append(&map).unwrap_err());
        assert_eq!((kind, value.as_str()), (InvalidKind::Signature, "a{(y)y}"));
        // Refused before anything reached sd-bus.
        assert_eq!(msg.signature(), "");
        msg.append(&vec![1u8]).unwrap();
        seal(msg);
        let err = msg.read::<HashMap<Vec<u8>, u8>>().unwrap_err();
        assert_eq!(value_error(err).0, InvalidKind::Signature);
    });
}

#[test]
fn structs_and_argument_lists() {
    assert_round_trip(&[(7u8,)]);
    assert_round_trip(&[(-1i32, "s".to_owned(), vec![1u8], (true, 2.5))]);
    let twelve = (
        1u8,
        2i16,
        3u16,
        4i32,
        5u32,
        6i64,
        7u64,
        8.0,
        true,
        "10".to_owned(),
        ObjectPath::root(),
        vec![12u8],
    );
    assert_round_trip(&[twelve]);
    assert_eq!(<(u8, (String, Vec<u32>))>::signature(), "(y(sau))");

    with_message(|msg| {
        msg.append_args(&()).unwrap();
        assert_eq!(msg.signature(), "");
        msg.append_args(&(1u32, "x", Variant(2u8))).unwrap();
        assert_eq!(msg.signature(), "usv");
        let mut sig = SignatureBuf::new();
        <(u32, &str, Variant<u8>)>::write_args_signature(&mut sig);
        assert_eq!(sig.as_str(), "usv");
        seal(msg);
        let () = msg.read_args().unwrap();
        let args: (u32, String, Variant<u8>) = msg.read_args().unwrap();
        assert_eq!(args, (1, "x".to_owned(), Variant(2)));
    });
}

#[test]
fn boxes_and_references() {
    assert_round_trip(&[Box::new(5u32)]);
    assert_round_trip(&[Arc::new("a".to_owned())]);
    assert_eq!(<&Box<[u8]>>::signature(), "ay");
}

#[test]
fn variants() {
    assert_round_trip(&[Variant(42u32)]);
    assert_round_trip(&[Variant("s".to_owned())]);
    assert_round_trip(&[Variant(vec![(1u8, Variant(true))])]);
    // A variant holding something else.
    let err = read_error::<Variant<String>>(|msg| {
        msg.append(&Variant(1u32)).unwrap();
    });
    assert_eq!(err, mismatch("s", "u"));
    // Not a variant at all.
    let err = read_error::<Variant<u32>>(|msg| {
        msg.append(&1u32).unwrap();
    });
    assert_eq!(err, mismatch("v", "u"));
}

#[test]
fn type_mismatches() {
    let append_str = |msg: &mut Message<'_>| {
        msg.append("text").unwrap();
    };
    assert_eq!(read_error::<u32>(append_str), mismatch("u", "s"));
    assert_eq!(read_error::<bool>(append_str), mismatch("b", "s"));
    assert_eq!(read_error::<Vec<u8>>(append_str), mismatch("ay", "s"));
    assert_eq!(read_error::<Vec<String>>(append_str), mismatch("as", "s"));
    assert_eq!(read_error::<(u32,)>(append_str), mismatch("(u)", "s"));
    // At the end of the message.
    let nothing = |_: &mut Message<'_>| {};
    assert_eq!(read_error::<u32>(nothing), mismatch("u", ""));
    assert_eq!(read_error::<String>(nothing), mismatch("s", ""));
    assert_eq!(read_error::<Vec<u32>>(nothing), mismatch("au", ""));
    assert_eq!(read_error::<Vec<String>>(nothing), mismatch("as", ""));
    assert_eq!(read_error::<(u8, u8)>(nothing), mismatch("(yy)", ""));
    assert_eq!(read_error::<Value>(nothing), mismatch("v", ""));
    with_message(|msg| {
        seal(msg);
        assert_eq!(Value::read_bare(msg).unwrap_err(), mismatch("*", ""));
    });
}

/// Every kind of [`Value`], nested and empty ones included.
fn sample_values() -> Vec<Value> {
    let file = OwnedFd::from(std::fs::File::open("/dev/null").unwrap());
    vec![
        Value::Byte(7),
        Value::Bool(true),
        Value::Int16(-16),
        Value::UInt16(16),
        Value::Int32(-32),
        Value::UInt32(32),
        Value::Int64(i64::MIN),
        Value::UInt64(u64::MAX),
        Value::Double(0.5),
        Value::from("str"),
        Value::from(ObjectPath::root()),
        Value::from(Signature::try_from("a{sv}").unwrap()),
        Value::from(file),
        Value::from(vec![1u8, 2, 3]),
        Value::from(vec![true, false]),
        Value::from(vec![1.5f64]),
        Value::from(vec!["a", "b"]),
        Value::from(Array::new("as", Vec::new()).unwrap()),
        Value::from(Array::new("(iv)", Vec::new()).unwrap()),
        Value::from(Dict::new("s", "v", Vec::new()).unwrap()),
        Value::from(BTreeMap::from([("k".to_owned(), Variant(1u32))])),
        Value::from(BTreeMap::from([(1u8, vec![(2i32, Value::from("x"))])])),
        Value::from((1u8, "two", (3.0f64,))),
        Value::Variant(Box::new(Value::Variant(Box::new(Value::from(vec![
            Value::from(1u16),
        ]))))),
    ]
}

#[test]
fn values_round_trip_bare_and_as_variants() {
    let values = sample_values();
    with_message(|msg| {
        for value in &values {
            value.append_bare(msg).unwrap();
            msg.append(value).unwrap();
        }
        seal(msg);
        for value in &values {
            let bare = Value::read_bare(msg).unwrap();
            let wrapped: Value = msg.read().unwrap();
            if let Value::Fd(_) = value {
                // sd-bus duplicated the descriptor.
                assert_eq!(bare.signature(), "h");
                assert_eq!(wrapped.signature(), "h");
            } else {
                assert_eq!(&bare, value);
                assert_eq!(&wrapped, value);
            }
        }
        assert!(msg.at_end(true).unwrap());
    });
    assert_eq!(Value::signature(&values[20]), "a{sv}");
    assert_eq!(values[21].signature(), "a{ya(iv)}");
    assert_eq!(values[22].signature(), "(ys(d))");
    assert_eq!(values[18].signature(), "a(iv)");
}

#[test]
fn values_read_typed_messages() {
    with_message(|msg| {
        let props: BTreeMap<String, Variant<u32>> = [("A".to_owned(), Variant(1))].into();
        msg.append_args(&(props, vec![(1u8, "x")], Vec::<String>::new()))
            .unwrap();
        seal(msg);
        let values = Value::read_all(msg).unwrap();
        let sigs: Vec<String> = values.iter().map(Value::signature).collect();
        assert_eq!(sigs, ["a{sv}", "a(ys)", "as"]);
        let dict = values[0].as_dict().unwrap();
        assert_eq!(
            dict.get(&Value::from("A")),
            Some(&Value::Variant(Box::new(Value::UInt32(1))))
        );
        assert_eq!((dict.key_signature(), dict.value_signature()), ("s", "v"));
        assert_eq!(values[2].as_array().unwrap().element_signature(), "s");
    });
    // `HashMap<String, Value>` is `a{sv}`, values unwrapped.
    let map: HashMap<String, Value> = [("n".to_owned(), Value::from(5i64))].into();
    assert_eq!(round_trip(&map), map);
    let list = vec![Value::from("a"), Value::from(1u8)];
    assert_eq!(round_trip(&list), list);
}

#[test]
fn value_conversions() {
    assert_eq!(Value::from(5u32).as_u32(), Some(5));
    assert_eq!(Value::from(5u32).as_i32(), None);
    assert_eq!(u32::try_from(Value::from(5u32)).unwrap(), 5);
    assert_eq!(
        u32::try_from(&Value::from("x")).unwrap_err(),
        mismatch("u", "s")
    );
    assert_eq!(<&str>::try_from(&Value::from("x")).unwrap(), "x");
    assert_eq!(
        String::try_from(Value::from(1u8)).unwrap_err(),
        mismatch("s", "y")
    );
    assert_eq!(Value::from("x").as_str(), Some("x"));
    assert_eq!(
        Value::from(ObjectPath::root()).as_object_path(),
        Some(&ObjectPath::root())
    );
    assert_eq!(Value::from(vec![1u8]).as_array().map(|a| a.len()), Some(1));
    assert_eq!(
        Value::from((1u8, 2u8)).as_struct(),
        Some(&[Value::Byte(1), Value::Byte(2)][..])
    );
    assert_eq!(
        Value::from(Variant(1u8)).as_variant(),
        Some(&Value::Byte(1))
    );
    let fd = Arc::new(OwnedFd::from(std::fs::File::open("/dev/null").unwrap()));
    let value = Value::from(fd.clone());
    assert_eq!(value.as_fd().map(|f| f.as_raw_fd()), Some(fd.as_raw_fd()));
    assert_eq!(
        BorrowedFd::try_from(&value).unwrap().as_raw_fd(),
        fd.as_raw_fd()
    );
    assert!(Arc::ptr_eq(
        &Arc::<OwnedFd>::try_from(value.clone()).unwrap(),
        &fd
    ));
    assert_eq!(value, Value::Fd(fd));
    // `Vec<Value>` converts to `av`: each element in a variant.
    let list = Value::from(vec![Value::from(1u8)]);
    assert_eq!(list.signature(), "av");
    assert_eq!(
        list.as_array().unwrap()[0],
        Value::Variant(Box::new(Value::Byte(1)))
    );
}

#[test]
fn arrays_and_dicts_check_their_items() {
    assert_eq!(
        Array::new("s", vec![Value::from(1u32)]).unwrap_err(),
        mismatch("s", "u")
    );
    assert_eq!(
        value_error(Array::new("ss", vec![]).unwrap_err()).0,
        InvalidKind::Signature
    );
    assert_eq!(
        value_error(Array::new("{sv}", vec![]).unwrap_err()).0,
        InvalidKind::Signature
    );
    let mut array = Array::new("u", vec![]).unwrap();
    array.push(Value::from(1u32)).unwrap();
    assert!(array.push(Value::from(1u8)).is_err());
    assert_eq!(array.into_items(), [Value::UInt32(1)]);
    assert_eq!(
        value_error(Dict::new("as", "s", vec![]).unwrap_err()).1,
        "a{ass}"
    );
    let mut dict = Dict::new("y", "s", vec![]).unwrap();
    assert_eq!(
        dict.push(Value::from("k"), Value::from("v")).unwrap_err(),
        mismatch("y", "s")
    );
    dict.push(Value::from(1u8), Value::from("v")).unwrap();
    assert_eq!(dict.into_entries(), [(Value::Byte(1), Value::from("v"))]);
    with_message(|msg| {
        let err = Value::Struct(Vec::new()).append_bare(msg).unwrap_err();
        assert_eq!(value_error(err).0, InvalidKind::Value);
        assert_eq!(msg.signature(), "");
    });
}

#[test]
fn coerce() {
    let ok = |value: Value, sig: &str| value.coerce(sig).unwrap();
    assert_eq!(ok(Value::from(7u64), "y"), Value::Byte(7));
    assert_eq!(ok(Value::from(-7i32), "x"), Value::Int64(-7));
    assert_eq!(
        ok(Value::from(u32::MAX), "t"),
        Value::UInt64(u32::MAX.into())
    );
    assert_eq!(ok(Value::from(3u8), "d"), Value::Double(3.0));
    assert_eq!(
        ok(Value::from("/a"), "o"),
        Value::from(ObjectPath::try_from("/a").unwrap())
    );
    assert_eq!(
        ok(Value::from("as"), "g"),
        Value::from(Signature::try_from("as").unwrap())
    );
    assert_eq!(ok(Value::from(ObjectPath::root()), "s"), Value::from("/"));
    assert_eq!(
        ok(Value::from(1u8), "v"),
        Value::Variant(Box::new(Value::Byte(1)))
    );
    assert_eq!(ok(Value::from(Variant(1u8)), "q"), Value::UInt16(1));
    assert_eq!(
        ok(Value::from(Variant(1u8)), "v"),
        Value::from(Variant(1u8))
    );
    let list = Value::from(vec![Value::from("a"), Value::from(7u8)]);
    assert_eq!(ok(list.clone(), "(si)"), Value::from(("a", 7i32)));
    assert_eq!(ok(list.clone(), "av"), list);
    assert_eq!(
        ok(Value::from(vec![1u8, 2]), "at"),
        Value::from(vec![1u64, 2])
    );
    assert_eq!(
        ok(Value::from(Vec::<u8>::new()), "a{sv}"),
        Value::from(HashMap::<String, Value>::new())
    );
    let pairs = Value::from(vec![("Foo", 1u8)]);
    let dict = ok(pairs, "a{sv}");
    assert_eq!(
        dict,
        Value::from(BTreeMap::from([("Foo".to_owned(), Value::from(1u8))]))
    );
    assert_eq!(
        ok(Value::from(BTreeMap::from([(1u8, 2u8)])), "a{qt}").signature(),
        "a{qt}"
    );

    let err = |value: Value, sig: &str| value_error(value.coerce(sig).unwrap_err());
    assert_eq!(
        err(Value::from(300u32), "y"),
        (
            InvalidKind::Value,
            "300".to_owned(),
            "is out of range for a byte (y)"
        )
    );
    assert_eq!(
        err(Value::from(-1i32), "u").2,
        "is out of range for a uint32 (u)"
    );
    assert_eq!(
        err(Value::from(u64::MAX), "d").2,
        "is out of range for a double (d)"
    );
    assert_eq!(
        err(Value::from(1.5), "i"),
        (
            InvalidKind::Value,
            "1.5".to_owned(),
            "cannot be converted to an int32 (i)"
        )
    );
    assert_eq!(
        err(Value::from(1u8), "b").2,
        "cannot be converted to a boolean (b)"
    );
    assert_eq!(
        err(Value::from(1u8), "s").2,
        "cannot be converted to a string (s)"
    );
    assert_eq!(
        err(Value::from("x"), "as").2,
        "cannot be converted to an array (a…)"
    );
    assert_eq!(err(Value::from("nope"), "o").0, InvalidKind::ObjectPath);
    assert_eq!(err(Value::from("{"), "g").0, InvalidKind::Signature);
    assert_eq!(
        err(Value::from((1u8,)), "(yy)").2,
        "has a different number of fields than the target struct"
    );
    assert_eq!(
        err(Value::from(vec![1u8]), "a{sv}").2,
        "cannot be converted to a dict entry (a two-field struct)"
    );
    assert_eq!(err(Value::from(vec![300u32]), "ay").1, "300");
    assert_eq!(err(Value::from(1u8), "a").0, InvalidKind::Signature);
    assert_eq!(err(Value::from(1u8), "{sv}").0, InvalidKind::Signature);
    assert_eq!(err(Value::from(1u8), "yy").0, InvalidKind::Signature);
}

#[test]
fn display() {
    let props = Value::from(BTreeMap::from([("Foo".to_owned(), Variant("bar"))]));
    assert_eq!(props.to_string(), r#"{"Foo": <"bar">}"#);
    assert_eq!(Value::from(vec![1u32, 2, 3]).to_string(), "[1, 2, 3]");
    assert_eq!(Value::from(Vec::<String>::new()).to_string(), "[]");
    assert_eq!(Value::from((1u8,)).to_string(), "(1,)");
    assert_eq!(
        Value::from((1u8, "a\"b\n", true)).to_string(),
        r#"(1, "a\"b\n", true)"#
    );
    assert_eq!(Value::from(1.0).to_string(), "1.0");
    assert_eq!(Value::from(ObjectPath::root()).to_string(), r#""/""#);
    assert_eq!(Value::from(Variant(Variant(-3i64))).to_string(), "<<-3>>");

    let busctl = |value: Value| value.display_busctl().to_string();
    assert_eq!(busctl(props), r#"a{sv} 1 "Foo" s "bar""#);
    assert_eq!(busctl(Value::from(vec!["a", "b"])), r#"as 2 "a" "b""#);
    assert_eq!(busctl(Value::from(Vec::<u8>::new())), "ay 0");
    assert_eq!(busctl(Value::from((-1i32, "x"))), r#"(is) -1 "x""#);
    assert_eq!(busctl(Value::from(vec![(1u8, 2u16)])), "a(yq) 1 1 2");
    assert_eq!(busctl(Value::from(Variant(vec![true]))), "v ab 1 true");
    assert_eq!(
        busctl(Value::from("tab\t\"é\"")),
        r#"s "tab\t\"\303\251\"""#
    );
    let doubles: Vec<String> = [
        1.5,
        100000.0,
        1e6,
        123456789.0,
        0.0001,
        1e-5,
        -2.5e-10,
        0.0,
        f64::INFINITY,
        f64::NAN,
    ]
    .into_iter()
    .map(|d| busctl(Value::from(d)))
    .collect();
    assert_eq!(
        doubles,
        [
            "d 1.5",
            "d 100000",
            "d 1e+06",
            "d 1.23457e+08",
            "d 0.0001",
            "d 1e-05",
            "d -2.5e-10",
            "d 0",
            "d inf",
            "d nan"
        ]
    );
}
