//! Connections to a bus or a peer.
//!
//! A [`Bus`] owns one reference to an `sd_bus`. It is [`Send`] but not
//! [`Sync`]: sd-bus objects may move between threads but must never be used
//! from two at once. For the same reason `Bus` is not `Clone` (two clones on
//! two threads would share one `sd_bus`); share it by reference within a
//! thread. Messages and slots borrow the bus they belong to, which keeps the
//! bus on their thread for as long as they live.
//!
//! ```compile_fail
//! // `&Bus` cannot cross threads: `Bus` is not `Sync`.
//! fn share(bus: &sdbus::Bus) {
//!     std::thread::scope(|s| {
//!         s.spawn(|| bus.unique_name());
//!     });
//! }
//! ```
//!
//! ```
//! // A `Bus` itself can move to another thread.
//! fn assert_send<T: Send>() {}
//! assert_send::<sdbus::Bus>();
//! ```

use std::cell::Cell;
use std::ffi::{c_char, c_int, CStr, CString};
use std::marker::PhantomData;
use std::os::fd::{BorrowedFd, IntoRawFd, OwnedFd};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::time::Duration;

use libsystemd_sys as sys;

use crate::callback;
use crate::cstr::{CStrBuf, CStrSlot, NameSlot};
use crate::error::{check, BusError, Error, InvalidKind, Result};
use crate::message::Message;
use crate::names::{BusName, InterfaceName, MemberName, ObjectPath};
use crate::types::AppendArgs;

/// An owned connection to a D-Bus bus or peer.
pub struct Bus {
    raw: NonNull<sys::sd_bus>,
    // `Cell` makes `Bus` `!Sync`; `Send` is implemented by hand below.
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: an `sd_bus` may be used from any thread as long as only one thread
// uses it at a time. `Bus` is `!Sync` and not `Clone`, and every object that
// shares its C state (messages, slots) borrows it, so whoever owns the `Bus`
// is its only user; callbacks stored in it are required to be `Send`.
unsafe impl Send for Bus {}

/// Which manager a direct (bus-daemon-less) connection goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerScope {
    /// The system manager, at `/run/systemd/private`.
    System,
    /// The calling user's manager, at `$XDG_RUNTIME_DIR/systemd/private`.
    User,
}

impl Bus {
    /// Connects to the system bus (`$DBUS_SYSTEM_BUS_ADDRESS` or the
    /// standard socket).
    pub fn open_system() -> Result<Bus> {
        Self::open_with("sd_bus_open_system", |out| {
            // SAFETY: `out` is a valid out pointer.
            unsafe { sys::sd_bus_open_system(out) }
        })
    }

    /// Connects to the calling user's session bus
    /// (`$DBUS_SESSION_BUS_ADDRESS` or `$XDG_RUNTIME_DIR/bus`).
    pub fn open_user() -> Result<Bus> {
        Self::open_with("sd_bus_open_user", |out| {
            // SAFETY: `out` is a valid out pointer.
            unsafe { sys::sd_bus_open_user(out) }
        })
    }

    /// Connects to the system bus of a local container (as
    /// `systemctl --machine`).
    pub fn open_system_machine(machine: &str) -> Result<Bus> {
        let machine = CStrBuf::new(machine, InvalidKind::Argument)?;
        Self::open_with("sd_bus_open_system_machine", |out| {
            // SAFETY: valid out pointer and NUL-terminated machine name.
            unsafe { sys::sd_bus_open_system_machine(out, machine.as_ptr()) }
        })
    }

    /// Connects to the system bus of a remote host over ssh (as
    /// `systemctl --host`, `[user@]host[:port]`).
    pub fn open_system_remote(host: &str) -> Result<Bus> {
        let host = CStrBuf::new(host, InvalidKind::Argument)?;
        Self::open_with("sd_bus_open_system_remote", |out| {
            // SAFETY: valid out pointer and NUL-terminated host.
            unsafe { sys::sd_bus_open_system_remote(out, host.as_ptr()) }
        })
    }

    /// Connects to a bus daemon at a D-Bus address such as
    /// `unix:path=/run/dbus/system_bus_socket` and says `Hello`.
    pub fn open_address(address: &str) -> Result<Bus> {
        BusBuilder::new().address(address)?.bus_client(true).start()
    }

    /// Connects directly to a systemd manager's private socket, skipping the
    /// bus daemon: lower latency, and works before the bus is up. Only the
    /// manager's own objects are reachable on it.
    pub fn open_manager_direct(scope: ManagerScope) -> Result<Bus> {
        let path = match scope {
            ManagerScope::System => "/run/systemd/private".into(),
            ManagerScope::User => {
                let runtime = std::env::var_os("XDG_RUNTIME_DIR").ok_or_else(|| {
                    Error::invalid(InvalidKind::Address, "$XDG_RUNTIME_DIR", "is not set")
                })?;
                Path::new(&runtime).join("systemd/private")
            }
        };
        let path = path.to_str().ok_or_else(|| {
            Error::invalid(InvalidKind::Address, path.to_string_lossy(), "is not UTF-8")
        })?;
        BusBuilder::new()
            .address(&format!("unix:path={}", escape_address_value(path)))?
            .start()
    }

    /// A builder for peer-to-peer connections, servers and other settings.
    pub fn builder() -> BusBuilder {
        BusBuilder::new()
    }

    fn open_with(
        operation: &'static str,
        open: impl FnOnce(*mut *mut sys::sd_bus) -> c_int,
    ) -> Result<Bus> {
        let mut raw = ptr::null_mut();
        check(operation, open(&mut raw))?;
        // SAFETY: on success the open functions hand over one reference.
        unsafe { Bus::from_raw(raw) }.ok_or_else(|| Error::no_object(operation))
    }

    /// Takes ownership of one reference to `raw`.
    ///
    /// # Safety
    /// `raw` must be a valid `sd_bus` whose reference the caller hands over,
    /// and nobody else may use it from another thread while this `Bus` lives.
    pub unsafe fn from_raw(raw: *mut sys::sd_bus) -> Option<Bus> {
        NonNull::new(raw).map(|raw| Bus {
            raw,
            _not_sync: PhantomData,
        })
    }

    /// Takes a new reference to `raw`, which the caller keeps owning too
    /// (for C code that shares its connection).
    ///
    /// # Safety
    /// As for [`Bus::from_raw`]; in addition, C code and this `Bus` must
    /// take turns on the same thread.
    pub unsafe fn from_raw_borrowed(raw: *mut sys::sd_bus) -> Option<Bus> {
        let raw = NonNull::new(raw)?;
        // SAFETY: `raw` is valid per the caller; the new reference is ours.
        unsafe { sys::sd_bus_ref(raw.as_ptr()) };
        Some(Bus {
            raw,
            _not_sync: PhantomData,
        })
    }

    /// The underlying pointer, still owned by `self`.
    pub fn as_ptr(&self) -> *mut sys::sd_bus {
        self.raw.as_ptr()
    }

    /// Gives up ownership without flushing; the caller must unref it.
    pub fn into_raw(self) -> *mut sys::sd_bus {
        let raw = self.raw.as_ptr();
        std::mem::forget(self);
        raw
    }

    /// Whether the connection is open (or still being set up).
    pub fn is_open(&self) -> bool {
        // SAFETY: valid bus.
        unsafe { sys::sd_bus_is_open(self.as_ptr()) > 0 }
    }

    /// This connection's unique name, such as `:1.42`.
    pub fn unique_name(&self) -> Result<&str> {
        let mut name = ptr::null();
        // SAFETY: valid bus and out pointer; the name lives as long as the bus.
        check("sd_bus_get_unique_name", unsafe {
            sys::sd_bus_get_unique_name(self.as_ptr(), &mut name)
        })?;
        // SAFETY: on success `name` is a NUL-terminated string owned by the bus.
        Ok(unsafe { CStr::from_ptr(name) }.to_str().unwrap_or_default())
    }

    /// The bus's 128-bit id.
    pub fn bus_id(&self) -> Result<[u8; 16]> {
        let mut id = sys::sd_id128_t { bytes: [0; 16] };
        // SAFETY: valid bus and out pointer.
        check("sd_bus_get_bus_id", unsafe {
            sys::sd_bus_get_bus_id(self.as_ptr(), &mut id)
        })?;
        // SAFETY: every bit pattern of the union is a valid byte array.
        Ok(unsafe { id.bytes })
    }

    /// The bus's 128-bit id as 32 lowercase hex digits, as `busctl status`
    /// prints it.
    pub fn bus_id_hex(&self) -> Result<String> {
        Ok(self.bus_id()?.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Whether this connection talks to a bus daemon (as opposed to a peer,
    /// such as a manager's private socket).
    pub fn is_bus_client(&self) -> bool {
        // SAFETY: valid bus; this only reads a flag.
        unsafe { sys::sd_bus_is_bus_client(self.as_ptr()) > 0 }
    }

    /// Whether method calls may ask the peer for interactive (polkit)
    /// authorization.
    pub fn set_allow_interactive_authorization(&self, allow: bool) -> Result<()> {
        // SAFETY: valid bus.
        check("sd_bus_set_allow_interactive_authorization", unsafe {
            sys::sd_bus_set_allow_interactive_authorization(self.as_ptr(), c_int::from(allow))
        })?;
        Ok(())
    }

    /// Sets the default timeout of method calls made without one.
    pub fn set_method_call_timeout(&self, timeout: Duration) -> Result<()> {
        // SAFETY: valid bus.
        check("sd_bus_set_method_call_timeout", unsafe {
            sys::sd_bus_set_method_call_timeout(self.as_ptr(), duration_usec(Some(timeout)))
        })?;
        Ok(())
    }

    /// A new method call to `destination` (`None` on peer-to-peer
    /// connections). Every name is checked before it reaches sd-bus.
    #[inline]
    pub fn new_method_call<'a>(
        &self,
        destination: impl Into<Option<&'a str>>,
        path: &str,
        interface: &str,
        member: &str,
    ) -> Result<Message<'_>> {
        // Each name is checked, then copied NUL-terminated into a slot of
        // this frame: no allocation, no zero-fill, nothing moved.
        let mut destination_slot = NameSlot::new();
        let destination = match destination.into() {
            Some(name) => {
                BusName::validate(name)?;
                destination_slot.fill(name)
            }
            None => ptr::null(),
        };
        ObjectPath::validate(path)?;
        InterfaceName::validate(interface)?;
        MemberName::validate(member)?;
        let (mut path_slot, mut interface_slot, mut member_slot) =
            (CStrSlot::new(), NameSlot::new(), NameSlot::new());
        // SAFETY: `destination` is NULL or filled above, and every other
        // pointer is a NUL-terminated copy in a slot that outlives the call.
        unsafe {
            self.new_method_call_raw(
                destination,
                path_slot.fill(path),
                interface_slot.fill(interface),
                member_slot.fill(member),
            )
        }
    }

    /// [`Bus::new_method_call`] of a standard interface's method, whose
    /// names are constants of this crate (each tested to be valid where it
    /// is defined; sd-bus would refuse an invalid one anyway, with `EINVAL`):
    /// only the destination and the path need checking and copying.
    #[inline]
    pub(crate) fn new_standard_method_call(
        &self,
        destination: &str,
        path: &str,
        interface: &'static CStr,
        member: &'static CStr,
    ) -> Result<Message<'_>> {
        BusName::validate(destination)?;
        ObjectPath::validate(path)?;
        let (mut destination_slot, mut path_slot) = (NameSlot::new(), CStrSlot::new());
        // SAFETY: every pointer is a NUL-terminated string that outlives the
        // call: two slots of this frame and two static constants.
        unsafe {
            self.new_method_call_raw(
                destination_slot.fill(destination),
                path_slot.fill(path),
                interface.as_ptr(),
                member.as_ptr(),
            )
        }
    }

    /// `sd_bus_message_new_method_call`.
    ///
    /// # Safety
    /// `destination` is NULL or a NUL-terminated string, and so is each of
    /// the other pointers; all stay valid for the duration of the call.
    #[inline]
    unsafe fn new_method_call_raw(
        &self,
        destination: *const c_char,
        path: *const c_char,
        interface: *const c_char,
        member: *const c_char,
    ) -> Result<Message<'_>> {
        let mut raw = ptr::null_mut();
        // SAFETY: valid bus and out pointer; the strings are as the caller
        // guarantees.
        check("sd_bus_message_new_method_call", unsafe {
            sys::sd_bus_message_new_method_call(
                self.as_ptr(),
                &mut raw,
                destination,
                path,
                interface,
                member,
            )
        })?;
        // SAFETY: the new message's reference is handed to us and belongs to
        // this bus.
        unsafe { Message::from_raw(raw) }
            .ok_or_else(|| Error::no_object("sd_bus_message_new_method_call"))
    }

    /// A new signal `interface.member` emitted from `path`.
    pub fn new_signal(&self, path: &str, interface: &str, member: &str) -> Result<Message<'_>> {
        ObjectPath::validate(path)?;
        InterfaceName::validate(interface)?;
        MemberName::validate(member)?;
        let (mut path_slot, mut interface_slot, mut member_slot) =
            (CStrSlot::new(), NameSlot::new(), NameSlot::new());
        let mut raw = ptr::null_mut();
        // SAFETY: valid bus and out pointer; the strings are NUL-terminated
        // copies in slots of this frame, which outlive the call.
        check("sd_bus_message_new_signal", unsafe {
            sys::sd_bus_message_new_signal(
                self.as_ptr(),
                &mut raw,
                path_slot.fill(path),
                interface_slot.fill(interface),
                member_slot.fill(member),
            )
        })?;
        // SAFETY: the new message's reference is handed to us.
        unsafe { Message::from_raw(raw) }
            .ok_or_else(|| Error::no_object("sd_bus_message_new_signal"))
    }

    /// Sends a method call and waits for its reply, at most `timeout`
    /// (`None`: the bus's default, 25 s unless changed). An error reply
    /// becomes [`Error::Bus`].
    pub fn call(&self, call: &Message<'_>, timeout: Option<Duration>) -> Result<Message<'_>> {
        let mut error = sys::sd_bus_error {
            name: ptr::null(),
            message: ptr::null(),
            _need_free: 0,
        };
        let mut reply = ptr::null_mut();
        // SAFETY: valid bus, message and out pointers; `error` is unset.
        let ret = unsafe {
            sys::sd_bus_call(
                self.as_ptr(),
                call.as_ptr(),
                duration_usec(timeout),
                &mut error,
                &mut reply,
            )
        };
        callback::resume_panic();
        if ret < 0 {
            // SAFETY: `error` was initialised above and possibly set by sd-bus.
            let bus_error = unsafe { BusError::take_from(&mut error, ret) };
            return Err(match bus_error {
                // sd-bus reports its own local failures (such as use after
                // fork) as generic D-Bus errors too: keep the errno for those.
                Some(e) if ret != -libc::ECHILD => Error::Bus(e),
                _ => Error::from_negative_errno("sd_bus_call", ret),
            });
        }
        // SAFETY: on success the reply's reference is handed to us.
        unsafe { Message::from_raw(reply) }.ok_or_else(|| Error::no_object("sd_bus_call"))
    }

    /// Calls `interface.member` on `path` at `destination` with `args` (a
    /// tuple of arguments, `()` for none) and returns the reply.
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// let bus = sdbus::Bus::open_system()?;
    /// let reply = bus.call_method(
    ///     "org.freedesktop.systemd1",
    ///     "/org/freedesktop/systemd1",
    ///     "org.freedesktop.systemd1.Manager",
    ///     "GetUnit",
    ///     &("dbus.service",),
    /// )?;
    /// let unit: sdbus::names::ObjectPath = reply.read()?;
    /// # Ok(()) }
    /// ```
    pub fn call_method<A: AppendArgs + ?Sized>(
        &self,
        destination: &str,
        path: &str,
        interface: &str,
        member: &str,
        args: &A,
    ) -> Result<Message<'_>> {
        let mut call = self.new_method_call(destination, path, interface, member)?;
        call.append_args(args)?;
        self.call(&call, None)
    }

    /// Sends a message without waiting for a reply; returns its cookie.
    pub fn send(&self, message: &Message<'_>) -> Result<u64> {
        let mut cookie = 0u64;
        // SAFETY: valid bus, message and out pointer.
        check("sd_bus_send", unsafe {
            sys::sd_bus_send(self.as_ptr(), message.as_ptr(), &mut cookie)
        })?;
        Ok(cookie)
    }

    /// Processes pending input and output once. Returns `true` if something
    /// was done (call again before waiting), `false` if there was nothing.
    pub fn process(&self) -> Result<bool> {
        // SAFETY: valid bus; we do not want unhandled messages back.
        let ret = unsafe { sys::sd_bus_process(self.as_ptr(), ptr::null_mut()) };
        callback::resume_panic();
        Ok(check("sd_bus_process", ret)? > 0)
    }

    /// Waits until the bus has something to process, at most `timeout`
    /// (`None`: no limit). Returns `false` on timeout.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        // sd-bus waits forever for `u64::MAX` and not at all for 0 (unlike
        // method calls, where 0 means the default timeout).
        let usec = timeout.map_or(u64::MAX, |t| duration_usec(Some(t)));
        // SAFETY: valid bus.
        let ret = unsafe { sys::sd_bus_wait(self.as_ptr(), usec) };
        Ok(check("sd_bus_wait", ret)? > 0)
    }

    /// Writes out every queued outgoing message.
    pub fn flush(&self) -> Result<()> {
        // SAFETY: valid bus.
        check("sd_bus_flush", unsafe { sys::sd_bus_flush(self.as_ptr()) })?;
        Ok(())
    }

    /// The file descriptor to poll for an external event loop.
    pub fn fd(&self) -> Result<BorrowedFd<'_>> {
        // SAFETY: valid bus.
        let fd = check("sd_bus_get_fd", unsafe {
            sys::sd_bus_get_fd(self.as_ptr())
        })?;
        // SAFETY: the fd stays open as long as the bus, which `'_` borrows.
        Ok(unsafe { BorrowedFd::borrow_raw(fd) })
    }

    /// The `poll()` events to wait for on [`Bus::fd`].
    pub fn events(&self) -> Result<i16> {
        // SAFETY: valid bus.
        let events = check("sd_bus_get_events", unsafe {
            sys::sd_bus_get_events(self.as_ptr())
        })?;
        Ok(events as i16)
    }

    /// When the bus next needs [`Bus::process`] even without I/O, as an
    /// absolute `CLOCK_MONOTONIC` time in microseconds; `None` for never.
    pub fn timeout_usec(&self) -> Result<Option<u64>> {
        let mut usec = 0u64;
        // SAFETY: valid bus and out pointer.
        check("sd_bus_get_timeout", unsafe {
            sys::sd_bus_get_timeout(self.as_ptr(), &mut usec)
        })?;
        Ok((usec != u64::MAX).then_some(usec))
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        // SAFETY: we own one reference; flush_close_unref releases it (and
        // only flushes and closes if it was the last one).
        unsafe { sys::sd_bus_flush_close_unref(self.as_ptr()) };
    }
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus")
            .field("unique_name", &self.unique_name().ok())
            .field("open", &self.is_open())
            .finish()
    }
}

/// Settings for a new connection, for the cases the `Bus::open_*`
/// functions do not cover: peer-to-peer connections over an address or a
/// socket, the server side of one, anonymous authentication.
///
/// ```no_run
/// # fn demo() -> sdbus::Result<()> {
/// use std::os::unix::net::UnixStream;
/// let (a, b) = UnixStream::pair().unwrap();
/// let server = sdbus::bus::BusBuilder::new().fd(a.into()).server([7; 16]).anonymous(true).start()?;
/// let client = sdbus::bus::BusBuilder::new().fd(b.into()).anonymous(true).start()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Default)]
pub struct BusBuilder {
    address: Option<CString>,
    fd: Option<OwnedFd>,
    bus_client: bool,
    server_id: Option<[u8; 16]>,
    anonymous: bool,
    trusted: bool,
    description: Option<CString>,
    accept_fds: Option<bool>,
    monitor: bool,
}

impl BusBuilder {
    /// A builder with sd-bus's defaults: a peer-to-peer client.
    pub fn new() -> Self {
        Self::default()
    }

    /// Connects to this D-Bus address.
    pub fn address(mut self, address: &str) -> Result<Self> {
        if address.is_empty() {
            return Err(Error::invalid(InvalidKind::Address, address, "is empty"));
        }
        self.address =
            Some(CString::new(address).map_err(|_| {
                Error::invalid(InvalidKind::Address, address, "contains a NUL byte")
            })?);
        Ok(self)
    }

    /// Talks over this already connected socket.
    pub fn fd(mut self, fd: OwnedFd) -> Self {
        self.fd = Some(fd);
        self
    }

    /// Whether the peer is a bus daemon (sends `Hello` and gets a unique name).
    pub fn bus_client(mut self, bus_client: bool) -> Self {
        self.bus_client = bus_client;
        self
    }

    /// Acts as the server side of a peer-to-peer connection, with this
    /// server id.
    pub fn server(mut self, id: [u8; 16]) -> Self {
        self.server_id = Some(id);
        self
    }

    /// Uses (or, as a server, accepts) anonymous authentication.
    pub fn anonymous(mut self, anonymous: bool) -> Self {
        self.anonymous = anonymous;
        self
    }

    /// Treats the peer as trusted: sd-bus skips its access checks.
    pub fn trusted(mut self, trusted: bool) -> Self {
        self.trusted = trusted;
        self
    }

    /// A description for debugging output.
    pub fn description(mut self, description: &str) -> Result<Self> {
        self.description = Some(CString::new(description).map_err(|_| {
            Error::invalid(InvalidKind::String, description, "contains a NUL byte")
        })?);
        Ok(self)
    }

    /// Whether to negotiate passing file descriptors (default: yes).
    pub fn accept_fds(mut self, accept: bool) -> Self {
        self.accept_fds = Some(accept);
        self
    }

    /// Puts sd-bus in monitor mode, for a connection that turns itself into
    /// a bus monitor with `org.freedesktop.DBus.Monitoring.BecomeMonitor`:
    /// sd-bus then accepts messages addressed to others and runs no
    /// built-in `Peer` methods or objects. [`Monitor`](crate::monitor::Monitor)
    /// does all of this.
    pub fn monitor(mut self, monitor: bool) -> Self {
        self.monitor = monitor;
        self
    }

    /// Creates the connection and starts it.
    pub fn start(self) -> Result<Bus> {
        if self.address.is_none() && self.fd.is_none() {
            return Err(Error::invalid(
                InvalidKind::Address,
                "",
                "neither an address nor a socket was given",
            ));
        }
        let bus = Bus::open_with("sd_bus_new", |out| {
            // SAFETY: valid out pointer.
            unsafe { sys::sd_bus_new(out) }
        })?;
        let raw = bus.as_ptr();
        if let Some(address) = &self.address {
            // SAFETY: valid bus and NUL-terminated address.
            check("sd_bus_set_address", unsafe {
                sys::sd_bus_set_address(raw, address.as_ptr())
            })?;
        }
        if let Some(fd) = self.fd {
            let fd = fd.into_raw_fd();
            // SAFETY: valid bus; sd-bus takes ownership of `fd` on success.
            let ret = unsafe { sys::sd_bus_set_fd(raw, fd, fd) };
            if ret < 0 {
                // SAFETY: sd-bus did not take it, so it is still ours.
                let fd = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
                drop(fd);
                check("sd_bus_set_fd", ret)?;
            }
        }
        // SAFETY: valid bus, not yet started (as for every setter below).
        check("sd_bus_set_bus_client", unsafe {
            sys::sd_bus_set_bus_client(raw, c_int::from(self.bus_client))
        })?;
        if let Some(id) = self.server_id {
            let id = sys::sd_id128_t { bytes: id };
            // SAFETY: see above.
            check("sd_bus_set_server", unsafe {
                sys::sd_bus_set_server(raw, 1, id)
            })?;
        }
        // SAFETY: see above.
        check("sd_bus_set_anonymous", unsafe {
            sys::sd_bus_set_anonymous(raw, c_int::from(self.anonymous))
        })?;
        // SAFETY: see above.
        check("sd_bus_set_trusted", unsafe {
            sys::sd_bus_set_trusted(raw, c_int::from(self.trusted))
        })?;
        if let Some(description) = &self.description {
            // SAFETY: see above; NUL-terminated description.
            check("sd_bus_set_description", unsafe {
                sys::sd_bus_set_description(raw, description.as_ptr())
            })?;
        }
        // SAFETY: see above.
        check("sd_bus_set_monitor", unsafe {
            sys::sd_bus_set_monitor(raw, c_int::from(self.monitor))
        })?;
        if let Some(accept) = self.accept_fds {
            // SAFETY: see above.
            check("sd_bus_negotiate_fds", unsafe {
                sys::sd_bus_negotiate_fds(raw, c_int::from(accept))
            })?;
        }
        // SAFETY: see above.
        check("sd_bus_start", unsafe { sys::sd_bus_start(raw) })?;
        Ok(bus)
    }
}

/// Converts a timeout for sd-bus, where 0 means "the default".
pub(crate) fn duration_usec(timeout: Option<Duration>) -> u64 {
    match timeout {
        None => 0,
        // A zero timeout would mean "default": the shortest real one is 1 µs.
        Some(d) => u64::try_from(d.as_micros()).unwrap_or(u64::MAX - 1).max(1),
    }
}

/// Escapes a value for a D-Bus address (`key=value` pairs).
pub(crate) fn escape_address_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_/\\.*".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}
