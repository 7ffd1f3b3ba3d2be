//! Conversion between Rust values and D-Bus message contents.
//!
//! [`Type`] gives a Rust type its D-Bus signature, [`Append`] writes a value
//! into a [`Message`], [`Read`] reads one back (borrowing strings from the
//! message where the lifetime allows). [`AppendArgs`] and [`ReadArgs`] treat
//! a tuple as a list of top-level arguments rather than as a struct.
//!
//! | D-Bus | Rust |
//! |---|---|
//! | `y` `b` `n` `q` `i` `u` `x` `t` `d` | `u8` `bool` `i16` `u16` `i32` `u32` `i64` `u64` `f64` |
//! | `s` | `str`, `String`; read as `String` or, borrowed, `&str` |
//! | `o`, `g` | [`ObjectPath`](crate::names::ObjectPath), [`Signature`](crate::names::Signature) |
//! | `h` | `OwnedFd`, `BorrowedFd` (sd-bus duplicates appended fds; reading an `OwnedFd` duplicates the message's) |
//! | `a…` | `[T]`, `[T; N]`, `Vec<T>`; read as `Vec<T>` or, for the fixed-size types but `bool`, borrowed as `&[T]` |
//! | `a{…}` | `HashMap<K, V, S>`, `BTreeMap<K, V>` (`K` must be a basic type) |
//! | `(…)` | tuples of 1 to 12 elements |
//! | `v` | [`Variant<T>`] (contents of a known type), [`Value`] (of any type) |
//!
//! `&T`, `Box<T>`, `Rc<T>` and `Arc<T>` have the type of `T`. Arrays of the
//! fixed-size types other than `bool` are appended and read with a single
//! copy; every other basic value takes one sd-bus call.
//!
//! ```
//! use std::collections::HashMap;
//! use sdbus::types::{Type, Value, Variant};
//!
//! assert_eq!(<(u32, Vec<String>)>::signature(), "(uas)");
//! assert_eq!(HashMap::<String, Variant<u64>>::signature(), "a{sv}");
//! assert_eq!(Vec::<Value>::signature(), "av");
//! ```

use std::ffi::CStr;
use std::fmt;
use std::mem::MaybeUninit;

use crate::error::{Error, InvalidKind, Result};
use crate::message::Message;

mod basic;
mod container;
mod value;
mod variant;

#[cfg(test)]
mod tests;

pub use value::{Array, Dict, IntoValue, Value};
pub use variant::Variant;

/// A signature built on the stack: D-Bus signatures are at most 255 bytes,
/// so building one for a container never allocates.
#[derive(Clone)]
pub struct SignatureBuf {
    /// `bytes[..len]` is initialised; the rest is not (zero-filling 256
    /// bytes for every container would cost more than building the
    /// signature).
    bytes: [MaybeUninit<u8>; 256],
    len: usize,
    overflowed: bool,
    /// Whether a NUL byte was pushed (only possible through the public
    /// `push` and `push_str`, never by this crate's types).
    has_nul: bool,
}

impl SignatureBuf {
    /// An empty signature.
    pub const fn new() -> Self {
        SignatureBuf {
            bytes: [MaybeUninit::uninit(); 256],
            len: 0,
            overflowed: false,
            has_nul: false,
        }
    }

    /// Appends signature text (such as `"a{sv}"`).
    #[inline]
    pub fn push_str(&mut self, s: &str) {
        let end = self.len + s.len();
        if end > 255 {
            self.overflowed = true;
            return;
        }
        self.has_nul |= s.as_bytes().contains(&0);
        for (slot, &b) in self.bytes[self.len..end].iter_mut().zip(s.as_bytes()) {
            slot.write(b);
        }
        self.len = end;
    }

    /// Appends one type character.
    #[inline]
    pub fn push(&mut self, c: u8) {
        if self.len >= 255 {
            self.overflowed = true;
            return;
        }
        self.has_nul |= c == 0;
        self.bytes[self.len].write(c);
        self.len += 1;
    }

    /// The bytes pushed so far.
    fn initialised(&self) -> &[u8] {
        // SAFETY: `bytes[..len]` was initialised by `push` and `push_str`
        // (and `len` only grows with them); `MaybeUninit<u8>` has the
        // layout of `u8`.
        unsafe { &*(&self.bytes[..self.len] as *const [MaybeUninit<u8>] as *const [u8]) }
    }

    /// The signature built so far.
    pub fn as_str(&self) -> &str {
        // Only ASCII type characters and `&str`s are ever pushed.
        std::str::from_utf8(self.initialised()).unwrap_or("")
    }

    /// The signature as a C string, or an error if it grew past 255 bytes.
    #[inline]
    pub fn as_cstr(&mut self) -> Result<&CStr> {
        if self.overflowed || self.has_nul {
            return Err(self.cstr_error());
        }
        // `len <= 255` (see `push`), so the terminator fits.
        self.bytes[self.len].write(0);
        let with_nul = &self.bytes[..=self.len];
        // SAFETY: `bytes[..len]` is initialised (see `initialised`) and
        // holds no NUL (`has_nul` is false); `bytes[len]` was just set to
        // NUL. `MaybeUninit<u8>` has the layout of `u8`.
        Ok(unsafe {
            CStr::from_bytes_with_nul_unchecked(
                &*(with_nul as *const [MaybeUninit<u8>] as *const [u8]),
            )
        })
    }

    #[cold]
    fn cstr_error(&self) -> Error {
        if self.overflowed {
            Error::invalid(
                InvalidKind::Signature,
                self.as_str(),
                "longer than 255 bytes",
            )
        } else {
            Error::invalid(InvalidKind::Signature, self.as_str(), "contains a NUL byte")
        }
    }
}

impl Default for SignatureBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SignatureBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A Rust type with a D-Bus signature known from its type alone.
pub trait Type {
    /// Appends this type's signature (one complete type) to `sig`.
    fn write_signature(sig: &mut SignatureBuf);

    /// This type's signature as a `String`.
    fn signature() -> String {
        let mut sig = SignatureBuf::new();
        Self::write_signature(&mut sig);
        sig.as_str().to_owned()
    }
}

/// A value that can be appended to a message as one complete type.
pub trait Append: Type {
    /// Appends `self` at the message's current write position.
    fn append_to(&self, msg: &mut Message<'_>) -> Result<()>;

    /// Appends `items` as one array (`a` followed by `Self`'s signature).
    ///
    /// The default opens an array and appends each element; fixed-size basic
    /// types override it with a single bulk copy. Called by the `[T]` and
    /// `Vec<T>` implementations; not meant to be called or overridden
    /// elsewhere.
    #[doc(hidden)]
    fn append_slice(items: &[Self], msg: &mut Message<'_>) -> Result<()>
    where
        Self: Sized,
    {
        container::append_each(items, msg)
    }
}

/// A value that can be read from a message as one complete type. `'m` is
/// the borrow of the message, so `&'m str` can point into it.
pub trait Read<'m>: Type + Sized {
    /// Reads the value at the message's current read position.
    fn read_from(msg: &'m Message<'_>) -> Result<Self>;

    /// Reads an array of `Self` (`a` followed by `Self`'s signature).
    ///
    /// The default enters the array and reads each element; fixed-size basic
    /// types override it with a single bulk copy. Called by the `Vec<T>`
    /// implementation; not meant to be called or overridden elsewhere.
    #[doc(hidden)]
    fn read_vec(msg: &'m Message<'_>) -> Result<Vec<Self>> {
        container::read_each(msg)
    }
}

/// A list of top-level arguments: implemented for tuples (each element is
/// one argument) and `()` (no arguments).
pub trait AppendArgs {
    /// Appends each argument in order.
    fn append_args_to(&self, msg: &mut Message<'_>) -> Result<()>;
    /// Appends the concatenated signature of all arguments to `sig`.
    fn write_args_signature(sig: &mut SignatureBuf);
}

/// A list of top-level arguments to read: implemented for tuples and `()`.
pub trait ReadArgs<'m>: Sized {
    /// Reads each argument in order.
    fn read_args_from(msg: &'m Message<'_>) -> Result<Self>;
    /// Appends the concatenated signature of all arguments to `sig` (what
    /// a served method taking these arguments declares). Named apart from
    /// [`AppendArgs::write_args_signature`] so that tuples, which implement
    /// both traits, have no ambiguous method.
    fn write_read_args_signature(sig: &mut SignatureBuf);
}
