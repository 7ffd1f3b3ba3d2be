//! Validated D-Bus names: object paths, bus names, interface, member and
//! error names, and type signatures.
//!
//! Each type checks its contents on construction, in Rust, following the
//! D-Bus specification the way sd-bus applies it, so a value of one of these
//! types is never refused by sd-bus for being malformed. Construct them with
//! `TryFrom` or `parse`; they dereference to `str`.
//!
//! ```
//! use sdbus::names::{InterfaceName, ObjectPath};
//!
//! let path = ObjectPath::try_from("/org/freedesktop/systemd1")?;
//! assert_eq!(path.parent().unwrap(), "/org/freedesktop");
//! let iface: InterfaceName = "org.freedesktop.systemd1.Manager".parse()?;
//! assert!(iface.starts_with("org.freedesktop"));
//! assert!("org..Broken".parse::<InterfaceName>().is_err());
//! # Ok::<(), sdbus::Error>(())
//! ```

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use crate::error::{Error, InvalidKind, Result};

/// The longest bus, interface, member or error name, in bytes.
const MAX_NAME_LEN: usize = 255;
/// The longest signature, in bytes.
const MAX_SIGNATURE_LEN: usize = 255;
/// sd-bus refuses object paths longer than this (`BUS_PATH_SIZE_MAX`).
const MAX_PATH_LEN: usize = 64 * 1024;
/// The deepest nesting of arrays, and separately of structs, in a signature.
const MAX_DEPTH: u32 = 32;

/// Defines an owned, validated name type: `$check` returns the reason a
/// string is refused.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $kind:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("Whether `s` is a valid [`", stringify!($name), "`].")]
            #[inline]
            pub fn is_valid(s: &str) -> bool {
                $check(s).is_ok()
            }

            /// Checks `s`, with an [`Error::Invalid`] that says why it is
            /// refused.
            #[inline]
            pub(crate) fn validate(s: &str) -> Result<()> {
                $check(s).map_err(|reason| Error::invalid(InvalidKind::$kind, s, reason))
            }

            /// The name as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The name as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;

            fn try_from(s: &str) -> Result<Self> {
                Self::validate(s)?;
                Ok(Self(s.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;

            fn try_from(s: String) -> Result<Self> {
                Self::validate(&s)?;
                Ok(Self(s))
            }
        }

        impl FromStr for $name {
            type Err = Error;

            fn from_str(s: &str) -> Result<Self> {
                Self::try_from(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

name_type! {
    /// A D-Bus object path: `/`, or `/` followed by `/`-separated elements of
    /// `[A-Za-z0-9_]`, without a trailing `/`.
    ///
    /// ```
    /// use sdbus::names::ObjectPath;
    ///
    /// let unit = ObjectPath::root()
    ///     .child("org")?
    ///     .child("freedesktop")?
    ///     .child("systemd1")?;
    /// assert_eq!(unit, "/org/freedesktop/systemd1");
    /// assert!(ObjectPath::is_valid("/a/b_c"));
    /// assert!(!ObjectPath::is_valid("/a//b"));
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    ObjectPath, ObjectPath, check_object_path
}

name_type! {
    /// A bus name: unique (`:1.42`, assigned by the bus) or well-known
    /// (`org.freedesktop.systemd1`).
    ///
    /// At most 255 bytes of at least two `.`-separated elements of
    /// `[A-Za-z0-9_-]`; the elements of a well-known name do not start with
    /// a digit.
    ///
    /// ```
    /// use sdbus::names::BusName;
    ///
    /// let name = BusName::try_from(":1.42")?;
    /// assert!(name.is_unique());
    /// assert!(BusName::is_valid("org.freedesktop.systemd1"));
    /// assert!(!BusName::is_valid("org.7zip"));
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    BusName, BusName, check_bus_name
}

name_type! {
    /// An interface name, such as `org.freedesktop.DBus.Properties`.
    ///
    /// At most 255 bytes of at least two `.`-separated elements of
    /// `[A-Za-z0-9_]` that do not start with a digit.
    InterfaceName, InterfaceName, check_interface_name
}

name_type! {
    /// A method, signal or property name, such as `GetUnit`.
    ///
    /// 1 to 255 bytes of `[A-Za-z0-9_]`, not starting with a digit. (sd-bus
    /// itself lets a leading digit through, but the bus daemon refuses it.)
    MemberName, MemberName, check_member_name
}

name_type! {
    /// A D-Bus error name, such as `org.freedesktop.DBus.Error.Failed`. The
    /// rules are those of [`InterfaceName`].
    ErrorName, ErrorName, check_interface_name
}

name_type! {
    /// A D-Bus type signature: a sequence of complete types, such as
    /// `sa{sv}(ii)`. The empty signature is valid.
    ///
    /// ```
    /// use sdbus::names::Signature;
    ///
    /// let sig = Signature::try_from("sa{sv}(ii)")?;
    /// let types: Vec<&str> = sig.split_complete_types().collect();
    /// assert_eq!(types, ["s", "a{sv}", "(ii)"]);
    /// assert!(!Signature::is_valid("{sv}"));
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    Signature, Signature, check_signature
}

impl ObjectPath {
    /// The root path, `/`.
    pub fn root() -> Self {
        ObjectPath("/".to_owned())
    }

    /// The path one element up, or `None` for `/`.
    ///
    /// ```
    /// use sdbus::names::ObjectPath;
    ///
    /// let path = ObjectPath::try_from("/org/freedesktop")?;
    /// assert_eq!(path.parent().unwrap(), "/org");
    /// assert_eq!(path.parent().unwrap().parent().unwrap(), "/");
    /// assert_eq!(ObjectPath::root().parent(), None);
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn parent(&self) -> Option<ObjectPath> {
        if self.0.len() == 1 {
            return None;
        }
        let cut = self.0.rfind('/')?;
        // Keep the leading '/' when the parent is the root.
        Some(ObjectPath(self.0[..cut.max(1)].to_owned()))
    }

    /// This path with one more element. The element must already be encoded:
    /// non-empty and made of `[A-Za-z0-9_]` only (see
    /// [`path_encode`](crate::path::path_encode) to turn arbitrary text into an
    /// element).
    ///
    /// ```
    /// use sdbus::names::ObjectPath;
    ///
    /// let path = ObjectPath::try_from("/org")?;
    /// assert_eq!(path.child("freedesktop")?, "/org/freedesktop");
    /// assert!(path.child("a/b").is_err());
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn child(&self, encoded_element: &str) -> Result<ObjectPath> {
        let mut joined = String::with_capacity(self.0.len() + 1 + encoded_element.len());
        joined.push_str(&self.0);
        if joined.len() > 1 {
            joined.push('/');
        }
        joined.push_str(encoded_element);
        match check_path_element(encoded_element) {
            Ok(()) => ObjectPath::try_from(joined),
            Err(reason) => Err(Error::invalid(InvalidKind::ObjectPath, joined, reason)),
        }
    }
}

impl BusName {
    /// Whether this is a unique name (`:1.42`), assigned by the bus to one
    /// connection, rather than a well-known one.
    pub fn is_unique(&self) -> bool {
        self.0.starts_with(':')
    }
}

impl Signature {
    /// The complete types this signature is a sequence of.
    ///
    /// ```
    /// use sdbus::names::Signature;
    ///
    /// let sig = Signature::try_from("a(so)va{sa{sv}}")?;
    /// let types: Vec<&str> = sig.split_complete_types().collect();
    /// assert_eq!(types, ["a(so)", "v", "a{sa{sv}}"]);
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn split_complete_types(&self) -> impl Iterator<Item = &str> + '_ {
        let mut rest = self.as_str();
        std::iter::from_fn(move || {
            let len = complete_type_len(rest.as_bytes())?;
            // Signatures are ASCII, so every length is a char boundary.
            let (head, tail) = (rest.get(..len)?, rest.get(len..)?);
            rest = tail;
            Some(head)
        })
    }
}

// ---------------------------------------------------------------------------
// Fast acceptance. Names are checked on every call made, so each check is a
// table-driven automaton: one addition and one table lookup per byte, no
// branch until the end (its dead state absorbs every later byte). Only when
// it refuses do the `*_refusal` functions below walk the name again to say
// why; they define validity, the automata only accept (and are tested to
// agree with them on every short string over the bytes that matter).
// ---------------------------------------------------------------------------

/// Byte classes, to write the automata's transitions.
const OTHER: u8 = 0;
const LETTER: u8 = 1; // A-Z a-z _
const DIGIT: u8 = 2;
const DOT: u8 = 3;
const DASH: u8 = 4;
const SLASH: u8 = 5;
const COLON: u8 = 6;

/// The class of a byte: NUL and non-ASCII bytes are `OTHER`.
const fn class(b: u8) -> u8 {
    match b {
        b'A'..=b'Z' | b'a'..=b'z' | b'_' => LETTER,
        b'0'..=b'9' => DIGIT,
        b'.' => DOT,
        b'-' => DASH,
        b'/' => SLASH,
        b':' => COLON,
        _ => OTHER,
    }
}

/// A deterministic automaton over bytes with `S` states. A state is kept as
/// its row's offset in the flattened table (`state * 256`), so that a step
/// is `next[offset + byte]`. State 0 is the start; the last state is dead:
/// every missing transition goes there, and it loops on itself.
struct Automaton<const S: usize> {
    next: [[u16; 256]; S],
    /// Bit `s` set: state `s` accepts.
    accepting: u32,
}

impl<const S: usize> Automaton<S> {
    /// Builds the table from `(state, class, next state)` transitions.
    const fn new(transitions: &[(u8, u8, u8)], accepting: &[u8]) -> Self {
        assert!(S <= 32 && S * 256 <= u16::MAX as usize + 1);
        let dead = (S - 1) as u16;
        let mut next = [[dead * 256; 256]; S];
        let mut k = 0;
        while k < transitions.len() {
            let (from, byte_class, to) = transitions[k];
            assert!((from as u16) < dead && (to as u16) <= dead);
            let mut b = 0;
            while b < 256 {
                if class(b as u8) == byte_class {
                    next[from as usize][b] = to as u16 * 256;
                }
                b += 1;
            }
            k += 1;
        }
        let mut mask = 0;
        let mut k = 0;
        while k < accepting.len() {
            mask |= 1 << accepting[k];
            k += 1;
        }
        Automaton {
            next,
            accepting: mask,
        }
    }

    /// Whether the automaton accepts `bytes`.
    #[inline]
    fn accepts(&self, bytes: &[u8]) -> bool {
        let next = self.next.as_flattened();
        let step = |offset: usize, b: u8| {
            let index = offset + usize::from(b);
            debug_assert!(index < next.len());
            // SAFETY: `offset` is 0 or an entry of `next`, and every entry is
            // `state * 256` for a state below `S` (see `new`); with `b < 256`
            // the index is below `S * 256`, the length of `next`.
            usize::from(unsafe { *next.get_unchecked(index) })
        };
        let mut offset = 0;
        let mut chunks = bytes.chunks_exact(4);
        for c in &mut chunks {
            offset = step(step(step(step(offset, c[0]), c[1]), c[2]), c[3]);
        }
        for &b in chunks.remainder() {
            offset = step(offset, b);
        }
        self.accepting >> (offset / 256) & 1 != 0
    }
}

/// `/`, or `/`-separated non-empty elements of `[A-Za-z0-9_]` after a
/// leading `/`, without a trailing one (the length is checked apart).
static OBJECT_PATH: Automaton<5> = {
    const ROOT: u8 = 1;
    const ELEMENT: u8 = 2;
    const SEPARATOR: u8 = 3;
    Automaton::new(
        &[
            (0, SLASH, ROOT),
            (ROOT, LETTER, ELEMENT),
            (ROOT, DIGIT, ELEMENT),
            (ELEMENT, LETTER, ELEMENT),
            (ELEMENT, DIGIT, ELEMENT),
            (ELEMENT, SLASH, SEPARATOR),
            (SEPARATOR, LETTER, ELEMENT),
            (SEPARATOR, DIGIT, ELEMENT),
        ],
        &[ROOT, ELEMENT],
    )
};

/// Two or more `.`-separated elements of `[A-Za-z0-9_]` not starting with
/// a digit.
static INTERFACE_NAME: Automaton<5> = {
    const FIRST: u8 = 1;
    const DOTTED: u8 = 2;
    const LATER: u8 = 3;
    Automaton::new(
        &[
            (0, LETTER, FIRST),
            (FIRST, LETTER, FIRST),
            (FIRST, DIGIT, FIRST),
            (FIRST, DOT, DOTTED),
            (DOTTED, LETTER, LATER),
            (LATER, LETTER, LATER),
            (LATER, DIGIT, LATER),
            (LATER, DOT, DOTTED),
        ],
        &[LATER],
    )
};

/// Well-known names: two or more `.`-separated elements of
/// `[A-Za-z0-9_-]` not starting with a digit; unique names: `:` then two or
/// more such elements that may start with one.
static BUS_NAME: Automaton<9> = {
    const FIRST: u8 = 1;
    const DOTTED: u8 = 2;
    const LATER: u8 = 3;
    const UNIQUE: u8 = 4;
    const U_FIRST: u8 = 5;
    const U_DOTTED: u8 = 6;
    const U_LATER: u8 = 7;
    Automaton::new(
        &[
            (0, LETTER, FIRST),
            (0, DASH, FIRST),
            (0, COLON, UNIQUE),
            (FIRST, LETTER, FIRST),
            (FIRST, DIGIT, FIRST),
            (FIRST, DASH, FIRST),
            (FIRST, DOT, DOTTED),
            (DOTTED, LETTER, LATER),
            (DOTTED, DASH, LATER),
            (LATER, LETTER, LATER),
            (LATER, DIGIT, LATER),
            (LATER, DASH, LATER),
            (LATER, DOT, DOTTED),
            (UNIQUE, LETTER, U_FIRST),
            (UNIQUE, DIGIT, U_FIRST),
            (UNIQUE, DASH, U_FIRST),
            (U_FIRST, LETTER, U_FIRST),
            (U_FIRST, DIGIT, U_FIRST),
            (U_FIRST, DASH, U_FIRST),
            (U_FIRST, DOT, U_DOTTED),
            (U_DOTTED, LETTER, U_LATER),
            (U_DOTTED, DIGIT, U_LATER),
            (U_DOTTED, DASH, U_LATER),
            (U_LATER, LETTER, U_LATER),
            (U_LATER, DIGIT, U_LATER),
            (U_LATER, DASH, U_LATER),
            (U_LATER, DOT, U_DOTTED),
        ],
        &[LATER, U_LATER],
    )
};

/// One or more bytes of `[A-Za-z0-9_]`, not starting with a digit.
static MEMBER_NAME: Automaton<3> = {
    const MEMBER: u8 = 1;
    Automaton::new(
        &[
            (0, LETTER, MEMBER),
            (MEMBER, LETTER, MEMBER),
            (MEMBER, DIGIT, MEMBER),
        ],
        &[MEMBER],
    )
};

#[inline]
fn check_object_path(s: &str) -> Result<(), &'static str> {
    if s.len() <= MAX_PATH_LEN && OBJECT_PATH.accepts(s.as_bytes()) {
        Ok(())
    } else {
        object_path_refusal(s)
    }
}

#[inline]
fn check_bus_name(s: &str) -> Result<(), &'static str> {
    if s.len() <= MAX_NAME_LEN && BUS_NAME.accepts(s.as_bytes()) {
        Ok(())
    } else {
        bus_name_refusal(s)
    }
}

#[inline]
fn check_interface_name(s: &str) -> Result<(), &'static str> {
    if s.len() <= MAX_NAME_LEN && INTERFACE_NAME.accepts(s.as_bytes()) {
        Ok(())
    } else {
        interface_name_refusal(s)
    }
}

#[inline]
fn check_member_name(s: &str) -> Result<(), &'static str> {
    if s.len() <= MAX_NAME_LEN && MEMBER_NAME.accepts(s.as_bytes()) {
        Ok(())
    } else {
        member_name_refusal(s)
    }
}

// ---------------------------------------------------------------------------
// The rules, with the reason for refusing a name.
// ---------------------------------------------------------------------------

#[cold]
#[inline(never)]
fn object_path_refusal(s: &str) -> Result<(), &'static str> {
    let Some((&b'/', elements)) = s.as_bytes().split_first() else {
        return Err("must start with '/'");
    };
    if elements.is_empty() {
        return Ok(());
    }
    if s.len() > MAX_PATH_LEN {
        return Err("longer than 65536 bytes");
    }
    if elements.last() == Some(&b'/') {
        return Err("ends with '/'");
    }
    // One pass over the bytes: paths are checked on every call made.
    let mut element_empty = true;
    for &b in elements {
        if b == b'/' {
            if element_empty {
                return Err("empty element");
            }
            element_empty = true;
        } else if is_identifier_byte(b) {
            element_empty = false;
        } else {
            return Err(BAD_IDENTIFIER_CHAR);
        }
    }
    Ok(())
}

fn check_path_element(element: &str) -> Result<(), &'static str> {
    if element.is_empty() {
        return Err("empty element");
    }
    if element.bytes().all(is_identifier_byte) {
        Ok(())
    } else {
        Err(BAD_IDENTIFIER_CHAR)
    }
}

/// Why a name with a character outside `[A-Za-z0-9_]` is refused.
const BAD_IDENTIFIER_CHAR: &str = "invalid character (allowed: A-Z a-z 0-9 _)";

#[cold]
#[inline(never)]
fn bus_name_refusal(s: &str) -> Result<(), &'static str> {
    let (unique, elements) = match s.strip_prefix(':') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    check_dotted(s, elements, |element| {
        // Only the elements of unique names (`:1.42`) may start with a digit.
        if !unique && starts_with_digit(element) {
            return Err("element starts with a digit");
        }
        if element.bytes().all(|b| is_identifier_byte(b) || b == b'-') {
            Ok(())
        } else {
            Err("invalid character (allowed: A-Z a-z 0-9 _ -)")
        }
    })
}

#[cold]
#[inline(never)]
fn interface_name_refusal(s: &str) -> Result<(), &'static str> {
    check_dotted(s, s, |element| {
        if starts_with_digit(element) {
            Err("element starts with a digit")
        } else if element.bytes().all(is_identifier_byte) {
            Ok(())
        } else {
            Err(BAD_IDENTIFIER_CHAR)
        }
    })
}

#[cold]
#[inline(never)]
fn member_name_refusal(s: &str) -> Result<(), &'static str> {
    if s.is_empty() {
        Err("empty")
    } else if s.len() > MAX_NAME_LEN {
        Err("longer than 255 bytes")
    } else if starts_with_digit(s) {
        Err("starts with a digit")
    } else if s.bytes().all(is_identifier_byte) {
        Ok(())
    } else {
        Err(BAD_IDENTIFIER_CHAR)
    }
}

/// Checks a name of at least two non-empty `.`-separated elements: `whole`
/// is the entire name (for its length), `elements` the part that is split.
fn check_dotted(
    whole: &str,
    elements: &str,
    check_element: impl Fn(&str) -> Result<(), &'static str>,
) -> Result<(), &'static str> {
    if whole.is_empty() {
        return Err("empty");
    }
    if whole.len() > MAX_NAME_LEN {
        return Err("longer than 255 bytes");
    }
    // Split by hand: names are checked on every call made, and the generic
    // `str::split` machinery costs more than the check itself.
    let mut count = 0;
    let mut start = 0;
    let bytes = elements.as_bytes();
    for end in (0..=bytes.len()).filter(|&i| i == bytes.len() || bytes[i] == b'.') {
        // Dots are ASCII, so both ends are char boundaries.
        let element = elements.get(start..end).unwrap_or_default();
        if element.is_empty() {
            return Err("empty element");
        }
        check_element(element)?;
        count += 1;
        start = end + 1;
    }
    if count < 2 {
        return Err("needs at least two elements separated by '.'");
    }
    Ok(())
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn starts_with_digit(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

fn check_signature(s: &str) -> Result<(), &'static str> {
    // Checking the length first also bounds the recursion below.
    if s.len() > MAX_SIGNATURE_LEN {
        return Err("longer than 255 bytes");
    }
    let mut rest = s.as_bytes();
    while !rest.is_empty() {
        let len = element_len(rest, false, 0, 0)?;
        rest = &rest[len..];
    }
    Ok(())
}

/// The length in bytes of the complete type that `sig` starts with, or
/// `None` if it does not start with a valid one (or is empty).
///
/// A dict entry (`{sv}`) counts as a complete type here, as in sd-bus, so
/// that the element type of an array (`a{sv}` → `{sv}`) can be measured too.
pub(crate) fn complete_type_len(sig: &[u8]) -> Option<usize> {
    element_len(sig, true, 0, 0).ok()
}

fn is_basic(code: u8) -> bool {
    b"ybnqiuxtdsogh".contains(&code)
}

/// The length of the complete type `sig` starts with, following sd-bus's
/// `signature_element_length`: `arrays` and `structs` are the nesting depth
/// so far, and `dict_entry_allowed` is set directly after an `a`.
fn element_len(
    sig: &[u8],
    dict_entry_allowed: bool,
    arrays: u32,
    structs: u32,
) -> Result<usize, &'static str> {
    match sig.first().copied() {
        None => Err("missing type"),
        Some(code) if is_basic(code) || code == b'v' => Ok(1),
        Some(b'a') => {
            if arrays >= MAX_DEPTH {
                return Err("more than 32 nested arrays");
            }
            if sig.len() == 1 {
                return Err("array without an element type");
            }
            Ok(1 + element_len(&sig[1..], true, arrays + 1, structs)?)
        }
        Some(b'(') => {
            if structs >= MAX_DEPTH {
                return Err("more than 32 nested structs");
            }
            match container_len(sig, false, arrays, structs)? {
                (0, _) => Err("empty struct"),
                (_, len) => Ok(len),
            }
        }
        Some(b'{') => {
            if !dict_entry_allowed {
                return Err("dict entry outside an array");
            }
            // sd-bus counts dict entries as structs for the depth limit.
            if structs >= MAX_DEPTH {
                return Err("more than 32 nested structs");
            }
            match container_len(sig, true, arrays, structs)? {
                (2, len) => Ok(len),
                _ => Err("dict entry does not have exactly two types"),
            }
        }
        Some(b')') => Err("unbalanced ')'"),
        Some(b'}') => Err("unbalanced '}'"),
        Some(_) => Err("unknown type code"),
    }
}

/// Measures the struct or dict entry `sig` starts with (its opening bracket
/// included): the number of complete types inside and the total length.
fn container_len(
    sig: &[u8],
    dict_entry: bool,
    arrays: u32,
    structs: u32,
) -> Result<(usize, usize), &'static str> {
    let (close, unbalanced) = if dict_entry {
        (b'}', "unbalanced '{'")
    } else {
        (b')', "unbalanced '('")
    };
    let mut pos = 1;
    let mut fields = 0;
    loop {
        match sig.get(pos) {
            None => return Err(unbalanced),
            Some(&c) if c == close => return Ok((fields, pos + 1)),
            Some(&c) => {
                if dict_entry && fields == 0 && !is_basic(c) {
                    return Err("dict entry key is not a basic type");
                }
                pos += element_len(&sig[pos..], false, arrays, structs + 1)?;
                fields += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::ffi::CString;

    use libsystemd_sys as sys;

    use super::*;

    /// Asserts that `check` refuses `bad` with exactly `reason`.
    fn refused(check: fn(&str) -> Result<(), &'static str>, bad: &str, reason: &str) {
        assert_eq!(check(bad), Err(reason), "{bad:?}");
    }

    /// Compares a validator with the one libsystemd exports.
    fn agrees_with_sd_bus(
        ours: fn(&str) -> bool,
        theirs: unsafe extern "C" fn(*const std::ffi::c_char) -> std::ffi::c_int,
        samples: &[&str],
    ) {
        for s in samples {
            let c = CString::new(*s).unwrap();
            // SAFETY: `c` is a valid NUL-terminated string; the sd-bus
            // validators only read it.
            let sd = unsafe { theirs(c.as_ptr()) } > 0;
            assert_eq!(ours(s), sd, "{s:?}");
        }
    }

    const NAME_SAMPLES: &[&str] = &[
        "",
        "a",
        "a.b",
        "a.b.c_d",
        "a-b.c",
        "a..b",
        ".a.b",
        "a.b.",
        "a.7b",
        "7a.b",
        "a.b7",
        ":1.42",
        ":1",
        ":",
        ":.1",
        ":1.",
        ":a-b.c_d",
        "org.freedesktop.DBus",
        "org.free desktop",
        "org.fr€e",
        "a.b:c",
        "_a._b",
        "Abc",
        "abc_9",
        "9abc",
        "a$b",
    ];

    /// The automata accept exactly what the rules do, on every string of
    /// up to 4 symbols over the bytes that matter to some rule (and a few
    /// that matter to none), plus longer names at the length limits.
    #[test]
    fn automata_agree_with_the_rules() {
        type Rules = fn(&str) -> Result<(), &'static str>;
        type Accepts = fn(&[u8]) -> bool;
        let checks: [(&str, Accepts, usize, Rules); 4] = [
            (
                "path",
                |s| OBJECT_PATH.accepts(s),
                MAX_PATH_LEN,
                object_path_refusal,
            ),
            (
                "bus",
                |s| BUS_NAME.accepts(s),
                MAX_NAME_LEN,
                bus_name_refusal,
            ),
            (
                "interface",
                |s| INTERFACE_NAME.accepts(s),
                MAX_NAME_LEN,
                interface_name_refusal,
            ),
            (
                "member",
                |s| MEMBER_NAME.accepts(s),
                MAX_NAME_LEN,
                member_name_refusal,
            ),
        ];
        let symbols = [
            "a", "Z", "_", "0", "9", ".", "-", "/", ":", " ", "\0", "ü", "$",
        ];
        let mut samples = vec![String::new()];
        let mut layer = vec![String::new()];
        for _ in 0..4 {
            layer = layer
                .iter()
                .flat_map(|prefix| symbols.iter().map(move |s| format!("{prefix}{s}")))
                .collect();
            samples.extend(layer.iter().cloned());
        }
        for len in [254, 255, 256] {
            samples.push(format!("a.{}", "b".repeat(len - 2)));
            samples.push(format!(":1.{}", "2".repeat(len - 3)));
            samples.push("m".repeat(len));
        }
        for len in [MAX_PATH_LEN - 1, MAX_PATH_LEN, MAX_PATH_LEN + 1] {
            samples.push(format!("/{}", "p".repeat(len - 1)));
        }
        for (kind, accepts, max_len, rules) in checks {
            for s in &samples {
                let fast = s.len() <= max_len && accepts(s.as_bytes());
                assert_eq!(fast, rules(s).is_ok(), "{kind} {s:?}");
            }
        }
    }

    #[test]
    fn object_paths() {
        for good in [
            "/",
            "/a",
            "/a/b_c",
            "/org/freedesktop/systemd1/unit/dbus_2eservice",
            "/9",
        ] {
            assert!(ObjectPath::is_valid(good), "{good:?}");
        }
        refused(check_object_path, "", "must start with '/'");
        refused(check_object_path, "a/b", "must start with '/'");
        refused(check_object_path, "/a/", "ends with '/'");
        refused(check_object_path, "//", "ends with '/'");
        refused(check_object_path, "/a//b", "empty element");
        refused(
            check_object_path,
            "/a-b",
            "invalid character (allowed: A-Z a-z 0-9 _)",
        );
        refused(
            check_object_path,
            "/ü",
            "invalid character (allowed: A-Z a-z 0-9 _)",
        );
        let long = "/a".repeat(MAX_PATH_LEN / 2 + 1);
        refused(check_object_path, &long, "longer than 65536 bytes");

        let mut samples = vec![
            "", "/", "//", "/a", "/a/", "/a//b", "/a/b_c", "a", "/a.b", "/_",
        ];
        let at_limit = format!("/{}", "x".repeat(MAX_PATH_LEN - 1));
        samples.extend([at_limit.as_str(), long.as_str()]);
        agrees_with_sd_bus(
            ObjectPath::is_valid,
            sys::sd_bus_object_path_is_valid,
            &samples,
        );
    }

    #[test]
    fn bus_names() {
        for good in [
            ":1.42",
            ":1.2.3",
            "org.freedesktop.systemd1",
            "a-b.c_d",
            "_a.b9",
        ] {
            assert!(BusName::is_valid(good), "{good:?}");
        }
        refused(check_bus_name, "", "empty");
        refused(
            check_bus_name,
            "org",
            "needs at least two elements separated by '.'",
        );
        refused(
            check_bus_name,
            ":1",
            "needs at least two elements separated by '.'",
        );
        refused(check_bus_name, "org..x", "empty element");
        refused(check_bus_name, ":", "empty element");
        refused(check_bus_name, "org.7zip", "element starts with a digit");
        refused(
            check_bus_name,
            "org.a b",
            "invalid character (allowed: A-Z a-z 0-9 _ -)",
        );
        let long = format!("a.{}", "b".repeat(254));
        refused(check_bus_name, &long, "longer than 255 bytes");
        assert!(BusName::is_valid(&long[..255]));

        assert!(BusName::try_from(":1.42").unwrap().is_unique());
        assert!(!BusName::try_from("a.b").unwrap().is_unique());

        let mut samples = NAME_SAMPLES.to_vec();
        samples.extend([long.as_str(), &long[..255]]);
        agrees_with_sd_bus(
            BusName::is_valid,
            sys::sd_bus_service_name_is_valid,
            &samples,
        );
    }

    #[test]
    fn interface_and_error_names() {
        for good in ["org.freedesktop.DBus.Properties", "a.b", "_a.b_9"] {
            assert!(InterfaceName::is_valid(good), "{good:?}");
            assert!(ErrorName::is_valid(good), "{good:?}");
        }
        refused(check_interface_name, "", "empty");
        refused(
            check_interface_name,
            "a",
            "needs at least two elements separated by '.'",
        );
        refused(check_interface_name, "a.", "empty element");
        refused(check_interface_name, "a.9", "element starts with a digit");
        refused(
            check_interface_name,
            "a.b-c",
            "invalid character (allowed: A-Z a-z 0-9 _)",
        );
        refused(
            check_interface_name,
            ":1.2",
            "invalid character (allowed: A-Z a-z 0-9 _)",
        );
        let long = format!("a.{}", "b".repeat(254));
        refused(check_interface_name, &long, "longer than 255 bytes");

        let mut samples = NAME_SAMPLES.to_vec();
        samples.push(long.as_str());
        agrees_with_sd_bus(
            InterfaceName::is_valid,
            sys::sd_bus_interface_name_is_valid,
            &samples,
        );
    }

    #[test]
    fn member_names() {
        for good in ["GetUnit", "a", "_", "a9"] {
            assert!(MemberName::is_valid(good), "{good:?}");
        }
        refused(check_member_name, "", "empty");
        refused(check_member_name, "9a", "starts with a digit");
        refused(
            check_member_name,
            "a.b",
            "invalid character (allowed: A-Z a-z 0-9 _)",
        );
        let long = "m".repeat(256);
        refused(check_member_name, &long, "longer than 255 bytes");
        assert!(MemberName::is_valid(&long[..255]));

        // sd-bus lets a member name start with a digit; the D-Bus
        // specification, and so the bus daemon, does not.
        let (digit_first, mut samples): (Vec<&str>, Vec<&str>) =
            NAME_SAMPLES.iter().partition(|s| starts_with_digit(s));
        samples.extend([long.as_str(), &long[..255]]);
        agrees_with_sd_bus(
            MemberName::is_valid,
            sys::sd_bus_member_name_is_valid,
            &samples,
        );
        agrees_with_sd_bus(|_| true, sys::sd_bus_member_name_is_valid, &["9abc"]);
        assert!(digit_first.iter().all(|s| !MemberName::is_valid(s)));
    }

    #[test]
    fn signatures() {
        let nested_arrays = "a".repeat(32) + "i";
        let nested_structs = "(".repeat(32) + "i" + &")".repeat(32);
        for good in [
            "",
            "i",
            "ybnqiuxtdsogh",
            "v",
            "as",
            "a{sv}",
            "a{ia{sv}}",
            "(i)",
            "(ia(sv)a{s(ii)})",
            "aav",
            "a{hs}",
            nested_arrays.as_str(),
            nested_structs.as_str(),
        ] {
            assert!(Signature::is_valid(good), "{good:?}");
        }
        let cases = [
            ("z", "unknown type code"),
            ("ü", "unknown type code"),
            ("a", "array without an element type"),
            ("sa", "array without an element type"),
            ("()", "empty struct"),
            ("(i", "unbalanced '('"),
            ("(ii", "unbalanced '('"),
            ("i)", "unbalanced ')'"),
            ("a{sv", "unbalanced '{'"),
            ("}", "unbalanced '}'"),
            ("{sv}", "dict entry outside an array"),
            ("(a{sv}{sv})", "dict entry outside an array"),
            ("a{vs}", "dict entry key is not a basic type"),
            ("a{(i)s}", "dict entry key is not a basic type"),
            ("a{}", "dict entry does not have exactly two types"),
            ("a{", "unbalanced '{'"),
            ("a{s}", "dict entry does not have exactly two types"),
            ("a{sss}", "dict entry does not have exactly two types"),
            ("a{s{sv}}", "dict entry outside an array"),
        ];
        for (bad, reason) in cases {
            refused(check_signature, bad, reason);
        }
        refused(
            check_signature,
            &("a".repeat(33) + "i"),
            "more than 32 nested arrays",
        );
        let too_deep = "(".repeat(33) + "i" + &")".repeat(33);
        refused(check_signature, &too_deep, "more than 32 nested structs");
        let dict_too_deep = "(".repeat(32) + "a{sv}" + &")".repeat(32);
        refused(
            check_signature,
            &dict_too_deep,
            "more than 32 nested structs",
        );
        refused(check_signature, &"i".repeat(256), "longer than 255 bytes");
        assert!(Signature::is_valid(&"i".repeat(255)));

        let err = Signature::try_from("(i").unwrap_err();
        assert_eq!(err.to_string(), "invalid signature \"(i\": unbalanced '('");
    }

    #[test]
    fn complete_types() {
        assert_eq!(complete_type_len(b""), None);
        assert_eq!(complete_type_len(b"sa{sv}"), Some(1));
        assert_eq!(complete_type_len(b"a{sv}i"), Some(5));
        assert_eq!(complete_type_len(b"{sv}"), Some(4));
        assert_eq!(complete_type_len(b"(ia(s))x"), Some(7));
        assert_eq!(complete_type_len(b"(i"), None);
        assert_eq!(complete_type_len(b"a"), None);

        let split = |s: &str| -> Vec<String> {
            Signature::try_from(s)
                .unwrap()
                .split_complete_types()
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(split("sa{sv}(ii)"), ["s", "a{sv}", "(ii)"]);
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split("aa(s)v"), ["aa(s)", "v"]);
    }

    #[test]
    fn parent_and_child() {
        let path = ObjectPath::try_from("/a/b").unwrap();
        assert_eq!(path.parent().unwrap(), "/a");
        assert_eq!(path.parent().and_then(|p| p.parent()).unwrap(), "/");
        assert_eq!(ObjectPath::root().parent(), None);

        assert_eq!(ObjectPath::root().child("x").unwrap(), "/x");
        assert_eq!(path.child("c_1").unwrap(), "/a/b/c_1");
        let err = path.child("").unwrap_err();
        assert_eq!(
            err,
            Error::invalid(InvalidKind::ObjectPath, "/a/b/", "empty element")
        );
        let err = path.child("c/d").unwrap_err();
        assert_eq!(
            err,
            Error::invalid(
                InvalidKind::ObjectPath,
                "/a/b/c/d",
                "invalid character (allowed: A-Z a-z 0-9 _)"
            )
        );
    }

    #[test]
    fn conversions_and_comparisons() {
        let name = MemberName::try_from(String::from("GetUnit")).unwrap();
        let parsed: MemberName = "GetUnit".parse().unwrap();
        assert_eq!(name, parsed);
        assert_eq!(name, "GetUnit");
        assert_eq!(&*name, "GetUnit");
        assert!("GetUnit" == name);
        assert_eq!(name.to_string(), "GetUnit");
        assert_eq!(name.as_str().len(), name.len());
        let set: HashSet<MemberName> = [name.clone()].into();
        assert!(set.contains("GetUnit"));
        assert_eq!(String::from(name.clone()), name.into_string());

        let err = MemberName::try_from("9x").unwrap_err();
        assert_eq!(
            err,
            Error::invalid(InvalidKind::MemberName, "9x", "starts with a digit")
        );
        let err = "a".parse::<ErrorName>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid error name \"a\": needs at least two elements separated by '.'"
        );
    }
}
