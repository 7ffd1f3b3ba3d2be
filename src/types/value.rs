//! [`Value`]: a D-Bus value whose type is only known at run time.

use std::fmt;
use std::ops::Deref;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use super::basic::{end_of_container, is_basic};
use super::container::{append_entries, enter_any, in_container, read_entries, read_items};
use super::{Append, Read, SignatureBuf, Type};
use crate::error::{Error, InvalidKind, Result};
use crate::message::{ContainerKind, Message};
use crate::names::{complete_type_len, ObjectPath, Signature};

/// The `expected` signature of the [`Error::TypeMismatch`] that
/// [`Value::read_bare`] returns at the end of a container: any type (as in
/// GVariant type strings).
const ANY_TYPE: &str = "*";

/// A Rust value that converts into a [`Value`] of the same D-Bus type: the
/// result's [`Value::signature`] is `Self::signature()`.
///
/// [`Value`] itself has the type `v`, so it becomes a [`Value::Variant`];
/// this is what makes `Vec<Value>` convert to an `av` array.
pub trait IntoValue: Type {
    /// Converts `self`.
    fn into_value(self) -> Value;
}

/// How a fixed-size basic value is printed by [`Value`]'s `Display` and by
/// [`Value::display_busctl`]: as `Display` for both unless overridden.
trait FixedFormat: fmt::Display {
    fn fmt_readable(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }

    fn fmt_busctl(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FixedFormat for u8 {}
impl FixedFormat for bool {}
impl FixedFormat for i16 {}
impl FixedFormat for u16 {}
impl FixedFormat for i32 {}
impl FixedFormat for u32 {}
impl FixedFormat for i64 {}
impl FixedFormat for u64 {}

impl FixedFormat for f64 {
    /// Always with a decimal point or exponent (`1.0`), so a double reads
    /// differently from an integer.
    fn fmt_readable(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }

    /// As C's `%g`, which busctl uses.
    fn fmt_busctl(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_percent_g(*self, f)
    }
}

/// Defines [`Value`] and everything generated per basic type: `fixed`
/// lists the `Copy` types, `strings` the string-like ones.
macro_rules! value {
    (
        fixed { $($(#[$fdoc:meta])* $fvar:ident($fty:ty) = $fcode:literal, $fas:ident;)* }
        strings { $($(#[$sdoc:meta])* $svar:ident($sty:ty) = $scode:literal, $sas:ident -> $starget:ty;)* }
    ) => {
        /// A D-Bus value of any type, for code that learns types at run time.
        ///
        /// As a Rust *type*, `Value` has the signature `v` (as [`Type`]):
        /// appending a `Value` with [`Append`] writes a variant holding it,
        /// and reading one with [`Read`] reads a variant, of any contents.
        /// So `HashMap<String, Value>` is `a{sv}` and `Vec<Value>` is `av`,
        /// as for properties. To append or read the value itself, without
        /// a variant around it (for calls whose signature is learned at run
        /// time), use [`Value::append_bare`] and [`Value::read_bare`];
        /// [`Value::signature`] is the value's own signature.
        ///
        /// ```
        /// use std::collections::HashMap;
        /// use sdbus::types::{Type, Value};
        ///
        /// assert_eq!(HashMap::<String, Value>::signature(), "a{sv}");
        ///
        /// let value = Value::from(vec![1u32, 2, 3]);
        /// assert_eq!(value.signature(), "au");
        /// assert_eq!(value.to_string(), "[1, 2, 3]");
        /// assert_eq!(value.display_busctl().to_string(), "au 3 1 2 3");
        ///
        /// // Coerce loosely typed input to a signature learned at run time.
        /// let arg = Value::from(vec![Value::from("a"), Value::from(7u8)]);
        /// assert_eq!(arg.signature(), "av");
        /// assert_eq!(arg.coerce("(si)")?, Value::from(("a", 7i32)));
        /// # Ok::<(), sdbus::Error>(())
        /// ```
        ///
        /// `Display` prints a readable nested form, in the manner of GVariant's
        /// text format: strings quoted and escaped, arrays as `[1, 2]`,
        /// dicts as `{"key": <"value">}`, structs as `(1, "a")` (a
        /// one-field struct as `(1,)`), variants as `<…>`, doubles always
        /// with a decimal point or exponent, file descriptors as `fd 3`. For
        /// the format of `busctl call`, use [`Value::display_busctl`].
        ///
        /// Equality compares file descriptors by number, and doubles as
        /// `f64` does (`NaN` is unequal to itself).
        #[derive(Debug, Clone)]
        pub enum Value {
            $($(#[$fdoc])* $fvar($fty),)*
            $($(#[$sdoc])* $svar($sty),)*
            /// A Unix file descriptor, `h`, shared between clones.
            Fd(Arc<OwnedFd>),
            /// An array, `a…`, of values of one type (dicts are [`Value::Dict`]).
            Array(Array),
            /// A dict, `a{…}`.
            Dict(Dict),
            /// A struct, `(…)`: at least one field.
            Struct(Vec<Value>),
            /// A variant, `v`.
            Variant(Box<Value>),
        }

        impl Value {
            /// Appends this value's signature (one complete type) to `sig`.
            pub fn write_value_signature(&self, sig: &mut SignatureBuf) {
                match self {
                    $(Value::$fvar(_) => sig.push($fcode),)*
                    $(Value::$svar(_) => sig.push($scode),)*
                    Value::Fd(_) => sig.push(b'h'),
                    Value::Array(array) => {
                        sig.push(b'a');
                        sig.push_str(&array.element);
                    }
                    Value::Dict(dict) => {
                        sig.push_str("a{");
                        sig.push_str(&dict.entry);
                        sig.push(b'}');
                    }
                    Value::Struct(fields) => {
                        sig.push(b'(');
                        fields.iter().for_each(|field| field.write_value_signature(sig));
                        sig.push(b')');
                    }
                    Value::Variant(_) => sig.push(b'v'),
                }
            }

            /// Appends the value itself, with its own signature (not wrapped
            /// in a variant, unlike [`Append::append_to`]).
            ///
            /// An empty [`Value::Struct`] is refused with an
            /// [`Error::Invalid`] before anything reaches sd-bus.
            pub fn append_bare(&self, msg: &mut Message<'_>) -> Result<()> {
                match self {
                    $(Value::$fvar(v) => v.append_to(msg),)*
                    $(Value::$svar(v) => v.append_to(msg),)*
                    Value::Fd(fd) => fd.append_to(msg),
                    Value::Array(array) => array.append_bare(msg),
                    Value::Dict(dict) => dict.append_bare(msg),
                    Value::Struct(fields) => append_struct(fields, msg),
                    // A `Value` appends as a variant holding it.
                    Value::Variant(inner) => inner.append_to(msg),
                }
            }

            /// Reads the value of type `code` (with container `contents`).
            fn read_typed(msg: &Message<'_>, code: u8, contents: Option<&str>) -> Result<Value> {
                Ok(match (code, contents) {
                    $(($fcode, _) => Value::$fvar(<$fty>::read_from(msg)?),)*
                    $(($scode, _) => Value::$svar(<$sty>::read_from(msg)?),)*
                    (b'h', _) => Value::Fd(Read::read_from(msg)?),
                    (b'a', Some(element)) => read_array(msg, element)?,
                    (b'r', _) => {
                        enter_any(msg, ContainerKind::Struct)?;
                        Value::Struct(read_items(msg, || Value::read_bare(msg))?)
                    }
                    // A `Value` reads as the contents of a variant.
                    (b'v', _) => Value::Variant(Box::new(Value::read_from(msg)?)),
                    (other, _) => {
                        return Err(Error::invalid(
                            InvalidKind::Signature,
                            char::from(other).to_string(),
                            "unexpected type code",
                        ))
                    }
                })
            }

            /// Prints this value's parts for [`Value::display_busctl`],
            /// each preceded by a space.
            fn fmt_busctl_parts(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(Value::$fvar(v) => {
                        f.write_str(" ")?;
                        v.fmt_busctl(f)
                    })*
                    $(Value::$svar(v) => {
                        f.write_str(" ")?;
                        fmt_c_escaped(v.as_str(), f)
                    })*
                    Value::Fd(fd) => write!(f, " {}", fd.as_raw_fd()),
                    Value::Array(array) => {
                        write!(f, " {}", array.len())?;
                        array.iter().try_for_each(|item| item.fmt_busctl_parts(f))
                    }
                    Value::Dict(dict) => {
                        write!(f, " {}", dict.len())?;
                        dict.iter().try_for_each(|(key, value)| {
                            key.fmt_busctl_parts(f)?;
                            value.fmt_busctl_parts(f)
                        })
                    }
                    // Structs have no part of their own, only their fields.
                    Value::Struct(fields) => fields.iter().try_for_each(|field| field.fmt_busctl_parts(f)),
                    Value::Variant(inner) => {
                        let mut sig = SignatureBuf::new();
                        inner.write_value_signature(&mut sig);
                        write!(f, " {}", sig.as_str())?;
                        inner.fmt_busctl_parts(f)
                    }
                }
            }

            $(
                #[doc = concat!("The value, if this is a [`Value::", stringify!($fvar), "`].")]
                pub fn $fas(&self) -> Option<$fty> {
                    match self {
                        Value::$fvar(v) => Some(*v),
                        _ => None,
                    }
                }
            )*

            $(
                #[doc = concat!("The value, if this is a [`Value::", stringify!($svar), "`].")]
                pub fn $sas(&self) -> Option<&$starget> {
                    match self {
                        Value::$svar(v) => Some(v),
                        _ => None,
                    }
                }
            )*
        }

        impl PartialEq for Value {
            fn eq(&self, other: &Value) -> bool {
                match (self, other) {
                    $((Value::$fvar(a), Value::$fvar(b)) => a == b,)*
                    $((Value::$svar(a), Value::$svar(b)) => a == b,)*
                    (Value::Fd(a), Value::Fd(b)) => a.as_raw_fd() == b.as_raw_fd(),
                    (Value::Array(a), Value::Array(b)) => a == b,
                    (Value::Dict(a), Value::Dict(b)) => a == b,
                    (Value::Struct(a), Value::Struct(b)) => a == b,
                    (Value::Variant(a), Value::Variant(b)) => a == b,
                    _ => false,
                }
            }
        }

        impl fmt::Display for Value {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(Value::$fvar(v) => v.fmt_readable(f),)*
                    $(Value::$svar(v) => fmt::Debug::fmt(v.as_str(), f),)*
                    Value::Fd(fd) => write!(f, "fd {}", fd.as_raw_fd()),
                    Value::Array(array) => fmt_list(f, "[", array.iter(), "]"),
                    Value::Dict(dict) => {
                        f.write_str("{")?;
                        for (i, (key, value)) in dict.iter().enumerate() {
                            let sep = if i == 0 { "" } else { ", " };
                            write!(f, "{sep}{key}: {value}")?;
                        }
                        f.write_str("}")
                    }
                    Value::Struct(fields) => {
                        let close = if fields.len() == 1 { ",)" } else { ")" };
                        fmt_list(f, "(", fields.iter(), close)
                    }
                    Value::Variant(inner) => write!(f, "<{inner}>"),
                }
            }
        }

        $(
            impl From<$fty> for Value {
                fn from(value: $fty) -> Value {
                    Value::$fvar(value)
                }
            }

            impl IntoValue for $fty {
                fn into_value(self) -> Value {
                    Value::$fvar(self)
                }
            }

            /// Fails with [`Error::TypeMismatch`] for any other kind of value.
            impl TryFrom<&Value> for $fty {
                type Error = Error;

                fn try_from(value: &Value) -> Result<$fty> {
                    value.$fas().ok_or_else(|| value.mismatch($fcode))
                }
            }

            /// Fails with [`Error::TypeMismatch`] for any other kind of value.
            impl TryFrom<Value> for $fty {
                type Error = Error;

                fn try_from(value: Value) -> Result<$fty> {
                    <$fty>::try_from(&value)
                }
            }
        )*

        $(
            impl From<$sty> for Value {
                fn from(value: $sty) -> Value {
                    Value::$svar(value)
                }
            }

            impl IntoValue for $sty {
                fn into_value(self) -> Value {
                    Value::$svar(self)
                }
            }

            /// Fails with [`Error::TypeMismatch`] for any other kind of value.
            impl<'a> TryFrom<&'a Value> for &'a $starget {
                type Error = Error;

                fn try_from(value: &'a Value) -> Result<&'a $starget> {
                    value.$sas().ok_or_else(|| value.mismatch($scode))
                }
            }

            /// Fails with [`Error::TypeMismatch`] for any other kind of value.
            impl TryFrom<Value> for $sty {
                type Error = Error;

                fn try_from(value: Value) -> Result<$sty> {
                    match value {
                        Value::$svar(v) => Ok(v),
                        other => Err(other.mismatch($scode)),
                    }
                }
            }
        )*
    };
}

value! {
    fixed {
        /// A byte, `y`.
        Byte(u8) = b'y', as_u8;
        /// A boolean, `b`.
        Bool(bool) = b'b', as_bool;
        /// A signed 16-bit integer, `n`.
        Int16(i16) = b'n', as_i16;
        /// An unsigned 16-bit integer, `q`.
        UInt16(u16) = b'q', as_u16;
        /// A signed 32-bit integer, `i`.
        Int32(i32) = b'i', as_i32;
        /// An unsigned 32-bit integer, `u`.
        UInt32(u32) = b'u', as_u32;
        /// A signed 64-bit integer, `x`.
        Int64(i64) = b'x', as_i64;
        /// An unsigned 64-bit integer, `t`.
        UInt64(u64) = b't', as_u64;
        /// A double, `d`.
        Double(f64) = b'd', as_f64;
    }
    strings {
        /// A string, `s`.
        Str(String) = b's', as_str -> str;
        /// An object path, `o`.
        ObjectPath(ObjectPath) = b'o', as_object_path -> ObjectPath;
        /// A type signature, `g`.
        Signature(Signature) = b'g', as_signature -> Signature;
    }
}

/// Accessors for the variants outside the `value!` table.
macro_rules! ref_accessors {
    ($($var:ident -> $target:ty, $as:ident;)*) => {
        impl Value {
            $(
                #[doc = concat!("The contents, if this is a [`Value::", stringify!($var), "`].")]
                pub fn $as(&self) -> Option<&$target> {
                    match self {
                        Value::$var(v) => Some(v),
                        _ => None,
                    }
                }
            )*
        }
    };
}

ref_accessors! {
    Array -> Array, as_array;
    Dict -> Dict, as_dict;
    Struct -> [Value], as_struct;
    Variant -> Value, as_variant;
}

impl Value {
    /// This value's signature, such as `"a{sv}"`.
    ///
    /// Not to be confused with `<Value as Type>::signature()`, which is
    /// `"v"`: the type of a `Value` appended with [`Append`].
    pub fn signature(&self) -> String {
        let mut sig = SignatureBuf::new();
        self.write_value_signature(&mut sig);
        sig.as_str().to_owned()
    }

    /// Whether this value's signature is `sig`.
    fn has_signature(&self, sig: &str) -> bool {
        let mut own = SignatureBuf::new();
        self.write_value_signature(&mut own);
        own.as_cstr()
            .is_ok_and(|own| own.to_bytes() == sig.as_bytes())
    }

    /// The file descriptor, if this is a [`Value::Fd`].
    pub fn as_fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            Value::Fd(fd) => Some(fd.as_fd()),
            _ => None,
        }
    }

    /// Reads the next value as it is, driven by its type in the message: any
    /// type, nested arbitrarily. A variant becomes a [`Value::Variant`].
    ///
    /// At the end of the current container (or of the message), fails with
    /// an [`Error::TypeMismatch`] whose `found` is `""` (and `expected` is
    /// `"*"`, any type).
    pub fn read_bare(msg: &Message<'_>) -> Result<Value> {
        match msg.peek_type()? {
            Some((code, contents)) => Self::read_typed(msg, code, contents),
            None => Err(end_of_container(ANY_TYPE)),
        }
    }

    /// Reads every value left in the current container (at the top level:
    /// all remaining arguments of the message), as [`Value::read_bare`].
    pub fn read_all(msg: &Message<'_>) -> Result<Vec<Value>> {
        let mut values = Vec::new();
        while !msg.at_end(false)? {
            values.push(Value::read_bare(msg)?);
        }
        Ok(values)
    }

    /// The format of `busctl call` and `busctl get-property`: the signature,
    /// then the contents as space-separated parts. Arrays and dicts are
    /// preceded by their number of elements, variants by their contents'
    /// signature; structs and dict entries are just their fields; strings
    /// are quoted and C-escaped; doubles are printed as with `%g`.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use sdbus::types::{Value, Variant};
    ///
    /// let props = BTreeMap::from([("Foo".to_owned(), Variant("bar"))]);
    /// let value = Value::from(props);
    /// assert_eq!(value.display_busctl().to_string(), r#"a{sv} 1 "Foo" s "bar""#);
    /// assert_eq!(value.to_string(), r#"{"Foo": <"bar">}"#);
    /// ```
    pub fn display_busctl(&self) -> impl fmt::Display + '_ {
        BusctlDisplay(self)
    }

    /// Converts this value to the type `signature` (one complete type),
    /// where that loses nothing:
    ///
    /// - integers to any integer type whose range holds them, and to `d` up
    ///   to 2⁵³ in magnitude;
    /// - strings to object paths (`o`) and signatures (`g`) when valid, and
    ///   those back to strings;
    /// - arrays and structs (lists of values) to arrays, structs with the
    ///   same number of fields, and, for a list of two-field structs, dicts,
    ///   converting each element;
    /// - anything to `v` by wrapping it in a variant; a variant to anything
    ///   else by converting its contents.
    ///
    /// A value that already has the signature is returned as it is.
    ///
    /// Fails with an [`Error::Invalid`] of kind [`InvalidKind::Value`]
    /// naming the value (and, in the reason, the target type) if it cannot
    /// be converted, of kind [`InvalidKind::ObjectPath`] or
    /// [`InvalidKind::Signature`] for a string that is not a valid one, and
    /// of kind [`InvalidKind::Signature`] if `signature` is not one complete
    /// type.
    ///
    /// ```
    /// use sdbus::types::Value;
    ///
    /// assert_eq!(Value::from(7u64).coerce("y")?, Value::Byte(7));
    /// assert!(Value::from(300u32).coerce("y").is_err());
    /// let path = Value::from("/org/freedesktop").coerce("o")?;
    /// assert_eq!(path.signature(), "o");
    /// assert_eq!(Value::from(1u8).coerce("v")?.to_string(), "<1>");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn coerce(self, signature: &str) -> Result<Value> {
        check_single_type(signature)?;
        self.coerce_to(signature)
    }

    /// [`Value::coerce`] to a signature already checked.
    fn coerce_to(self, target: &str) -> Result<Value> {
        if self.has_signature(target) {
            return Ok(self);
        }
        if target == "v" {
            return Ok(Value::Variant(Box::new(self)));
        }
        if let Value::Variant(inner) = self {
            return inner.coerce_to(target);
        }
        if let Some(entry) = target.strip_prefix("a{").and_then(|t| t.strip_suffix('}')) {
            return self.coerce_to_dict(entry);
        }
        if let Some(element) = target.strip_prefix('a') {
            return self.coerce_to_array(element);
        }
        if let Some(fields) = target.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            return self.coerce_to_struct(fields);
        }
        match target.as_bytes() {
            [code] => self.coerce_to_basic(*code),
            _ => Err(self.coerce_error(not_convertible(0))),
        }
    }

    fn coerce_to_basic(self, code: u8) -> Result<Value> {
        if let Some(n) = self.as_integer() {
            return match integer_value(code, n) {
                Some(value) => Ok(value),
                None if b"ynqiuxtd".contains(&code) => Err(self.coerce_error(out_of_range(code))),
                None => Err(self.coerce_error(not_convertible(code))),
            };
        }
        match (code, self) {
            (b's', Value::Str(s)) => Ok(Value::Str(s)),
            (b's', Value::ObjectPath(p)) => Ok(Value::Str(p.into_string())),
            (b's', Value::Signature(s)) => Ok(Value::Str(s.into_string())),
            (b'o', Value::Str(s)) => ObjectPath::try_from(s).map(Value::ObjectPath),
            (b'g', Value::Str(s)) => Signature::try_from(s).map(Value::Signature),
            (code, other) => Err(other.coerce_error(not_convertible(code))),
        }
    }

    fn coerce_to_array(self, element: &str) -> Result<Value> {
        let items = match self {
            Value::Dict(dict) if dict.is_empty() => Vec::new(),
            other => other
                .into_list()
                .map_err(|v| v.coerce_error(not_convertible(b'a')))?,
        };
        let items = items
            .into_iter()
            .map(|item| item.coerce_to(element))
            .collect::<Result<_>>()?;
        Ok(Value::array_unchecked(element.to_owned(), items))
    }

    fn coerce_to_dict(self, entry: &str) -> Result<Value> {
        let (key_sig, value_sig) = entry.split_at_checked(1).unwrap_or((entry, ""));
        let entries = match self {
            Value::Dict(dict) => dict.entries,
            other => other
                .into_list()
                .map_err(|v| v.coerce_error(not_convertible(b'{')))?
                .into_iter()
                .map(Value::into_pair)
                .collect::<Result<_>>()?,
        };
        let entries = entries
            .into_iter()
            .map(|(key, value)| Ok((key.coerce_to(key_sig)?, value.coerce_to(value_sig)?)))
            .collect::<Result<_>>()?;
        Ok(Value::dict_unchecked(entry.to_owned(), entries))
    }

    fn coerce_to_struct(self, fields: &str) -> Result<Value> {
        let targets = split_complete_types(fields);
        let values = self
            .into_list()
            .map_err(|v| v.coerce_error(not_convertible(b'(')))?;
        if values.len() != targets.len() {
            return Err(Value::Struct(values)
                .coerce_error("has a different number of fields than the target struct"));
        }
        let values = values
            .into_iter()
            .zip(targets)
            .map(|(value, target)| value.coerce_to(target))
            .collect::<Result<_>>()?;
        Ok(Value::Struct(values))
    }

    /// The elements of an array or the fields of a struct; `self` otherwise.
    fn into_list(self) -> Result<Vec<Value>, Value> {
        match self {
            Value::Array(array) => Ok(array.items),
            Value::Struct(fields) => Ok(fields),
            other => Err(other),
        }
    }

    /// A two-field struct (possibly in variants) as a dict entry.
    fn into_pair(self) -> Result<(Value, Value)> {
        match self {
            Value::Variant(inner) => inner.into_pair(),
            Value::Struct(fields) => match <[Value; 2]>::try_from(fields) {
                Ok([key, value]) => Ok((key, value)),
                Err(fields) => Err(Value::Struct(fields).coerce_error(not_convertible(b'e'))),
            },
            other => Err(other.coerce_error(not_convertible(b'e'))),
        }
    }

    /// The value of an integer of any width.
    fn as_integer(&self) -> Option<i128> {
        Some(match *self {
            Value::Byte(v) => v.into(),
            Value::Int16(v) => v.into(),
            Value::UInt16(v) => v.into(),
            Value::Int32(v) => v.into(),
            Value::UInt32(v) => v.into(),
            Value::Int64(v) => v.into(),
            Value::UInt64(v) => v.into(),
            _ => return None,
        })
    }

    fn coerce_error(&self, reason: &'static str) -> Error {
        Error::invalid(InvalidKind::Value, self.to_string(), reason)
    }

    fn mismatch(&self, expected: u8) -> Error {
        Error::TypeMismatch {
            expected: char::from(expected).to_string(),
            found: self.signature(),
        }
    }

    /// An array whose items are known to have the signature `element`.
    pub(crate) fn array_unchecked(element: String, items: Vec<Value>) -> Value {
        Value::Array(Array { element, items })
    }

    /// A dict whose entries are known to have the signature `entry` (`kv`).
    pub(crate) fn dict_unchecked(entry: String, entries: Vec<(Value, Value)>) -> Value {
        Value::Dict(Dict { entry, entries })
    }
}

/// The integer `n` as a value of type `code`, if it is a numeric type whose
/// range holds `n` (exactly, for doubles).
fn integer_value(code: u8, n: i128) -> Option<Value> {
    const MAX_EXACT_DOUBLE: i128 = 1 << 53;
    Some(match code {
        b'y' => Value::Byte(n.try_into().ok()?),
        b'n' => Value::Int16(n.try_into().ok()?),
        b'q' => Value::UInt16(n.try_into().ok()?),
        b'i' => Value::Int32(n.try_into().ok()?),
        b'u' => Value::UInt32(n.try_into().ok()?),
        b'x' => Value::Int64(n.try_into().ok()?),
        b't' => Value::UInt64(n.try_into().ok()?),
        // Exact: |n| <= 2^53 fits the 53-bit mantissa.
        b'd' if n.abs() <= MAX_EXACT_DOUBLE => Value::Double(i64::try_from(n).ok()? as f64),
        _ => return None,
    })
}

/// The reasons of [`Value::coerce`]'s errors, naming the target type.
macro_rules! coerce_reasons {
    ($($code:literal => $name:literal,)*) => {
        fn not_convertible(code: u8) -> &'static str {
            match code {
                $($code => concat!("cannot be converted to ", $name),)*
                _ => "cannot be converted to the target type",
            }
        }

        fn out_of_range(code: u8) -> &'static str {
            match code {
                $($code => concat!("is out of range for ", $name),)*
                _ => "is out of range for the target type",
            }
        }
    };
}

coerce_reasons! {
    b'y' => "a byte (y)",
    b'b' => "a boolean (b)",
    b'n' => "an int16 (n)",
    b'q' => "a uint16 (q)",
    b'i' => "an int32 (i)",
    b'u' => "a uint32 (u)",
    b'x' => "an int64 (x)",
    b't' => "a uint64 (t)",
    b'd' => "a double (d)",
    b's' => "a string (s)",
    b'o' => "an object path (o)",
    b'g' => "a signature (g)",
    b'h' => "a Unix fd (h)",
    b'a' => "an array (a…)",
    b'{' => "a dict (a{…})",
    b'e' => "a dict entry (a two-field struct)",
    b'(' => "a struct ((…))",
}

/// Checks that `sig` is one complete type (and not a bare dict entry).
fn check_single_type(sig: &str) -> Result<()> {
    if sig.len() <= 255
        && !sig.starts_with('{')
        && complete_type_len(sig.as_bytes()) == Some(sig.len())
    {
        Ok(())
    } else {
        Err(Error::invalid(
            InvalidKind::Signature,
            sig,
            "is not a single complete type",
        ))
    }
}

/// The complete types of a valid signature.
fn split_complete_types(mut sig: &str) -> Vec<&str> {
    let mut types = Vec::new();
    while let Some(len) = complete_type_len(sig.as_bytes()) {
        let Some((head, tail)) = sig.split_at_checked(len) else {
            break;
        };
        types.push(head);
        sig = tail;
    }
    types
}

/// Checks that `item` has the signature `expected`.
fn check_item(item: &Value, expected: &str) -> Result<()> {
    if item.has_signature(expected) {
        Ok(())
    } else {
        Err(Error::TypeMismatch {
            expected: expected.to_owned(),
            found: item.signature(),
        })
    }
}

/// Appends a struct of values.
fn append_struct(fields: &[Value], msg: &mut Message<'_>) -> Result<()> {
    if fields.is_empty() {
        return Err(Error::invalid(
            InvalidKind::Value,
            "()",
            "a struct needs at least one field",
        ));
    }
    let mut contents = SignatureBuf::new();
    fields
        .iter()
        .for_each(|field| field.write_value_signature(&mut contents));
    in_container(msg, ContainerKind::Struct, &mut contents, |msg| {
        fields.iter().try_for_each(|field| field.append_bare(msg))
    })
}

/// Reads an array (or dict) whose elements have the signature `element`.
fn read_array(msg: &Message<'_>, element: &str) -> Result<Value> {
    fn bulk<'m, T: Read<'m>>(msg: &'m Message<'_>, wrap: fn(T) -> Value) -> Result<Vec<Value>> {
        Ok(T::read_vec(msg)?.into_iter().map(wrap).collect())
    }
    let items = match element.as_bytes() {
        // Arrays of fixed-size types are read in one copy.
        b"y" => bulk(msg, Value::Byte)?,
        b"b" => bulk(msg, Value::Bool)?,
        b"n" => bulk(msg, Value::Int16)?,
        b"q" => bulk(msg, Value::UInt16)?,
        b"i" => bulk(msg, Value::Int32)?,
        b"u" => bulk(msg, Value::UInt32)?,
        b"x" => bulk(msg, Value::Int64)?,
        b"t" => bulk(msg, Value::UInt64)?,
        b"d" => bulk(msg, Value::Double)?,
        // So are strings, without peeking at each.
        b"s" => bulk(msg, Value::Str)?,
        b"o" => bulk(msg, Value::ObjectPath)?,
        b"g" => bulk(msg, Value::Signature)?,
        [code] => {
            enter_any(msg, ContainerKind::Array)?;
            // The type is known: no need to peek at each element.
            read_items(msg, || Value::read_typed(msg, *code, None))?
        }
        _ => {
            enter_any(msg, ContainerKind::Array)?;
            if let Some(entry) = element.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
                // sd-bus needs the contents to report the end of the array
                // softly when entering an entry.
                let mut entry_sig = SignatureBuf::new();
                entry_sig.push_str(entry);
                let mut entries = Vec::new();
                read_entries(msg, Some(entry_sig.as_cstr()?), || {
                    entries.push((Value::read_bare(msg)?, Value::read_bare(msg)?));
                    Ok(())
                })?;
                return Ok(Value::dict_unchecked(entry.to_owned(), entries));
            }
            read_items(msg, || Value::read_bare(msg))?
        }
    };
    Ok(Value::array_unchecked(element.to_owned(), items))
}

/// Appends `Value` as a variant holding it.
impl Type for Value {
    #[inline]
    fn write_signature(sig: &mut SignatureBuf) {
        sig.push(b'v');
    }
}

/// Appends a variant holding the value.
impl Append for Value {
    fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
        let mut contents = SignatureBuf::new();
        self.write_value_signature(&mut contents);
        in_container(msg, ContainerKind::Variant, &mut contents, |msg| {
            self.append_bare(msg)
        })
    }
}

/// Reads a variant, of any contents.
impl<'m> Read<'m> for Value {
    fn read_from(msg: &'m Message<'_>) -> Result<Self> {
        enter_any(msg, ContainerKind::Variant)?;
        let value = Value::read_bare(msg)?;
        msg.exit_container()?;
        Ok(value)
    }
}

/// Wraps the value in a [`Value::Variant`], since `Value`'s type is `v`.
impl IntoValue for Value {
    fn into_value(self) -> Value {
        Value::Variant(Box::new(self))
    }
}

impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::Str(self.to_owned())
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::Str(value.to_owned())
    }
}

impl IntoValue for Arc<OwnedFd> {
    fn into_value(self) -> Value {
        Value::Fd(self)
    }
}

impl From<Arc<OwnedFd>> for Value {
    fn from(fd: Arc<OwnedFd>) -> Value {
        Value::Fd(fd)
    }
}

impl IntoValue for OwnedFd {
    fn into_value(self) -> Value {
        Value::Fd(Arc::new(self))
    }
}

impl From<OwnedFd> for Value {
    fn from(fd: OwnedFd) -> Value {
        Value::Fd(Arc::new(fd))
    }
}

impl From<Array> for Value {
    fn from(array: Array) -> Value {
        Value::Array(array)
    }
}

impl From<Dict> for Value {
    fn from(dict: Dict) -> Value {
        Value::Dict(dict)
    }
}

/// Fails with [`Error::TypeMismatch`] for any other kind of value.
impl TryFrom<Value> for Arc<OwnedFd> {
    type Error = Error;

    fn try_from(value: Value) -> Result<Arc<OwnedFd>> {
        match value {
            Value::Fd(fd) => Ok(fd),
            other => Err(other.mismatch(b'h')),
        }
    }
}

/// Fails with [`Error::TypeMismatch`] for any other kind of value.
impl<'a> TryFrom<&'a Value> for BorrowedFd<'a> {
    type Error = Error;

    fn try_from(value: &'a Value) -> Result<BorrowedFd<'a>> {
        value.as_fd().ok_or_else(|| value.mismatch(b'h'))
    }
}

/// An array of values of one type, which it keeps even when empty.
///
/// ```
/// use sdbus::types::{Array, Value};
///
/// let empty = Array::new("s", Vec::new())?;
/// assert_eq!(Value::from(empty).signature(), "as");
/// assert!(Array::new("s", vec![Value::from(1u32)]).is_err());
/// # Ok::<(), sdbus::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    element: String,
    items: Vec<Value>,
}

impl Array {
    /// An array of values of type `element_signature` (one complete type;
    /// for dicts, use [`Dict`]).
    ///
    /// Fails with an [`Error::Invalid`] for a bad signature, and with an
    /// [`Error::TypeMismatch`] for an item of another type.
    pub fn new(element_signature: &str, items: Vec<Value>) -> Result<Array> {
        check_single_type(element_signature)?;
        items
            .iter()
            .try_for_each(|item| check_item(item, element_signature))?;
        Ok(Array {
            element: element_signature.to_owned(),
            items,
        })
    }

    /// The signature of the elements.
    pub fn element_signature(&self) -> &str {
        &self.element
    }

    /// Adds an item, which must have the element signature
    /// ([`Error::TypeMismatch`] otherwise).
    pub fn push(&mut self, item: Value) -> Result<()> {
        check_item(&item, &self.element)?;
        self.items.push(item);
        Ok(())
    }

    /// The items.
    pub fn into_items(self) -> Vec<Value> {
        self.items
    }

    fn append_bare(&self, msg: &mut Message<'_>) -> Result<()> {
        let mut contents = SignatureBuf::new();
        contents.push_str(&self.element);
        in_container(msg, ContainerKind::Array, &mut contents, |msg| {
            self.items.iter().try_for_each(|item| item.append_bare(msg))
        })
    }
}

/// The items.
impl Deref for Array {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        &self.items
    }
}

/// A dict (`a{kv}`): key-value pairs with a basic key type and one value
/// type, both kept even when empty. Entries keep their order (D-Bus does not
/// forbid duplicate keys; [`Dict::get`] finds the first).
///
/// ```
/// use sdbus::types::{Dict, Value};
///
/// let dict = Dict::new("s", "v", vec![(Value::from("Foo"), Value::from(1u8).coerce("v")?)])?;
/// assert_eq!(dict.get(&Value::from("Foo")), Some(&Value::Variant(Box::new(Value::Byte(1)))));
/// assert_eq!(Value::from(dict).signature(), "a{sv}");
/// # Ok::<(), sdbus::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dict {
    /// The signature of the entries' contents, `kv`: the key is one byte.
    entry: String,
    entries: Vec<(Value, Value)>,
}

impl Dict {
    /// A dict with keys of type `key_signature` (a basic type) and values of
    /// type `value_signature` (one complete type).
    ///
    /// Fails with an [`Error::Invalid`] for a bad signature, and with an
    /// [`Error::TypeMismatch`] for an entry of another type.
    pub fn new(
        key_signature: &str,
        value_signature: &str,
        entries: Vec<(Value, Value)>,
    ) -> Result<Dict> {
        if !matches!(key_signature.as_bytes(), [code] if is_basic(*code)) {
            return Err(Error::invalid(
                InvalidKind::Signature,
                format!("a{{{key_signature}{value_signature}}}"),
                "dict key is not a basic type",
            ));
        }
        check_single_type(value_signature)?;
        for (key, value) in &entries {
            check_item(key, key_signature)?;
            check_item(value, value_signature)?;
        }
        Ok(Dict {
            entry: format!("{key_signature}{value_signature}"),
            entries,
        })
    }

    /// The signature of the keys.
    pub fn key_signature(&self) -> &str {
        self.entry.get(..1).unwrap_or_default()
    }

    /// The signature of the values.
    pub fn value_signature(&self) -> &str {
        self.entry.get(1..).unwrap_or_default()
    }

    /// The value of the first entry whose key is `key`.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Adds an entry, whose key and value must have the dict's signatures
    /// ([`Error::TypeMismatch`] otherwise).
    pub fn push(&mut self, key: Value, value: Value) -> Result<()> {
        check_item(&key, self.key_signature())?;
        check_item(&value, self.value_signature())?;
        self.entries.push((key, value));
        Ok(())
    }

    /// The entries.
    pub fn into_entries(self) -> Vec<(Value, Value)> {
        self.entries
    }

    fn append_bare(&self, msg: &mut Message<'_>) -> Result<()> {
        let mut entry = SignatureBuf::new();
        entry.push_str(&self.entry);
        append_entries(msg, &mut entry, self.entries.iter(), |msg, (key, value)| {
            key.append_bare(msg)?;
            value.append_bare(msg)
        })
    }
}

/// The entries.
impl Deref for Dict {
    type Target = [(Value, Value)];

    fn deref(&self) -> &[(Value, Value)] {
        &self.entries
    }
}

/// Prints `items` separated by `", "` between `open` and `close`.
fn fmt_list<'a>(
    f: &mut fmt::Formatter<'_>,
    open: &str,
    items: impl Iterator<Item = &'a Value>,
    close: &str,
) -> fmt::Result {
    f.write_str(open)?;
    for (i, item) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        fmt::Display::fmt(item, f)?;
    }
    f.write_str(close)
}

/// [`Value::display_busctl`].
struct BusctlDisplay<'a>(&'a Value);

impl fmt::Display for BusctlDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sig = SignatureBuf::new();
        self.0.write_value_signature(&mut sig);
        f.write_str(sig.as_str())?;
        self.0.fmt_busctl_parts(f)
    }
}

/// A string quoted and escaped as systemd's `cescape()` does (which busctl
/// uses): C escapes, and octal for other control and non-ASCII bytes.
fn fmt_c_escaped(s: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("\"")?;
    for &b in s.as_bytes() {
        match b {
            0x07 => f.write_str("\\a")?,
            0x08 => f.write_str("\\b")?,
            0x0c => f.write_str("\\f")?,
            b'\n' => f.write_str("\\n")?,
            b'\r' => f.write_str("\\r")?,
            b'\t' => f.write_str("\\t")?,
            0x0b => f.write_str("\\v")?,
            b'\\' => f.write_str("\\\\")?,
            b'"' => f.write_str("\\\"")?,
            b'\'' => f.write_str("\\'")?,
            b if !(b' '..0x7f).contains(&b) => write!(f, "\\{b:03o}")?,
            b => fmt::Write::write_char(f, char::from(b))?,
        }
    }
    f.write_str("\"")
}

/// A double as C's `printf("%g")`: 6 significant digits, trailing zeros
/// removed, in exponent form when the exponent is below -4 or above 5.
fn fmt_percent_g(x: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if x.is_nan() {
        return f.write_str(if x.is_sign_negative() { "-nan" } else { "nan" });
    }
    if x.is_infinite() {
        return f.write_str(if x < 0.0 { "-inf" } else { "inf" });
    }
    if x == 0.0 {
        return f.write_str(if x.is_sign_negative() { "-0" } else { "0" });
    }
    // Rounding to 6 significant digits first gives the exponent `%g` uses.
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        let fixed = format!("{x:.decimals$}");
        f.write_str(trim_fraction(&fixed))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        write!(
            f,
            "{}e{sign}{:02}",
            trim_fraction(mantissa),
            exp.unsigned_abs()
        )
    }
}

/// Removes trailing zeros after a decimal point, and the point if bare.
fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}
