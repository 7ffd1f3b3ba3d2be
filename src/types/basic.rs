//! Basic types: integers, `bool`, `f64`, strings, object paths, signatures
//! and Unix file descriptors.
//!
//! Each basic value is appended and read with exactly one sd-bus call.
//! Arrays of the fixed-size types whose Rust layout is their wire layout
//! (`u8`, `i16`, `u16`, `i32`, `u32`, `i64`, `u64`, `f64`) are copied in
//! bulk, and can be read without copying as `&[T]`.

use std::ffi::c_int;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use super::{container, Append, Read, SignatureBuf, Type};
use crate::cstr::CStrBuf;
use crate::error::{Error, InvalidKind, Result};
use crate::message::{ContainerKind, Message};
use crate::names::{ObjectPath, Signature};

/// The error for reading a value of type `expected` at the end of the
/// current container (or of the message).
pub(crate) fn end_of_container(expected: impl Into<String>) -> Error {
    Error::TypeMismatch {
        expected: expected.into(),
        found: String::new(),
    }
}

/// Whether `code` is the type character of a basic type (one that can be a
/// dict key).
pub(crate) fn is_basic(code: u8) -> bool {
    b"ybnqiuxtdsogh".contains(&code)
}

/// Reads one basic value whose C representation is `T`.
///
/// # Safety
/// `T` must be the C representation of `code`.
#[inline]
unsafe fn read_basic<T: Default>(msg: &Message<'_>, code: u8) -> Result<T> {
    let mut value = T::default();
    // SAFETY: the caller guarantees that `T` is the C type of `code`, so
    // sd-bus writes a valid `T` into `value`.
    if unsafe { msg.read_basic_raw(code, (&mut value as *mut T).cast())? } {
        Ok(value)
    } else {
        Err(end_of_container(char::from(code)))
    }
}

/// Reads an array of a fixed-size type: one bulk read converted by
/// `convert`, or element by element for a message in the other byte order,
/// which sd-bus cannot hand out as a slice.
///
/// # Safety
/// `C` must be the C representation of `code`.
unsafe fn read_fixed_vec<'m, C, T: Read<'m>>(
    msg: &'m Message<'_>,
    code: u8,
    convert: fn(&[C]) -> Vec<T>,
) -> Result<Vec<T>> {
    // SAFETY: guaranteed by the caller.
    match unsafe { msg.read_array_raw::<C>(code) } {
        Ok(items) => Ok(convert(items)),
        Err(Error::Os { errno, .. }) if errno == libc::EOPNOTSUPP => container::read_each(msg),
        Err(e) => Err(e),
    }
}

/// Reads a string-like value (`s`, `o` or `g`) borrowed from the message.
fn read_str_value<'m>(msg: &'m Message<'_>, code: u8) -> Result<&'m str> {
    msg.read_str(code)?
        .ok_or_else(|| end_of_container(char::from(code)))
}

/// Appends an object path or signature, which sd-bus takes as C strings.
fn append_c_str(msg: &mut Message<'_>, code: u8, value: &str) -> Result<()> {
    let value = CStrBuf::new(value, InvalidKind::String)?;
    // SAFETY: for string-like types sd-bus takes the `const char*` itself;
    // `value` is NUL-terminated and outlives the call.
    unsafe { msg.append_basic_raw(code, value.as_ptr().cast()) }
}

macro_rules! basic_signatures {
    ($($ty:ty => $code:literal),* $(,)?) => {$(
        impl Type for $ty {
            #[inline]
            fn write_signature(sig: &mut SignatureBuf) {
                sig.push($code);
            }
        }
    )*};
}

basic_signatures! {
    u8 => b'y',
    bool => b'b',
    i16 => b'n',
    u16 => b'q',
    i32 => b'i',
    u32 => b'u',
    i64 => b'x',
    u64 => b't',
    f64 => b'd',
    str => b's',
    String => b's',
    ObjectPath => b'o',
    Signature => b'g',
    OwnedFd => b'h',
    BorrowedFd<'_> => b'h',
}

/// Fixed-size types whose Rust representation is both their C
/// representation for sd-bus and, in arrays, their wire layout.
macro_rules! fixed_size {
    ($($ty:ty => $code:literal),* $(,)?) => {$(
        impl Append for $ty {
            #[inline]
            fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
                // SAFETY: this type is the C representation of its code.
                unsafe { msg.append_basic_raw($code, (self as *const $ty).cast()) }
            }

            #[inline]
            fn append_slice(items: &[Self], msg: &mut Message<'_>) -> Result<()> {
                // SAFETY: this type is the C representation of its code, and
                // a slice of it is laid out as the array's wire contents.
                unsafe { msg.append_array_raw($code, items) }
            }
        }

        impl<'m> Read<'m> for $ty {
            #[inline]
            fn read_from(msg: &'m Message<'_>) -> Result<Self> {
                // SAFETY: this type is the C representation of its code.
                unsafe { read_basic(msg, $code) }
            }

            #[inline]
            fn read_vec(msg: &'m Message<'_>) -> Result<Vec<Self>> {
                // SAFETY: as above.
                unsafe { read_fixed_vec(msg, $code, <[$ty]>::to_vec) }
            }
        }

        /// Reads an array without copying: the slice points into the
        /// message. Fails for a message in the other byte order.
        impl<'m> Read<'m> for &'m [$ty] {
            #[inline]
            fn read_from(msg: &'m Message<'_>) -> Result<Self> {
                // SAFETY: this type is the C representation of its code.
                unsafe { msg.read_array_raw($code) }
            }
        }
    )*};
}

fixed_size! {
    u8 => b'y',
    i16 => b'n',
    u16 => b'q',
    i32 => b'i',
    u32 => b'u',
    i64 => b'x',
    u64 => b't',
    f64 => b'd',
}

/// D-Bus booleans are a C `int` for sd-bus (4 bytes on the wire), so arrays
/// of `bool` are appended element by element.
impl Append for bool {
    #[inline]
    fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
        let value = c_int::from(*self);
        // SAFETY: sd-bus reads a boolean as a C `int`.
        unsafe { msg.append_basic_raw(b'b', (&value as *const c_int).cast()) }
    }
}

impl<'m> Read<'m> for bool {
    #[inline]
    fn read_from(msg: &'m Message<'_>) -> Result<Self> {
        // SAFETY: sd-bus writes a boolean as a C `int`.
        unsafe { read_basic::<c_int>(msg, b'b') }.map(|value| value != 0)
    }

    fn read_vec(msg: &'m Message<'_>) -> Result<Vec<Self>> {
        // SAFETY: booleans are laid out as C `int`s in arrays.
        unsafe {
            read_fixed_vec::<c_int, _>(msg, b'b', |ints| ints.iter().map(|&v| v != 0).collect())
        }
    }
}

impl Append for str {
    #[inline]
    fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
        msg.append_str(self)
    }
}

impl Append for String {
    #[inline]
    fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
        msg.append_str(self)
    }
}

/// Reads an array of string-like values, with one sd-bus call per element.
fn read_str_vec<'m, T>(
    msg: &'m Message<'_>,
    code: u8,
    convert: fn(&'m str) -> Result<T>,
) -> Result<Vec<T>> {
    let mut element = SignatureBuf::new();
    element.push(code);
    container::enter(msg, ContainerKind::Array, &mut element)?;
    let mut items = Vec::new();
    while let Some(s) = msg.read_str(code)? {
        items.push(convert(s)?);
    }
    msg.exit_container()?;
    Ok(items)
}

/// String-like types, read through a `&str` borrowed from the message.
macro_rules! string_reads {
    ($($(#[$doc:meta])* $ty:ty => $code:literal, $convert:expr;)*) => {$(
        $(#[$doc])*
        impl<'m> Read<'m> for $ty {
            #[inline]
            fn read_from(msg: &'m Message<'_>) -> Result<Self> {
                read_str_value(msg, $code).and_then($convert)
            }

            fn read_vec(msg: &'m Message<'_>) -> Result<Vec<Self>> {
                read_str_vec(msg, $code, $convert)
            }
        }
    )*};
}

string_reads! {
    /// Borrows the string from the message, without copying.
    &'m str => b's', Ok;
    String => b's', |s| Ok(s.to_owned());
    ObjectPath => b'o', <ObjectPath as TryFrom<&str>>::try_from;
    Signature => b'g', <Signature as TryFrom<&str>>::try_from;
}

/// String-like types that sd-bus takes as C strings (unlike `s`, no
/// in-place append exists for them).
macro_rules! c_string_appends {
    ($($ty:ident => $code:literal),* $(,)?) => {$(
        impl Append for $ty {
            #[inline]
            fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
                append_c_str(msg, $code, self.as_str())
            }
        }
    )*};
}

c_string_appends! {
    ObjectPath => b'o',
    Signature => b'g',
}

/// sd-bus duplicates the descriptor: `self` stays open and owned by the
/// caller.
impl Append for BorrowedFd<'_> {
    #[inline]
    fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
        let fd: c_int = self.as_raw_fd();
        // SAFETY: sd-bus reads a Unix fd as a C `int`, which it duplicates.
        unsafe { msg.append_basic_raw(b'h', (&fd as *const c_int).cast()) }
    }
}

/// sd-bus duplicates the descriptor: `self` stays open.
impl Append for OwnedFd {
    #[inline]
    fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
        self.as_fd().append_to(msg)
    }
}

/// Borrows the descriptor owned by the message.
impl<'m> Read<'m> for BorrowedFd<'m> {
    fn read_from(msg: &'m Message<'_>) -> Result<Self> {
        // SAFETY: sd-bus writes a Unix fd as a C `int`.
        let fd = unsafe { read_basic::<c_int>(msg, b'h') }?;
        if fd < 0 {
            return Err(Error::Os {
                operation: "sd_bus_message_read_basic",
                errno: libc::EBADF,
            });
        }
        // SAFETY: `fd` is an open descriptor owned by the message, which
        // closes it only when freed; the borrow of the message for `'m`
        // keeps it alive that long.
        Ok(unsafe { BorrowedFd::borrow_raw(fd) })
    }
}

/// Duplicates the descriptor owned by the message (close-on-exec).
impl<'m> Read<'m> for OwnedFd {
    fn read_from(msg: &'m Message<'_>) -> Result<Self> {
        BorrowedFd::read_from(msg)?
            .try_clone_to_owned()
            .map_err(|e| Error::Os {
                operation: "fcntl(F_DUPFD_CLOEXEC)",
                errno: e.raw_os_error().unwrap_or(libc::EIO),
            })
    }
}
