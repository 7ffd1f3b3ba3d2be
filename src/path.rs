//! Encoding arbitrary ids (unit names, user names…) into object path
//! elements and back, with sd-bus's own escaping.
//!
//! Object path elements may only contain `[A-Za-z0-9_]`. sd-bus escapes every
//! other byte, and a leading digit, as `_` followed by two lowercase hex
//! digits; an empty id becomes `_`. This is how systemd names its objects:
//!
//! ```
//! use sdbus::path::{path_decode, path_encode};
//!
//! let path = path_encode("/org/freedesktop/systemd1/unit", "dbus.service")?;
//! assert_eq!(path, "/org/freedesktop/systemd1/unit/dbus_2eservice");
//! let id = path_decode(&path, "/org/freedesktop/systemd1/unit")?;
//! assert_eq!(id.as_deref(), Some("dbus.service"));
//! # Ok::<(), sdbus::Error>(())
//! ```

use std::ffi::{c_char, CStr};
use std::ptr;

use libsystemd_sys as sys;

use crate::cstr::CStrBuf;
use crate::error::{check, Error, InvalidKind, Result};
use crate::names::ObjectPath;

/// The most `%` placeholders [`path_encode_many`] and [`path_decode_many`]
/// accept: the C functions are variadic, and are always called with this
/// many arguments.
pub const MAX_PLACEHOLDERS: usize = 8;

/// The object path of the id `external_id` under `prefix`: `prefix`, a `/`,
/// and the escaped id.
///
/// Fails if `prefix` is not a valid object path or `external_id` contains a
/// NUL byte.
///
/// ```
/// use sdbus::path::path_encode;
///
/// assert_eq!(path_encode("/unit", "foo@bar-1.service")?, "/unit/foo_40bar_2d1_2eservice");
/// assert_eq!(path_encode("/unit", "")?, "/unit/_");
/// assert_eq!(path_encode("/", "1")?, "/_31");
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn path_encode(prefix: &str, external_id: &str) -> Result<ObjectPath> {
    path_encode_bytes(prefix, external_id.as_bytes())
}

/// [`path_encode`] for an id that need not be UTF-8. Every byte except NUL
/// can be encoded.
pub fn path_encode_bytes(prefix: &str, external_id: &[u8]) -> Result<ObjectPath> {
    let prefix = CStrBuf::validated(prefix, InvalidKind::ObjectPath, ObjectPath::validate)?;
    let id = CStrBuf::from_bytes(external_id, InvalidKind::String)?;
    let mut out = ptr::null_mut();
    // SAFETY: both strings are NUL-terminated and outlive the call; `out` is
    // a valid place for the returned pointer.
    let ret = unsafe { sys::sd_bus_path_encode(prefix.as_ptr(), id.as_ptr(), &mut out) };
    check("sd_bus_path_encode", ret)?;
    // SAFETY: on success sd-bus stores a malloc'ed string in `out`, which is
    // ours to free.
    let encoded = unsafe { take_c_string(out) };
    into_object_path("sd_bus_path_encode", encoded)
}

/// The id encoded in `path` under `prefix`, or `None` if `path` is neither
/// `prefix` nor below it.
///
/// Everything after `prefix/` is decoded, so a `/` in that part stays in the
/// id, and `prefix` itself decodes to the empty id. An `_00` escape ends the
/// id, as sd-bus returns it as a C string.
///
/// Fails if either argument is not a valid object path, or if the decoded id
/// is not UTF-8 (use [`path_decode_bytes`] for such ids).
///
/// ```
/// use sdbus::path::path_decode;
///
/// let id = path_decode("/unit/foo_40bar_2d1_2eservice", "/unit")?;
/// assert_eq!(id.as_deref(), Some("foo@bar-1.service"));
/// assert_eq!(path_decode("/job/42", "/unit")?, None);
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn path_decode(path: &str, prefix: &str) -> Result<Option<String>> {
    path_decode_bytes(path, prefix)?
        .map(|id| String::from_utf8(id).map_err(|_| not_utf8(path)))
        .transpose()
}

/// [`path_decode`] for ids that need not be UTF-8.
pub fn path_decode_bytes(path: &str, prefix: &str) -> Result<Option<Vec<u8>>> {
    let path = CStrBuf::validated(path, InvalidKind::ObjectPath, ObjectPath::validate)?;
    let prefix = CStrBuf::validated(prefix, InvalidKind::ObjectPath, ObjectPath::validate)?;
    let mut out = ptr::null_mut();
    // SAFETY: both strings are NUL-terminated and outlive the call; `out` is
    // a valid place for the returned pointer.
    let ret = unsafe { sys::sd_bus_path_decode(path.as_ptr(), prefix.as_ptr(), &mut out) };
    // SAFETY: `out` is NULL or a malloc'ed string that sd-bus handed over to
    // us; it is read and freed exactly once here.
    let id = unsafe { take_c_string(out) };
    check("sd_bus_path_decode", ret)?;
    Ok(id)
}

/// Fills the `%` placeholders of `template` with the escaped `ids`, in order,
/// as `sd_bus_path_encode_many` does.
///
/// The template is an object path in which each `%` stands for one escaped
/// id; a placeholder may share its element with literal text
/// (`/org/example/user_%`). Fails if the template does not make a valid
/// object path, if the number of ids differs from the number of `%`, if there
/// are more than [`MAX_PLACEHOLDERS`] of them, or if an id contains a NUL
/// byte.
///
/// ```
/// use sdbus::path::{path_decode_many, path_encode_many};
///
/// let path = path_encode_many("/org/example/%/seat_%", &["alice", "0"])?;
/// assert_eq!(path, "/org/example/alice/seat__30");
/// let ids = path_decode_many(&path, "/org/example/%/seat_%")?;
/// assert_eq!(ids.unwrap(), ["alice", "0"]);
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn path_encode_many(template: &str, ids: &[&str]) -> Result<ObjectPath> {
    let placeholders = check_template(template)?;
    if ids.len() != placeholders {
        return Err(Error::invalid(
            InvalidKind::Argument,
            format!("{} ids for {placeholders} '%' in {template}", ids.len()),
            "the number of ids must match the number of '%' placeholders",
        ));
    }
    let owned = ids
        .iter()
        .map(|id| CStrBuf::new(id, InvalidKind::String))
        .collect::<Result<Vec<_>>>()?;
    // The C function reads exactly one argument per '%'; the padding after
    // the real ids is passed but never read.
    let mut args = [c"".as_ptr(); MAX_PLACEHOLDERS];
    for (arg, id) in args.iter_mut().zip(&owned) {
        *arg = id.as_ptr();
    }
    // A checked template makes an object path, so it has no NUL byte.
    let template = CStrBuf::new(template, InvalidKind::ObjectPath)?;
    let mut out = ptr::null_mut();
    // SAFETY: the template and every argument are NUL-terminated strings that
    // outlive the call (in `owned`, or static), and the template has no more
    // '%' than there are arguments; `out` is a valid place for the returned
    // pointer.
    let ret = unsafe {
        sys::sd_bus_path_encode_many(
            &mut out,
            template.as_ptr(),
            args[0],
            args[1],
            args[2],
            args[3],
            args[4],
            args[5],
            args[6],
            args[7],
        )
    };
    check("sd_bus_path_encode_many", ret)?;
    // SAFETY: on success sd-bus stores a malloc'ed string in `out`, which is
    // ours to free.
    let encoded = unsafe { take_c_string(out) };
    into_object_path("sd_bus_path_encode_many", encoded)
}

/// The ids in the `%` placeholders of `template` that `path` was made from,
/// or `None` if `path` does not match `template`, as
/// `sd_bus_path_decode_many` does.
///
/// Literal text of the template must match exactly; each `%` matches the
/// rest of its element, up to any literal text that follows it in the
/// element, and is decoded. Hence an element holds at most one `%`. Fails if
/// `path` is not a valid object path, if the template does not make one or
/// has an element with two `%`, or more than [`MAX_PLACEHOLDERS`] `%`, or if
/// an id is not UTF-8.
///
/// ```
/// use sdbus::path::path_decode_many;
///
/// let ids = path_decode_many("/org/example/user_alice/x", "/org/example/user_%/%")?;
/// assert_eq!(ids.unwrap(), ["alice", "x"]);
/// assert_eq!(path_decode_many("/org/other/x", "/org/example/%")?, None);
/// # Ok::<(), sdbus::Error>(())
/// ```
pub fn path_decode_many(path: &str, template: &str) -> Result<Option<Vec<String>>> {
    ObjectPath::validate(path)?;
    let placeholders = check_template(template)?;
    // With two '%' in one element, sd-bus treats the second as literal text
    // and fills fewer outputs than there are '%'.
    if template
        .split('/')
        .any(|element| element.matches('%').count() > 1)
    {
        return Err(Error::invalid(
            InvalidKind::ObjectPath,
            template,
            "more than one '%' in one element",
        ));
    }
    let path_c = CStrBuf::new(path, InvalidKind::ObjectPath)?;
    let template = CStrBuf::new(template, InvalidKind::ObjectPath)?;
    let mut outs = [ptr::null_mut::<c_char>(); MAX_PLACEHOLDERS];
    let o = outs.as_mut_ptr();
    // SAFETY: both strings are NUL-terminated and outlive the call. Every
    // output argument points into `outs`, which has room for one output per
    // '%' (checked above); sd-bus writes only the first `placeholders` of
    // them, and only on a match.
    let ret = unsafe {
        sys::sd_bus_path_decode_many(
            path_c.as_ptr(),
            template.as_ptr(),
            o,
            o.add(1),
            o.add(2),
            o.add(3),
            o.add(4),
            o.add(5),
            o.add(6),
            o.add(7),
        )
    };
    // Take every output, set or not, so that none leaks whatever happens
    // next.
    let labels: Vec<Option<Vec<u8>>> = outs
        .iter()
        // SAFETY: each output is NULL or a malloc'ed string that sd-bus
        // handed over to us; each is taken exactly once.
        .map(|&out| unsafe { take_c_string(out) })
        .collect();
    if check("sd_bus_path_decode_many", ret)? == 0 {
        return Ok(None);
    }
    labels
        .into_iter()
        .take(placeholders)
        .map(|label| {
            // A match fills one output per '%' of a checked template.
            let label = label.ok_or_else(|| {
                Error::from_negative_errno("sd_bus_path_decode_many", -libc::EPROTO)
            })?;
            String::from_utf8(label).map_err(|_| not_utf8(path))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// Checks that `template` makes a valid object path whatever the ids are,
/// and returns its number of `%` placeholders.
fn check_template(template: &str) -> Result<usize> {
    let placeholders = template.matches('%').count();
    if placeholders > MAX_PLACEHOLDERS {
        return Err(Error::invalid(
            InvalidKind::Argument,
            format!("{placeholders} '%' in {template}"),
            "at most 8 '%' placeholders are supported",
        ));
    }
    // An escaped id is a non-empty run of [A-Za-z0-9_], so one such run in
    // place of each '%' shows whether every result is valid.
    ObjectPath::validate(&template.replace('%', "_")).map_err(|err| match err {
        Error::Invalid { kind, reason, .. } => Error::invalid(kind, template, reason),
        other => other,
    })?;
    Ok(placeholders)
}

/// Copies a C string that sd-bus allocated, and frees it. `None` for NULL.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string from `malloc` that nothing
/// else uses or frees afterwards.
unsafe fn take_c_string(ptr: *mut c_char) -> Option<Vec<u8>> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees a valid NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes().to_vec();
    // SAFETY: the caller hands the allocation over to us, and it came from
    // malloc; it is not used after this.
    unsafe { libc::free(ptr.cast()) };
    Some(bytes)
}

/// Turns what sd-bus encoded into an [`ObjectPath`], checking it anyway: a
/// malformed result would make later calls fail far from the cause.
fn into_object_path(operation: &'static str, encoded: Option<Vec<u8>>) -> Result<ObjectPath> {
    let encoded = encoded.ok_or_else(|| Error::from_negative_errno(operation, -libc::EPROTO))?;
    let encoded = String::from_utf8(encoded).map_err(|err| {
        Error::invalid(
            InvalidKind::ObjectPath,
            String::from_utf8_lossy(err.as_bytes()),
            "not valid UTF-8",
        )
    })?;
    ObjectPath::try_from(encoded)
}

fn not_utf8(path: &str) -> Error {
    Error::invalid(
        InvalidKind::ObjectPath,
        path,
        "encodes an id that is not UTF-8",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIT: &str = "/org/freedesktop/systemd1/unit";

    #[test]
    fn known_encodings() {
        let cases: &[(&str, &str)] = &[
            ("dbus.service", "dbus_2eservice"),
            ("foo@bar-1.service", "foo_40bar_2d1_2eservice"),
            ("\\x2d", "_5cx2d"),
            ("ü.service", "_c3_bc_2eservice"),
            ("", "_"),
            ("_", "_5f"),
            ("1a2", "_31a2"),
            ("a/b", "a_2fb"),
        ];
        for &(id, element) in cases {
            let path = path_encode(UNIT, id).unwrap();
            assert_eq!(path, format!("{UNIT}/{element}"), "{id:?}");
            assert_eq!(path_decode(&path, UNIT).unwrap().as_deref(), Some(id));
        }
        assert_eq!(path_encode("/", "x.y").unwrap(), "/x_2ey");
        assert_eq!(path_decode("/x_2ey", "/").unwrap().as_deref(), Some("x.y"));
    }

    #[test]
    fn decoding_outside_the_prefix() {
        assert_eq!(
            path_decode("/org/freedesktop/systemd1/job/1", UNIT).unwrap(),
            None
        );
        assert_eq!(
            path_decode("/org/freedesktop/systemd1/unitx", UNIT).unwrap(),
            None
        );
        assert_eq!(path_decode(UNIT, UNIT).unwrap().as_deref(), Some(""));
        assert_eq!(
            path_decode("/a/b/c_2e", "/a").unwrap().as_deref(),
            Some("b/c.")
        );
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(
            path_encode("unit", "x"),
            Err(Error::invalid(
                InvalidKind::ObjectPath,
                "unit",
                "must start with '/'"
            ))
        );
        assert_eq!(
            path_encode(UNIT, "a\0b"),
            Err(Error::invalid(
                InvalidKind::String,
                "a\0b",
                "contains a NUL byte"
            ))
        );
        assert_eq!(
            path_decode("/a/", "/a"),
            Err(Error::invalid(
                InvalidKind::ObjectPath,
                "/a/",
                "ends with '/'"
            ))
        );
        assert_eq!(
            path_decode("/a/b", "/a//"),
            Err(Error::invalid(
                InvalidKind::ObjectPath,
                "/a//",
                "ends with '/'"
            ))
        );
        assert_eq!(
            path_decode("/a/_ff", "/a"),
            Err(Error::invalid(
                InvalidKind::ObjectPath,
                "/a/_ff",
                "encodes an id that is not UTF-8"
            ))
        );
        assert_eq!(path_decode_bytes("/a/_ff", "/a").unwrap(), Some(vec![0xff]));
    }

    #[test]
    fn many() {
        let path = path_encode_many("/org/example/%/x_%/%", &["a.b", "", "9"]).unwrap();
        assert_eq!(path, "/org/example/a_2eb/x__/_39");
        let ids = path_decode_many(&path, "/org/example/%/x_%/%")
            .unwrap()
            .unwrap();
        assert_eq!(ids, ["a.b", "", "9"]);

        assert_eq!(path_encode_many("/fixed", &[]).unwrap(), "/fixed");
        assert_eq!(path_decode_many("/fixed", "/fixed").unwrap(), Some(vec![]));
        assert_eq!(path_decode_many("/other", "/fixed").unwrap(), None);
        assert_eq!(path_decode_many("/org/a/b", "/org/%").unwrap(), None);
        assert_eq!(
            path_decode_many("/org/a_2d", "/org/%_2d").unwrap().unwrap(),
            ["a"]
        );

        let eight = ["1", "2", "3", "4", "5", "6", "7", "8"];
        let template = "/%".repeat(8);
        let path = path_encode_many(&template, &eight).unwrap();
        assert_eq!(path_decode_many(&path, &template).unwrap().unwrap(), eight);
    }

    #[test]
    fn many_refuses_bad_templates_and_counts() {
        assert_eq!(
            path_encode_many("/a/%", &["x", "y"]),
            Err(Error::invalid(
                InvalidKind::Argument,
                "2 ids for 1 '%' in /a/%",
                "the number of ids must match the number of '%' placeholders"
            ))
        );
        let nine = "/%".repeat(9);
        let err = Error::invalid(
            InvalidKind::Argument,
            format!("9 '%' in {nine}"),
            "at most 8 '%' placeholders are supported",
        );
        assert_eq!(path_encode_many(&nine, &["x"; 9]), Err(err.clone()));
        assert_eq!(path_decode_many("/a", &nine), Err(err));
        assert_eq!(
            path_encode_many("a/%", &["x"]),
            Err(Error::invalid(
                InvalidKind::ObjectPath,
                "a/%",
                "must start with '/'"
            ))
        );
        assert_eq!(
            path_encode_many("/a-%", &["x"]),
            Err(Error::invalid(
                InvalidKind::ObjectPath,
                "/a-%",
                "invalid character (allowed: A-Z a-z 0-9 _)"
            ))
        );
        assert_eq!(
            path_encode_many("/%", &["x\0"]),
            Err(Error::invalid(
                InvalidKind::String,
                "x\0",
                "contains a NUL byte"
            ))
        );
        assert_eq!(
            path_decode_many("/a/b", "/a/%_%"),
            Err(Error::invalid(
                InvalidKind::ObjectPath,
                "/a/%_%",
                "more than one '%' in one element"
            ))
        );
        assert_eq!(
            path_decode_many("/a//b", "/a/%"),
            Err(Error::invalid(
                InvalidKind::ObjectPath,
                "/a//b",
                "empty element"
            ))
        );
    }

    /// A small deterministic PRNG (xorshift64), so that the round trip below
    /// covers many inputs without a property-testing crate.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        /// A random id: NUL-free bytes, biased towards the characters that
        /// unit names use and towards multi-byte UTF-8.
        fn id(&mut self) -> Vec<u8> {
            const SPECIAL: &[u8] = b"@-.\\_/";
            const UTF8: &[&str] = &["\u{fc}", "\u{20ac}", "\u{1f600}", "\u{7f}", "\u{80}"];
            let len = self.below(40);
            let mut id = Vec::new();
            while (id.len() as u64) < len {
                match self.below(4) {
                    0 => id.push(SPECIAL[self.below(SPECIAL.len() as u64) as usize]),
                    1 => id
                        .extend_from_slice(UTF8[self.below(UTF8.len() as u64) as usize].as_bytes()),
                    _ => id.push(1 + self.below(255) as u8),
                }
            }
            id
        }
    }

    /// sd-bus's escaping, written out, to check the C results against.
    fn reference_escape(id: &[u8]) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        if id.is_empty() {
            return "_".to_owned();
        }
        let mut out = String::new();
        for (i, &b) in id.iter().enumerate() {
            if b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()) {
                out.push(char::from(b));
            } else {
                out.push('_');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
        out
    }

    #[test]
    fn random_ids_round_trip() {
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        for _ in 0..2000 {
            let id = rng.id();
            let path = path_encode_bytes(UNIT, &id).unwrap();
            assert!(ObjectPath::is_valid(&path), "{path}");
            assert_eq!(*path, format!("{UNIT}/{}", reference_escape(&id)));
            assert_eq!(
                path_decode_bytes(&path, UNIT).unwrap(),
                Some(id.clone()),
                "{path}"
            );

            if let Ok(text) = String::from_utf8(id) {
                assert_eq!(path_encode(UNIT, &text).unwrap(), path);
                assert_eq!(path_decode(&path, UNIT).unwrap(), Some(text.clone()));
                let many = path_encode_many("/a/%/b_%", &[&text, "x"]).unwrap();
                assert_eq!(
                    path_decode_many(&many, "/a/%/b_%").unwrap(),
                    Some(vec![text, "x".to_owned()])
                );
            }
        }
    }
}
