//! What a handler knows about the call it serves.

use std::ffi::{c_char, CStr};
use std::fmt;
use std::mem::ManuallyDrop;

use libsystemd_sys as sys;

use crate::bus::Bus;
use crate::creds::Credentials;
use crate::error::Result;
use crate::message::Message;

/// A method call being served: given to method handlers.
///
/// It borrows the call message and the bus for the duration of the
/// handler. Arguments are best taken by the handler's argument tuple; the
/// [`message`](Request::message) is there for anything else (headers, or
/// reading a body by hand, file descriptors included: an `OwnedFd` read
/// from it is a duplicate the handler owns).
///
/// ```
/// use sdbus::server::{Interface, Request};
/// use sdbus::BusError;
///
/// let whoami = Interface::new("com.example.WhoAmI").method(
///     "WhoAmI",
///     |request: &Request<'_>, (): ()| -> Result<(String, u32), BusError> {
///         let uid = request.credentials()?.euid().unwrap_or(u32::MAX);
///         Ok((request.sender().unwrap_or_default().to_owned(), uid))
///     },
/// );
/// # let _ = whoami;
/// ```
pub struct Request<'a> {
    // Both are borrowed from sd-bus for the duration of the handler: no
    // reference is taken, and none must be released.
    message: ManuallyDrop<Message<'a>>,
    bus: ManuallyDrop<Bus>,
}

impl<'a> Request<'a> {
    /// Borrows the call `m` and its bus.
    ///
    /// # Safety
    /// `m` must be a valid message that sd-bus keeps alive (with its bus)
    /// for `'a`, on the current thread: the message a vtable method handler
    /// was called with, for the duration of that call.
    pub(super) unsafe fn from_raw(m: *mut sys::sd_bus_message) -> Option<Request<'a>> {
        // SAFETY: `m` is valid per the caller; its bus is returned without
        // a new reference and outlives it.
        let bus = unsafe { Bus::from_raw(sys::sd_bus_message_get_bus(m)) }?;
        // SAFETY: valid per the caller; `ManuallyDrop` keeps the reference
        // we do not own from being released.
        let message = unsafe { Message::from_raw(m) }?;
        Some(Request {
            message: ManuallyDrop::new(message),
            bus: ManuallyDrop::new(bus),
        })
    }

    /// The method call message.
    ///
    /// ```
    /// fn handler(request: &sdbus::server::Request<'_>) {
    ///     println!("body {:?}, expects a reply: {}", request.message().signature(), request.message().expects_reply());
    /// }
    /// ```
    pub fn message(&self) -> &Message<'a> {
        &self.message
    }

    /// The connection the call came on, to make calls, emit signals or
    /// serve more objects from the handler.
    ///
    /// ```
    /// fn handler(request: &sdbus::server::Request<'_>) -> sdbus::Result<()> {
    ///     request.bus().emit_signal(request.path(), "com.example.Calculator", "Cleared", &())
    /// }
    /// ```
    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    /// The caller's unique name (absent on peer-to-peer connections).
    ///
    /// ```
    /// fn handler(request: &sdbus::server::Request<'_>) {
    ///     println!("called by {}", request.sender().unwrap_or("the peer"));
    /// }
    /// ```
    pub fn sender(&self) -> Option<&str> {
        self.message.sender()
    }

    /// The object path called: for a fallback, the actual object's path.
    ///
    /// ```
    /// fn handler<'r>(request: &'r sdbus::server::Request<'_>) -> Option<&'r str> {
    ///     // `/com/example/items/3` → `3`
    ///     request.path().rsplit('/').next()
    /// }
    /// ```
    pub fn path(&self) -> &str {
        // Method calls always carry a path.
        self.message.path().unwrap_or("/")
    }

    /// The interface called; D-Bus lets callers leave it out.
    ///
    /// ```
    /// fn handler(request: &sdbus::server::Request<'_>) {
    ///     println!("{}.{}", request.interface().unwrap_or("(any interface)"), request.member());
    /// }
    /// ```
    pub fn interface(&self) -> Option<&str> {
        self.message.interface()
    }

    /// The method called.
    ///
    /// ```
    /// fn handler(request: &sdbus::server::Request<'_>) -> bool {
    ///     request.member() == "Add"
    /// }
    /// ```
    pub fn member(&self) -> &str {
        // Method calls always carry a member.
        self.message.member().unwrap_or_default()
    }

    /// The caller's credentials (see [`Message::query_sender_creds`]).
    ///
    /// ```
    /// use sdbus::BusError;
    ///
    /// fn only_root(request: &sdbus::server::Request<'_>) -> Result<(), BusError> {
    ///     if request.credentials()?.euid() != Some(0) {
    ///         return Err(BusError::new("org.freedesktop.DBus.Error.AccessDenied", "root only"));
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn credentials(&self) -> Result<Credentials> {
        self.message.query_sender_creds()
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("message", &*self.message)
            .finish_non_exhaustive()
    }
}

/// The property being read or written: given to property getters and
/// setters.
///
/// Getters also run without any call, when sd-bus builds
/// `PropertiesChanged`, `InterfacesAdded` or `GetManagedObjects` contents,
/// so there is no request message here.
///
/// ```
/// use sdbus::server::{Interface, PropertyContext};
///
/// // One interface served at many paths (a fallback): the getter learns which.
/// let item = Interface::new("com.example.Item")
///     .property_ro("Name", |context: &PropertyContext<'_>| {
///         Ok(context.path().rsplit('/').next().unwrap_or_default().to_owned())
///     });
/// # let _ = item;
/// ```
pub struct PropertyContext<'a> {
    bus: ManuallyDrop<Bus>,
    path: &'a str,
    interface: &'a str,
    property: &'a str,
}

impl<'a> PropertyContext<'a> {
    /// Borrows what sd-bus passes to property callbacks.
    ///
    /// # Safety
    /// `bus` must be a valid bus and the strings valid NUL-terminated
    /// strings, all kept alive by sd-bus for `'a` on the current thread.
    pub(super) unsafe fn from_raw(
        bus: *mut sys::sd_bus,
        path: *const c_char,
        interface: *const c_char,
        property: *const c_char,
    ) -> Option<PropertyContext<'a>> {
        // SAFETY: per the caller; no reference is taken and `ManuallyDrop`
        // keeps it from being released.
        let bus = unsafe { Bus::from_raw(bus) }?;
        // SAFETY: per the caller.
        let (path, interface, property) =
            unsafe { (str_of(path), str_of(interface), str_of(property)) };
        Some(PropertyContext {
            bus: ManuallyDrop::new(bus),
            path,
            interface,
            property,
        })
    }

    /// The connection, to emit signals or make calls.
    ///
    /// ```
    /// fn getter(context: &sdbus::server::PropertyContext<'_>) -> sdbus::Result<bool> {
    ///     Ok(context.bus().is_open())
    /// }
    /// ```
    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    /// The object's path: for a fallback, the actual object's path.
    ///
    /// ```
    /// fn getter(context: &sdbus::server::PropertyContext<'_>) -> String {
    ///     context.path().rsplit('/').next().unwrap_or_default().to_owned()
    /// }
    /// ```
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The property's interface.
    ///
    /// ```
    /// fn getter(context: &sdbus::server::PropertyContext<'_>) -> String {
    ///     format!("{}.{}", context.interface(), context.property())
    /// }
    /// ```
    pub fn interface(&self) -> &'a str {
        self.interface
    }

    /// The property's name, for getters shared by several properties.
    ///
    /// ```
    /// use sdbus::server::{Interface, PropertyContext};
    ///
    /// fn length(context: &PropertyContext<'_>) -> Result<u32, sdbus::BusError> {
    ///     Ok(context.property().len() as u32)
    /// }
    /// let iface = Interface::new("com.example.Lengths").property_ro("Short", length).property_ro("Longer", length);
    /// # let _ = iface;
    /// ```
    pub fn property(&self) -> &'a str {
        self.property
    }
}

impl fmt::Debug for PropertyContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PropertyContext")
            .field("path", &self.path)
            .field("interface", &self.interface)
            .field("property", &self.property)
            .finish_non_exhaustive()
    }
}

/// Borrows a name or path sd-bus passes to a callback.
///
/// # Safety
/// `s` must be NULL or a NUL-terminated string valid for `'a`.
pub(super) unsafe fn str_of<'a>(s: *const c_char) -> &'a str {
    if s.is_null() {
        return "";
    }
    // SAFETY: per the caller. sd-bus validated these as names and paths,
    // which are ASCII.
    unsafe { CStr::from_ptr(s) }.to_str().unwrap_or_default()
}
