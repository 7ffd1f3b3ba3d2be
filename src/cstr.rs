//! Handing Rust strings to C as NUL-terminated strings.
//!
//! Almost every sd-bus call takes a few short strings (names, paths,
//! signatures). Allocating a `CString` for each would dominate the cost of a
//! call, so short strings are copied into a fixed buffer (on the stack, where
//! a `CStrBuf` normally lives) and only long ones go through the heap.

use std::borrow::Cow;
use std::ffi::{c_char, CStr, CString};
use std::mem::MaybeUninit;

use crate::error::{Error, InvalidKind, Result};

/// Strings shorter than this are terminated in place. D-Bus names and
/// signatures are at most 255 bytes, so they always fit.
const INLINE_LEN: usize = 256;

/// A NUL-terminated copy of a Rust string, to pass to C. Short strings (under
/// 256 bytes) are kept inline, without a heap allocation.
pub(crate) struct CStrBuf {
    /// Without `heap`: `inline[..=len]` is initialised, `inline[..len]` is
    /// the string and `inline[len]` its terminating NUL. The rest stays
    /// uninitialised: zero-filling 256 bytes would cost more than the copy.
    inline: [MaybeUninit<u8>; INLINE_LEN],
    len: u8,
    /// The strings too long for `inline`.
    heap: Option<CString>,
}

impl CStrBuf {
    /// Copies `s`, refusing an interior NUL byte (which C would take as the
    /// end of the string) with an [`Error::Invalid`] of the given `kind`.
    #[inline]
    pub(crate) fn new(s: &str, kind: InvalidKind) -> Result<Self> {
        Self::from_bytes(s.as_bytes(), kind)
    }

    /// Checks `s` with `validate` (such as `ObjectPath::validate`), then
    /// copies it as [`CStrBuf::new`] does.
    #[inline]
    pub(crate) fn validated(
        s: &str,
        kind: InvalidKind,
        validate: impl FnOnce(&str) -> Result<()>,
    ) -> Result<Self> {
        validate(s)?;
        Self::new(s, kind)
    }

    /// [`CStrBuf::new`] for bytes that need not be UTF-8.
    pub(crate) fn from_bytes(bytes: &[u8], kind: InvalidKind) -> Result<Self> {
        // `contains` on a byte slice is memchr-accelerated in core.
        if bytes.contains(&0) {
            return Err(nul_error(kind, bytes));
        }
        let mut inline = [MaybeUninit::<u8>::uninit(); INLINE_LEN];
        match u8::try_from(bytes.len()) {
            Ok(len) => {
                for (slot, &b) in inline.iter_mut().zip(bytes) {
                    slot.write(b);
                }
                // A `u8` length is at most 255, so the terminator fits.
                inline[bytes.len()].write(0);
                Ok(CStrBuf {
                    inline,
                    len,
                    heap: None,
                })
            }
            Err(_) => Ok(CStrBuf {
                inline,
                len: 0,
                // SAFETY: the check above guarantees that `bytes` has no
                // NUL; `from_vec_unchecked` appends the terminator.
                heap: Some(unsafe { CString::from_vec_unchecked(bytes.to_vec()) }),
            }),
        }
    }

    /// The string as a `CStr`.
    pub(crate) fn as_cstr(&self) -> &CStr {
        match &self.heap {
            Some(owned) => owned,
            // SAFETY: without `heap`, `from_bytes` initialised
            // `inline[..=len]`, wrote the NUL at `len` and checked that no
            // earlier byte is zero; `MaybeUninit<u8>` has `u8`'s layout.
            None => unsafe {
                let initialised = &self.inline[..=usize::from(self.len)];
                CStr::from_bytes_with_nul_unchecked(
                    &*(initialised as *const [MaybeUninit<u8>] as *const [u8]),
                )
            },
        }
    }

    /// The string, for error messages; lossy only for bytes that are not
    /// UTF-8, which only [`CStrBuf::from_bytes`] can hold.
    pub(crate) fn to_str(&self) -> Cow<'_, str> {
        self.as_cstr().to_string_lossy()
    }

    /// A pointer to the NUL-terminated string, valid as long as `self` is
    /// neither moved nor dropped.
    #[inline]
    pub(crate) fn as_ptr(&self) -> *const c_char {
        self.as_cstr().as_ptr()
    }
}

/// Room for one NUL-terminated copy of a string known to hold no NUL byte
/// (a name or path that passed its validator), filled in place where it is
/// declared, typically on the stack of the function making an sd-bus call:
/// no NUL scan, no zero-fill, and the buffer is never moved.
pub(crate) struct CStrSlot {
    /// `inline[..=len]` is initialised by [`CStrSlot::fill`] for strings
    /// shorter than [`INLINE_LEN`]; the rest stays uninitialised.
    inline: [MaybeUninit<u8>; INLINE_LEN],
    /// The copy of a longer string (only object paths can be).
    heap: Vec<u8>,
}

impl CStrSlot {
    /// An empty slot (without any initialisation cost).
    #[inline]
    pub(crate) fn new() -> Self {
        CStrSlot {
            inline: [MaybeUninit::uninit(); INLINE_LEN],
            heap: Vec::new(),
        }
    }

    /// Copies `s` followed by a NUL and returns a pointer to the copy, valid
    /// as long as `self` is neither moved, dropped nor filled again.
    ///
    /// `s` must not contain a NUL byte: the validators of names and paths
    /// refuse it. (A NUL would not be unsound, only cut the string short on
    /// the C side, so this is checked in debug builds only.)
    #[inline]
    pub(crate) fn fill(&mut self, s: &str) -> *const c_char {
        let bytes = s.as_bytes();
        debug_assert!(!bytes.contains(&0), "{s:?} contains a NUL byte");
        if bytes.len() >= INLINE_LEN {
            return self.fill_heap(bytes);
        }
        // SAFETY: `bytes.len() + 1 <= INLINE_LEN` bytes are written, all
        // inside `inline`; a `&str` cannot overlap the `&mut self` buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.inline.as_mut_ptr().cast::<u8>(),
                bytes.len(),
            );
        }
        self.inline[bytes.len()].write(0);
        self.inline.as_ptr().cast()
    }

    #[cold]
    fn fill_heap(&mut self, bytes: &[u8]) -> *const c_char {
        self.heap.clear();
        self.heap.reserve_exact(bytes.len() + 1);
        self.heap.extend_from_slice(bytes);
        self.heap.push(0);
        self.heap.as_ptr().cast()
    }
}

/// Room for one NUL-terminated copy of a validated name (bus, interface,
/// member or error name: at most 255 bytes, no NUL), filled in place as a
/// [`CStrSlot`] is, without its spill-over to the heap.
pub(crate) struct NameSlot {
    /// `inline[..=len]` is initialised by [`NameSlot::fill`].
    inline: [MaybeUninit<u8>; INLINE_LEN],
}

impl NameSlot {
    /// An empty slot (without any initialisation cost).
    #[inline]
    pub(crate) fn new() -> Self {
        NameSlot {
            inline: [MaybeUninit::uninit(); INLINE_LEN],
        }
    }

    /// Copies `name` followed by a NUL and returns a pointer to the copy,
    /// valid as long as `self` is neither moved, dropped nor filled again.
    ///
    /// `name` must have passed a name validator: at most 255 bytes (a
    /// longer one is a bug of the caller, and panics) and no NUL byte (see
    /// [`CStrSlot::fill`]).
    #[inline]
    pub(crate) fn fill(&mut self, name: &str) -> *const c_char {
        let bytes = name.as_bytes();
        debug_assert!(!bytes.contains(&0), "{name:?} contains a NUL byte");
        if bytes.len() >= INLINE_LEN {
            name_too_long(bytes.len());
        }
        // SAFETY: `bytes.len() + 1 <= INLINE_LEN` bytes are written, all
        // inside `inline`; a `&str` cannot overlap the `&mut self` buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.inline.as_mut_ptr().cast::<u8>(),
                bytes.len(),
            );
        }
        self.inline[bytes.len()].write(0);
        self.inline.as_ptr().cast()
    }
}

#[cold]
#[inline(never)]
fn name_too_long(len: usize) -> ! {
    panic!("a validated name of {len} bytes: names have at most 255")
}

fn nul_error(kind: InvalidKind, bytes: &[u8]) -> Error {
    Error::invalid(kind, String::from_utf8_lossy(bytes), "contains a NUL byte")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_strings_pass_through() {
        for len in [0, 1, 254, 255, 256, 257, 4096] {
            let s = "x".repeat(len);
            let buf = CStrBuf::new(&s, InvalidKind::String).unwrap();
            assert_eq!(buf.as_cstr().to_bytes(), s.as_bytes(), "length {len}");
            // SAFETY: `as_ptr` points at a NUL-terminated string owned by `buf`.
            let via_ptr = unsafe { CStr::from_ptr(buf.as_ptr()) };
            assert_eq!(via_ptr.to_bytes().len(), len);
        }
        let bytes = CStrBuf::from_bytes(b"\xff\x01", InvalidKind::String).unwrap();
        assert_eq!(bytes.as_cstr().to_bytes(), b"\xff\x01");
        assert_eq!(bytes.to_str(), "\u{fffd}\u{1}");
        assert_eq!(
            CStrBuf::new("ü", InvalidKind::String).unwrap().to_str(),
            "ü"
        );
    }

    #[test]
    fn interior_nul_is_refused() {
        let long = format!("{}\0", "y".repeat(1000));
        for s in ["a\0b", "\0", long.as_str()] {
            let err = CStrBuf::new(s, InvalidKind::MemberName).err().unwrap();
            assert_eq!(
                err,
                Error::invalid(InvalidKind::MemberName, s, "contains a NUL byte")
            );
        }
        let err = CStrBuf::from_bytes(b"\xff\0", InvalidKind::String)
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "invalid string \"\u{fffd}\\0\": contains a NUL byte"
        );
    }

    #[test]
    fn slots_hold_short_and_long_strings() {
        let mut slot = CStrSlot::new();
        for len in [0, 1, 254, 255, 256, 257, 4096, 3] {
            let s = "z".repeat(len);
            let ptr = slot.fill(&s);
            // SAFETY: `fill` returned a NUL-terminated copy owned by `slot`,
            // which is not touched until the next iteration.
            let copy = unsafe { CStr::from_ptr(ptr) };
            assert_eq!(copy.to_bytes(), s.as_bytes(), "length {len}");
        }
    }

    #[test]
    fn name_slots_hold_names() {
        let mut slot = NameSlot::new();
        for len in [0, 1, 254, 255, 7] {
            let s = "n".repeat(len);
            let ptr = slot.fill(&s);
            // SAFETY: `fill` returned a NUL-terminated copy owned by `slot`,
            // which is not touched until the next iteration.
            let copy = unsafe { CStr::from_ptr(ptr) };
            assert_eq!(copy.to_bytes(), s.as_bytes(), "length {len}");
        }
    }

    #[test]
    #[should_panic(expected = "names have at most 255")]
    fn name_slots_refuse_what_no_name_is() {
        NameSlot::new().fill(&"n".repeat(256));
    }

    #[test]
    fn validation_comes_first() {
        let refuse = |s: &str| Err(Error::invalid(InvalidKind::BusName, s, "nope"));
        let err = CStrBuf::validated("a\0", InvalidKind::String, refuse)
            .err()
            .unwrap();
        assert_eq!(err, Error::invalid(InvalidKind::BusName, "a\0", "nope"));
        let buf = CStrBuf::validated("ok", InvalidKind::String, |_| Ok(())).unwrap();
        assert_eq!(buf.as_cstr(), c"ok");
    }
}
