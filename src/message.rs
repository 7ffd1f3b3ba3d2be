//! D-Bus messages: method calls, method returns, errors and signals.
//!
//! A [`Message`] owns one reference to an `sd_bus_message`. It is tied by
//! its lifetime to the [`Bus`] it came from, because sd-bus messages hold a
//! (non-atomic) reference to their bus: a message must stay on the thread
//! that uses the bus, and the bus cannot move to another thread while
//! messages of it are alive.
//!
//! Values are appended with [`Message::append`] and read with
//! [`Message::read`], through the [`Append`] and [`Read`] traits of the
//! [`types`](crate::types) module.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::fmt;
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use libsystemd_sys as sys;

use crate::bus::Bus;
use crate::cstr::CStrBuf;
use crate::error::{check, BusError, Error, InvalidKind, Result};
use crate::types::{Append, AppendArgs, Read, ReadArgs};

/// The four kinds of D-Bus message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// A method call.
    MethodCall,
    /// A successful reply to a method call.
    MethodReturn,
    /// An error reply to a method call.
    MethodError,
    /// A signal.
    Signal,
}

impl MessageType {
    fn from_raw(raw: u8) -> Option<Self> {
        match u32::from(raw) {
            sys::SD_BUS_MESSAGE_METHOD_CALL => Some(MessageType::MethodCall),
            sys::SD_BUS_MESSAGE_METHOD_RETURN => Some(MessageType::MethodReturn),
            sys::SD_BUS_MESSAGE_METHOD_ERROR => Some(MessageType::MethodError),
            sys::SD_BUS_MESSAGE_SIGNAL => Some(MessageType::Signal),
            _ => None,
        }
    }
}

/// The kinds of container a message can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerKind {
    /// An array, `a…`.
    Array,
    /// A variant, `v`.
    Variant,
    /// A struct, `(…)`.
    Struct,
    /// A dict entry, `{…}` (only directly inside an array).
    DictEntry,
}

impl ContainerKind {
    pub(crate) fn type_char(self) -> c_char {
        (match self {
            ContainerKind::Array => b'a',
            ContainerKind::Variant => b'v',
            ContainerKind::Struct => b'r',
            ContainerKind::DictEntry => b'e',
        }) as c_char
    }
}

/// An owned reference to an `sd_bus_message`.
///
/// `Clone` takes another reference to the same C message (they share the
/// read position); `Drop` releases this one.
pub struct Message<'bus> {
    raw: NonNull<sys::sd_bus_message>,
    // Messages reference their bus without atomics: they must not outlive the
    // bus's thread confinement. Borrowing the bus makes `Message` `!Send` and
    // keeps the bus from moving to another thread while the message lives.
    _bus: PhantomData<&'bus Bus>,
}

impl<'bus> Message<'bus> {
    /// Takes ownership of one reference to `raw`.
    ///
    /// # Safety
    /// `raw` must point to a valid `sd_bus_message` whose reference the
    /// caller hands over. The message's bus must outlive `'bus` and be used
    /// only from the current thread during `'bus`.
    pub unsafe fn from_raw(raw: *mut sys::sd_bus_message) -> Option<Self> {
        NonNull::new(raw).map(|raw| Message {
            raw,
            _bus: PhantomData,
        })
    }

    /// Takes a new reference to `raw`, which stays owned by the caller too.
    ///
    /// # Safety
    /// As for [`Message::from_raw`], except that the caller keeps its own
    /// reference.
    pub unsafe fn from_raw_borrowed(raw: *mut sys::sd_bus_message) -> Option<Self> {
        let raw = NonNull::new(raw)?;
        // SAFETY: the caller guarantees `raw` is a valid message; taking a
        // reference is what this function is for.
        unsafe { sys::sd_bus_message_ref(raw.as_ptr()) };
        Some(Message {
            raw,
            _bus: PhantomData,
        })
    }

    /// The underlying pointer, still owned by `self`.
    pub fn as_ptr(&self) -> *mut sys::sd_bus_message {
        self.raw.as_ptr()
    }

    /// Gives up ownership of this reference; the caller must
    /// `sd_bus_message_unref` it.
    pub fn into_raw(self) -> *mut sys::sd_bus_message {
        let raw = self.raw.as_ptr();
        std::mem::forget(self);
        raw
    }

    /// The message's kind.
    pub fn message_type(&self) -> MessageType {
        let mut raw = 0u8;
        // SAFETY: `self.raw` is a valid message; `raw` is a valid out pointer.
        let ret = unsafe { sys::sd_bus_message_get_type(self.as_ptr(), &mut raw) };
        debug_assert!(
            ret >= 0,
            "sd_bus_message_get_type failed on a valid message"
        );
        // sd-bus refuses to create or parse messages of any other type.
        MessageType::from_raw(raw).unwrap_or(MessageType::MethodCall)
    }

    /// The serial number, once the message was sent or received.
    pub fn cookie(&self) -> Option<u64> {
        let mut cookie = 0u64;
        // SAFETY: valid message and out pointer.
        let ret = unsafe { sys::sd_bus_message_get_cookie(self.as_ptr(), &mut cookie) };
        (ret >= 0).then_some(cookie)
    }

    /// For replies, the cookie of the call they answer.
    pub fn reply_cookie(&self) -> Option<u64> {
        let mut cookie = 0u64;
        // SAFETY: valid message and out pointer.
        let ret = unsafe { sys::sd_bus_message_get_reply_cookie(self.as_ptr(), &mut cookie) };
        (ret >= 0).then_some(cookie)
    }

    /// The unique name of the sender, if the bus set one.
    pub fn sender(&self) -> Option<&str> {
        // SAFETY: valid message; the returned string lives as long as it.
        unsafe { header_str(sys::sd_bus_message_get_sender(self.as_ptr())) }
    }

    /// The destination bus name, if any.
    pub fn destination(&self) -> Option<&str> {
        // SAFETY: valid message; the returned string lives as long as it.
        unsafe { header_str(sys::sd_bus_message_get_destination(self.as_ptr())) }
    }

    /// The object path (method calls and signals).
    pub fn path(&self) -> Option<&str> {
        // SAFETY: valid message; the returned string lives as long as it.
        unsafe { header_str(sys::sd_bus_message_get_path(self.as_ptr())) }
    }

    /// The interface (method calls and signals).
    pub fn interface(&self) -> Option<&str> {
        // SAFETY: valid message; the returned string lives as long as it.
        unsafe { header_str(sys::sd_bus_message_get_interface(self.as_ptr())) }
    }

    /// The member: the method or signal name.
    pub fn member(&self) -> Option<&str> {
        // SAFETY: valid message; the returned string lives as long as it.
        unsafe { header_str(sys::sd_bus_message_get_member(self.as_ptr())) }
    }

    /// The signature of the whole body (`""` if it is empty).
    pub fn signature(&self) -> &str {
        // SAFETY: valid message; with `complete = 1` the whole body's
        // signature is returned, living as long as the message.
        unsafe { header_str(sys::sd_bus_message_get_signature(self.as_ptr(), 1)) }.unwrap_or("")
    }

    /// Whether this is a method call to `interface.member` (either may be
    /// `None` to match any).
    pub fn is_method_call(&self, interface: Option<&str>, member: Option<&str>) -> bool {
        self.message_type() == MessageType::MethodCall
            && interface.is_none_or(|i| self.interface() == Some(i))
            && member.is_none_or(|m| self.member() == Some(m))
    }

    /// Whether this is the signal `interface.member` (either may be `None`).
    pub fn is_signal(&self, interface: Option<&str>, member: Option<&str>) -> bool {
        self.message_type() == MessageType::Signal
            && interface.is_none_or(|i| self.interface() == Some(i))
            && member.is_none_or(|m| self.member() == Some(m))
    }

    /// For error replies, the D-Bus error they carry.
    pub fn error(&self) -> Option<BusError> {
        // SAFETY: valid message; the returned error is owned by the message
        // and only read here.
        let error = unsafe { sys::sd_bus_message_get_error(self.as_ptr()) };
        if error.is_null() {
            return None;
        }
        let mut copy = sys::sd_bus_error {
            name: ptr::null(),
            message: ptr::null(),
            _need_free: 0,
        };
        // SAFETY: `error` is valid for reads; `copy` is a fresh, unset error
        // that receives deep copies of its strings.
        unsafe { sys::sd_bus_error_copy(&mut copy, error) };
        // SAFETY: `copy` is initialised and owned here.
        unsafe { BusError::take_from(&mut copy, 0) }
    }

    /// Whether the sender expects a reply (method calls without the
    /// `NO_REPLY_EXPECTED` flag).
    pub fn expects_reply(&self) -> bool {
        // SAFETY: valid message.
        unsafe { sys::sd_bus_message_get_expect_reply(self.as_ptr()) > 0 }
    }

    /// Sets whether a method call expects a reply: `false` sets the
    /// `NO_REPLY_EXPECTED` flag, so that the callee sends none (for a call
    /// sent with [`Bus::send`](crate::Bus::send) whose answer does not
    /// matter). Only before the message is sealed.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let mut call = bus.new_method_call(
    ///     "org.freedesktop.systemd1",
    ///     "/org/freedesktop/systemd1",
    ///     "org.freedesktop.systemd1.Manager",
    ///     "Reload",
    /// )?;
    /// call.set_expect_reply(false)?;
    /// bus.send(&call)?;
    /// # Ok(()) }
    /// ```
    pub fn set_expect_reply(&mut self, expect: bool) -> Result<()> {
        // SAFETY: valid message; sd-bus refuses a sealed one or a message
        // other than a call (-EPERM).
        check("sd_bus_message_set_expect_reply", unsafe {
            sys::sd_bus_message_set_expect_reply(self.as_ptr(), c_int::from(expect))
        })?;
        Ok(())
    }

    /// A reply to this method call, to fill and [`send`](Message::send).
    pub fn new_method_return(&self) -> Result<Message<'bus>> {
        let mut raw = ptr::null_mut();
        // SAFETY: valid message and out pointer.
        check("sd_bus_message_new_method_return", unsafe {
            sys::sd_bus_message_new_method_return(self.as_ptr(), &mut raw)
        })?;
        // SAFETY: the new reply's reference is handed to us; it belongs to
        // the same bus as `self`.
        unsafe { Message::from_raw(raw) }
            .ok_or_else(|| Error::no_object("sd_bus_message_new_method_return"))
    }

    /// An error reply to this method call, carrying `error`.
    pub fn new_method_error(&self, error: &BusError) -> Result<Message<'bus>> {
        crate::names::ErrorName::validate(error.name())?;
        let name = CStrBuf::new(error.name(), InvalidKind::ErrorName)?;
        let text = CStrBuf::new(error.message(), InvalidKind::String)?;
        let c_error = sys::sd_bus_error {
            name: name.as_ptr(),
            message: text.as_ptr(),
            _need_free: 0,
        };
        let mut raw = ptr::null_mut();
        // SAFETY: valid message, out pointer and error whose strings outlive
        // the call (sd-bus copies them).
        check("sd_bus_message_new_method_error", unsafe {
            sys::sd_bus_message_new_method_error(self.as_ptr(), &mut raw, &c_error)
        })?;
        // SAFETY: the new reply's reference is handed to us.
        unsafe { Message::from_raw(raw) }
            .ok_or_else(|| Error::no_object("sd_bus_message_new_method_error"))
    }

    /// Sends this message on the bus it belongs to, without waiting for a
    /// reply; returns its cookie. Used to send replies from handlers.
    pub fn send(&self) -> Result<u64> {
        let mut cookie = 0u64;
        // SAFETY: valid message; a NULL bus means the message's own bus.
        check("sd_bus_send", unsafe {
            sys::sd_bus_send(ptr::null_mut(), self.as_ptr(), &mut cookie)
        })?;
        Ok(cookie)
    }

    /// Appends the contents of `source` from its read position: the rest of
    /// its body with `all`, else its next complete value. The cheapest way to
    /// forward or echo values without decoding them.
    pub fn append_from(&mut self, source: &Message<'_>, all: bool) -> Result<()> {
        // SAFETY: both messages are valid; sd-bus reads from `source` and
        // appends to `self`.
        check("sd_bus_message_copy", unsafe {
            sys::sd_bus_message_copy(self.as_ptr(), source.as_ptr(), c_int::from(all))
        })?;
        Ok(())
    }

    /// Seals the message, as sending does. Needed only to read back a
    /// message built locally.
    pub fn seal(&mut self, cookie: u64) -> Result<()> {
        // SAFETY: valid message; a timeout of 0 means the default.
        check("sd_bus_message_seal", unsafe {
            sys::sd_bus_message_seal(self.as_ptr(), cookie, 0)
        })?;
        Ok(())
    }

    /// Appends one value of any type implementing [`Append`].
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let mut call = bus.new_method_call(
    ///     "org.freedesktop.systemd1",
    ///     "/org/freedesktop/systemd1",
    ///     "org.freedesktop.systemd1.Manager",
    ///     "GetUnit",
    /// )?;
    /// call.append("dbus.service")?;
    /// # Ok(()) }
    /// ```
    pub fn append<T: Append + ?Sized>(&mut self, value: &T) -> Result<&mut Self> {
        value.append_to(self)?;
        Ok(self)
    }

    /// Appends each element of a tuple as its own top-level argument.
    pub fn append_args<A: AppendArgs + ?Sized>(&mut self, args: &A) -> Result<&mut Self> {
        args.append_args_to(self)?;
        Ok(self)
    }

    /// Reads the next complete value.
    pub fn read<'m, T: Read<'m>>(&'m self) -> Result<T> {
        T::read_from(self)
    }

    /// Reads a tuple of top-level arguments.
    pub fn read_args<'m, T: ReadArgs<'m>>(&'m self) -> Result<T> {
        T::read_args_from(self)
    }

    /// Appends one value of a basic type, given its type character and a
    /// pointer to it in the C representation sd-bus expects.
    ///
    /// # Safety
    /// `value` must point to a value of the C type matching `type_char`
    /// (`const char*` for `s`, `o`, `g`).
    pub(crate) unsafe fn append_basic_raw(
        &mut self,
        type_char: u8,
        value: *const c_void,
    ) -> Result<()> {
        // SAFETY: the caller guarantees `value` matches `type_char`.
        check("sd_bus_message_append_basic", unsafe {
            sys::sd_bus_message_append_basic(self.as_ptr(), type_char as c_char, value)
        })?;
        Ok(())
    }

    /// Appends a string (`s`) without an intermediate copy: sd-bus reserves
    /// room in the message and the bytes go straight there.
    pub(crate) fn append_str(&mut self, value: &str) -> Result<()> {
        if value.as_bytes().contains(&0) {
            return Err(Error::invalid(
                InvalidKind::String,
                value,
                "contains a NUL byte",
            ));
        }
        self.append_nul_free_str(value)
    }

    /// [`Message::append_str`] of a string already known to hold no NUL
    /// byte, such as a validated name. (A NUL would not be unsound, only
    /// make the message malformed, so this is checked in debug builds only.)
    #[inline]
    pub(crate) fn append_nul_free_str(&mut self, value: &str) -> Result<()> {
        debug_assert!(!value.as_bytes().contains(&0), "{value:?} contains a NUL");
        let mut space: *mut c_char = ptr::null_mut();
        // SAFETY: valid message; `space` receives a pointer to `len + 1`
        // writable bytes owned by the message.
        check("sd_bus_message_append_string_space", unsafe {
            sys::sd_bus_message_append_string_space(self.as_ptr(), value.len(), &mut space)
        })?;
        // SAFETY: sd-bus reserved `value.len()` bytes plus the NUL it wrote
        // itself at `space`; the regions cannot overlap.
        unsafe { ptr::copy_nonoverlapping(value.as_ptr(), space.cast::<u8>(), value.len()) };
        Ok(())
    }

    /// Appends an array of a fixed-size basic type in one copy.
    ///
    /// # Safety
    /// `T` must be the C representation of `type_char`.
    pub(crate) unsafe fn append_array_raw<T>(&mut self, type_char: u8, items: &[T]) -> Result<()> {
        // SAFETY: `items` is valid for `size_of_val(items)` bytes and the
        // caller guarantees its element type matches `type_char`.
        check("sd_bus_message_append_array", unsafe {
            sys::sd_bus_message_append_array(
                self.as_ptr(),
                type_char as c_char,
                items.as_ptr().cast(),
                std::mem::size_of_val(items),
            )
        })?;
        Ok(())
    }

    /// Opens a container; `contents` is the signature of what goes inside
    /// (for a struct or dict entry, its members without the brackets).
    pub fn open_container(&mut self, kind: ContainerKind, contents: &CStr) -> Result<()> {
        // SAFETY: valid message and NUL-terminated contents signature.
        check("sd_bus_message_open_container", unsafe {
            sys::sd_bus_message_open_container(self.as_ptr(), kind.type_char(), contents.as_ptr())
        })?;
        Ok(())
    }

    /// Closes the innermost open container.
    pub fn close_container(&mut self) -> Result<()> {
        // SAFETY: valid message.
        check("sd_bus_message_close_container", unsafe {
            sys::sd_bus_message_close_container(self.as_ptr())
        })?;
        Ok(())
    }

    /// Reads one value of a basic type into `out`. Returns `false` at the
    /// end of the current container.
    ///
    /// # Safety
    /// `out` must point to writable storage of the C type matching
    /// `type_char` (`*const c_char` for `s`, `o`, `g`).
    #[inline]
    pub(crate) unsafe fn read_basic_raw(&self, type_char: u8, out: *mut c_void) -> Result<bool> {
        // SAFETY: the caller guarantees `out` matches `type_char`.
        let ret =
            unsafe { sys::sd_bus_message_read_basic(self.as_ptr(), type_char as c_char, out) };
        if ret < 0 {
            return Err(self.read_error("sd_bus_message_read_basic", ret, &[type_char]));
        }
        Ok(ret > 0)
    }

    /// Reads a string-like basic value (`s`, `o` or `g`), borrowing it from
    /// the message. Returns `None` at the end of the current container.
    pub(crate) fn read_str(&self, type_char: u8) -> Result<Option<&str>> {
        let mut value: *const c_char = ptr::null();
        // SAFETY: string-like types are read as `const char*`.
        if !unsafe { self.read_basic_raw(type_char, (&mut value as *mut *const c_char).cast())? } {
            return Ok(None);
        }
        // SAFETY: sd-bus returned a NUL-terminated string inside the sealed
        // message body, which is immutable and lives as long as `self`.
        let bytes = unsafe { CStr::from_ptr(value) }.to_bytes();
        // sd-bus validates UTF-8 of received strings, but a message built
        // from raw parts may not have been: check rather than assume.
        std::str::from_utf8(bytes).map(Some).map_err(|_| {
            Error::invalid(
                InvalidKind::String,
                String::from_utf8_lossy(bytes),
                "is not valid UTF-8",
            )
        })
    }

    /// Reads an array of a fixed-size basic type without copying.
    ///
    /// # Safety
    /// `T` must be the C representation of `type_char`.
    pub(crate) unsafe fn read_array_raw<T>(&self, type_char: u8) -> Result<&[T]> {
        let mut data: *const c_void = ptr::null();
        let mut size = 0usize;
        // SAFETY: valid message and out pointers.
        let ret = unsafe {
            sys::sd_bus_message_read_array(self.as_ptr(), type_char as c_char, &mut data, &mut size)
        };
        if ret < 0 {
            return Err(self.read_error("sd_bus_message_read_array", ret, &[b'a', type_char]));
        }
        if ret == 0 {
            // At the end of the current container: there is no array to read.
            return Err(Error::TypeMismatch {
                expected: format!("a{}", char::from(type_char)),
                found: String::new(),
            });
        }
        if size == 0 || data.is_null() {
            return Ok(&[]);
        }
        // SAFETY: sd-bus returned `size` bytes of properly aligned elements of
        // `type_char` inside the immutable body, living as long as `self`.
        Ok(
            unsafe {
                std::slice::from_raw_parts(data.cast::<T>(), size / std::mem::size_of::<T>())
            },
        )
    }

    /// Enters a container of the given kind; `contents` may be `None` to
    /// accept whatever it holds. Returns `false` at the end of the current
    /// container.
    #[inline]
    pub fn enter_container(&self, kind: ContainerKind, contents: Option<&CStr>) -> Result<bool> {
        let contents_ptr = contents.map_or(ptr::null(), CStr::as_ptr);
        // SAFETY: valid message; `contents_ptr` is NULL or NUL-terminated.
        let ret = unsafe {
            sys::sd_bus_message_enter_container(self.as_ptr(), kind.type_char(), contents_ptr)
        };
        if ret < 0 {
            return Err(self.enter_error(ret, kind, contents));
        }
        Ok(ret > 0)
    }

    /// The error for a container that could not be entered.
    #[cold]
    #[inline(never)]
    fn enter_error(&self, ret: c_int, kind: ContainerKind, contents: Option<&CStr>) -> Error {
        let mut expected = vec![kind.type_char() as u8];
        if let Some(c) = contents {
            expected.extend_from_slice(c.to_bytes());
        }
        self.read_error("sd_bus_message_enter_container", ret, &expected)
    }

    /// Leaves the innermost container entered, skipping what is left in it.
    #[inline]
    pub fn exit_container(&self) -> Result<()> {
        // SAFETY: valid message.
        check("sd_bus_message_exit_container", unsafe {
            sys::sd_bus_message_exit_container(self.as_ptr())
        })?;
        Ok(())
    }

    /// The type of the next value: its type character and, for containers,
    /// the signature of their contents. `None` at the end of the current
    /// container.
    #[inline]
    pub fn peek_type(&self) -> Result<Option<(u8, Option<&str>)>> {
        let mut type_char: c_char = 0;
        let mut contents: *const c_char = ptr::null();
        // SAFETY: valid message and out pointers.
        let ret =
            unsafe { sys::sd_bus_message_peek_type(self.as_ptr(), &mut type_char, &mut contents) };
        check("sd_bus_message_peek_type", ret)?;
        if ret == 0 {
            return Ok(None);
        }
        // SAFETY: `contents` is NULL or a string inside the message's
        // signature, living as long as `self`.
        let contents = unsafe { header_str(contents) };
        Ok(Some((type_char as u8, contents)))
    }

    /// Skips values described by `signature` (or the next complete value
    /// if `None`).
    pub fn skip(&self, signature: Option<&CStr>) -> Result<()> {
        // SAFETY: valid message; NULL or a NUL-terminated signature.
        check("sd_bus_message_skip", unsafe {
            sys::sd_bus_message_skip(self.as_ptr(), signature.map_or(ptr::null(), CStr::as_ptr))
        })?;
        Ok(())
    }

    /// Moves the read position back to the beginning of the body.
    pub fn rewind(&self) -> Result<()> {
        // SAFETY: valid message; `complete = 1` rewinds the whole body.
        check("sd_bus_message_rewind", unsafe {
            sys::sd_bus_message_rewind(self.as_ptr(), 1)
        })?;
        Ok(())
    }

    /// Whether the read position is at the end of the current container
    /// (or of the body, with `complete`).
    #[inline]
    pub fn at_end(&self, complete: bool) -> Result<bool> {
        // SAFETY: valid message.
        let ret = unsafe { sys::sd_bus_message_at_end(self.as_ptr(), c_int::from(complete)) };
        Ok(check("sd_bus_message_at_end", ret)? > 0)
    }

    /// The error for a failed read, naming the expected and actual types.
    #[cold]
    #[inline(never)]
    fn read_error(&self, operation: &'static str, ret: c_int, expected: &[u8]) -> Error {
        if ret != -libc::ENXIO && ret != -libc::EBADMSG {
            return Error::from_negative_errno(operation, ret);
        }
        let found = match self.peek_type() {
            Ok(Some((t, Some(contents)))) => match t {
                b'a' => format!("a{contents}"),
                b'v' => "v".to_owned(),
                b'r' => format!("({contents})"),
                b'e' => format!("{{{contents}}}"),
                other => (other as char).to_string(),
            },
            Ok(Some((t, None))) => (t as char).to_string(),
            _ => String::new(),
        };
        let expected = match expected {
            [b'r', rest @ ..] => format!("({})", String::from_utf8_lossy(rest)),
            [b'e', rest @ ..] => format!("{{{}}}", String::from_utf8_lossy(rest)),
            other => String::from_utf8_lossy(other).into_owned(),
        };
        Error::TypeMismatch { expected, found }
    }

    /// The credentials of the sender of this message: those the bus
    /// attached to it if any, else asked of the bus daemon for the sender's
    /// unique name, filled in from `/proc` where the bus does not tell
    /// (`sd_bus_query_sender_creds`). This may be a blocking call to the bus
    /// daemon. A served method's [`Request`](crate::server::Request) offers
    /// the same as `credentials()`.
    ///
    /// ```no_run
    /// # fn demo(call: &sdbus::Message<'_>) -> sdbus::Result<()> {
    /// let creds = call.query_sender_creds()?;
    /// println!("called by uid {:?}, pid {:?}", creds.euid(), creds.pid());
    /// # Ok(()) }
    /// ```
    pub fn query_sender_creds(&self) -> Result<crate::creds::Credentials> {
        let mut raw = ptr::null_mut();
        // SAFETY: valid message and out pointer.
        check("sd_bus_query_sender_creds", unsafe {
            sys::sd_bus_query_sender_creds(
                self.as_ptr(),
                crate::creds::ALL_FIELDS | crate::creds::AUGMENT,
                &mut raw,
            )
        })?;
        // SAFETY: on success the reference is handed to us.
        unsafe { crate::creds::Credentials::from_raw(raw) }.ok_or(Error::Os {
            operation: "sd_bus_query_sender_creds",
            errno: libc::EINVAL,
        })
    }
}

/// Borrows a header string returned by sd-bus.
///
/// # Safety
/// `s` must be NULL or a NUL-terminated string valid for `'a`.
unsafe fn header_str<'a>(s: *const c_char) -> Option<&'a str> {
    if s.is_null() {
        return None;
    }
    // SAFETY: guaranteed by the caller.
    let bytes = unsafe { CStr::from_ptr(s) }.to_bytes();
    // Header fields are validated names, paths and signatures: ASCII.
    std::str::from_utf8(bytes).ok()
}

impl Clone for Message<'_> {
    fn clone(&self) -> Self {
        // SAFETY: `self.raw` is valid; the new reference is owned by the clone.
        unsafe { sys::sd_bus_message_ref(self.as_ptr()) };
        Message {
            raw: self.raw,
            _bus: PhantomData,
        }
    }
}

impl Drop for Message<'_> {
    fn drop(&mut self) {
        // SAFETY: `self` owns one reference, released exactly once here.
        unsafe { sys::sd_bus_message_unref(self.as_ptr()) };
    }
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("type", &self.message_type())
            .field("cookie", &self.cookie())
            .field("sender", &self.sender())
            .field("destination", &self.destination())
            .field("path", &self.path())
            .field("interface", &self.interface())
            .field("member", &self.member())
            .field("signature", &self.signature())
            .finish()
    }
}
