//! The C side of served interfaces: the `sd_bus_vtable` array, the state
//! its callbacks reach, one trampoline per kind of callback, and the
//! registration with `sd_bus_add_object_vtable`/`sd_bus_add_fallback_vtable`.
//!
//! # How a callback finds its handler
//! sd-bus calls each method, getter and setter of a vtable with
//! `userdata + offset`, where `userdata` is the registration's and `offset`
//! the vtable entry's own field (C code points it at a member of a struct).
//! Here `userdata` is the start of an array of [`Entry`] values, and the
//! `offset` of each method and property is its index in that array times
//! the size of an entry: the trampoline gets a pointer straight to its
//! handler. There is no second lookup by member name (sd-bus has already
//! found the member in its own hash table) and one trampoline serves every
//! member of every interface. Entry 0 is the [`Header`]: the fallback
//! lookup and the destroy callback get `userdata` itself, and find there
//! the lookup closure and everything there is to free.
//!
//! The vtable and its strings live in the header, so they last exactly as
//! long as the registration: sd-bus frees the array through the slot's
//! destroy callback when the slot goes (or its bus, for a detached slot).

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CString};
use std::mem::{size_of, ManuallyDrop};
use std::ptr;
use std::sync::Arc;

use libsystemd_sys as sys;

use super::interface::{Getter, Interface, MemberFlags, MemberKind, MethodHandler, Setter};
use super::panic::{HandlerKind, Site};
use super::request::{str_of, PropertyContext, Request};
use crate::bus::Bus;
use crate::callback;
use crate::cstr::CStrBuf;
use crate::error::{BusError, Error, InvalidKind, Result};
use crate::message::Message;
use crate::names::{ErrorName, ObjectPath};
use crate::slot::Slot;

/// Whether an object exists at a path below a fallback's prefix.
type Lookup = Box<dyn FnMut(&str) -> bool + Send>;

/// What sd-bus reaches through `userdata + offset`.
enum Entry {
    Header(Header),
    Method(MethodEntry),
    Property(PropertyEntry),
}

/// Entry 0: what belongs to the registration as a whole.
struct Header {
    /// How many entries the array holds, to free it.
    len: usize,
    interface: Arc<str>,
    /// The NUL-terminated strings `vtable` points into (names,
    /// signatures, argument names). Never changed after the vtable is built,
    /// so its buffer never moves.
    strings: Vec<u8>,
    /// Where the interface name starts in `strings`.
    interface_at: usize,
    /// The vtable given to sd-bus.
    vtable: Vec<sys::sd_bus_vtable>,
    /// For fallbacks: which objects exist.
    lookup: Option<RefCell<Lookup>>,
}

struct MethodEntry {
    interface: Arc<str>,
    member: Box<str>,
    handler: RefCell<MethodHandler>,
}

struct PropertyEntry {
    getter: RefCell<Getter>,
    setter: Option<RefCell<Setter>>,
    /// Whether a successful `Set` emits `PropertiesChanged`.
    announces: bool,
}

/// A vtable row before the string buffer is complete: offsets into it.
enum Row {
    Method {
        member: usize,
        input: usize,
        output: usize,
        names: Option<usize>,
        entry: usize,
        flags: MemberFlags,
    },
    Property {
        member: usize,
        signature: usize,
        entry: usize,
        writable: bool,
        flags: MemberFlags,
    },
    Signal {
        member: usize,
        signature: usize,
        names: Option<usize>,
        flags: MemberFlags,
    },
}

/// Appends `s` and its NUL; returns where it starts. Only validated names
/// and signatures, which contain no NUL, are pushed.
fn push_str(strings: &mut Vec<u8>, s: &str) -> usize {
    let at = strings.len();
    strings.extend_from_slice(s.as_bytes());
    strings.push(0);
    at
}

/// Appends argument names as sd-bus expects them: each followed by a NUL,
/// then one more NUL. `None` for no names.
fn push_names(strings: &mut Vec<u8>, names: &[String]) -> Option<usize> {
    if names.is_empty() {
        return None;
    }
    let at = strings.len();
    for name in names {
        push_str(strings, name);
    }
    strings.push(0);
    Some(at)
}

fn row(kind: u32, flags: MemberFlags, x: sys::sd_bus_vtable__bindgen_ty_1) -> sys::sd_bus_vtable {
    sys::sd_bus_vtable {
        // The vtable types are ASCII letters.
        _bitfield_1: sys::sd_bus_vtable::new_bitfield_1(kind as u8, flags.bits()),
        x,
    }
}

/// Builds the entries of a checked interface, with the header's vtable.
fn build(interface: Interface, lookup: Option<Lookup>) -> Result<Vec<Entry>> {
    interface.check()?;
    let name: Arc<str> = Arc::from(interface.name.as_str());
    let mut strings = Vec::new();
    let interface_at = push_str(&mut strings, &name);
    // The entries after the header, which comes first once complete.
    let mut entries = Vec::with_capacity(interface.members.len());
    let mut rows = Vec::with_capacity(interface.members.len());
    for member in interface.members {
        let member_at = push_str(&mut strings, &member.name);
        let names = push_names(&mut strings, &member.arg_names);
        let flags = member.flags;
        match member.kind {
            MemberKind::Method {
                input,
                output,
                handler,
            } => {
                rows.push(Row::Method {
                    member: member_at,
                    input: push_str(&mut strings, &input),
                    output: push_str(&mut strings, &output),
                    names,
                    entry: entries.len() + 1,
                    flags,
                });
                entries.push(Entry::Method(MethodEntry {
                    interface: Arc::clone(&name),
                    member: member.name.into(),
                    handler: RefCell::new(handler),
                }));
            }
            MemberKind::Property {
                signature,
                getter,
                setter,
            } => {
                rows.push(Row::Property {
                    member: member_at,
                    signature: push_str(&mut strings, &signature),
                    entry: entries.len() + 1,
                    writable: setter.is_some(),
                    flags,
                });
                entries.push(Entry::Property(PropertyEntry {
                    getter: RefCell::new(getter),
                    announces: setter.is_some()
                        && flags.intersects(
                            MemberFlags::EMITS_CHANGE | MemberFlags::EMITS_INVALIDATION,
                        ),
                    setter: setter.map(RefCell::new),
                }));
            }
            MemberKind::Signal { signature } => rows.push(Row::Signal {
                member: member_at,
                signature: push_str(&mut strings, &signature),
                names,
                flags,
            }),
        }
    }

    // `strings` is complete: from here on its buffer does not move.
    let base = strings.as_ptr().cast::<c_char>();
    // SAFETY: every offset recorded above is inside `strings`.
    let at = |offset: usize| unsafe { base.add(offset) };
    let names_at = |names: Option<usize>| names.map_or(ptr::null(), at);
    let mut vtable = Vec::with_capacity(rows.len() + 2);
    let mut x = sys::sd_bus_vtable__bindgen_ty_1::default();
    x.start = sys::sd_bus_vtable__bindgen_ty_1__bindgen_ty_1 {
        element_size: size_of::<sys::sd_bus_vtable>(),
        features: u64::from(sys::_SD_BUS_VTABLE_PARAM_NAMES),
        vtable_format_reference: &raw const sys::sd_bus_object_vtable_format,
    };
    vtable.push(row(sys::_SD_BUS_VTABLE_START, interface.flags, x));
    for r in rows {
        let mut x = sys::sd_bus_vtable__bindgen_ty_1::default();
        let (kind, flags) = match r {
            Row::Method {
                member,
                input,
                output,
                names,
                entry,
                flags,
            } => {
                x.method = sys::sd_bus_vtable__bindgen_ty_1__bindgen_ty_3 {
                    member: at(member),
                    signature: at(input),
                    result: at(output),
                    handler: Some(method_trampoline),
                    offset: entry * size_of::<Entry>(),
                    names: names_at(names),
                };
                (sys::_SD_BUS_VTABLE_METHOD, flags)
            }
            Row::Property {
                member,
                signature,
                entry,
                writable,
                flags,
            } => {
                x.property = sys::sd_bus_vtable__bindgen_ty_1__bindgen_ty_5 {
                    member: at(member),
                    signature: at(signature),
                    get: Some(get_trampoline),
                    set: if writable { Some(set_trampoline) } else { None },
                    offset: entry * size_of::<Entry>(),
                };
                let kind = if writable {
                    sys::_SD_BUS_VTABLE_WRITABLE_PROPERTY
                } else {
                    sys::_SD_BUS_VTABLE_PROPERTY
                };
                (kind, flags)
            }
            Row::Signal {
                member,
                signature,
                names,
                flags,
            } => {
                x.signal = sys::sd_bus_vtable__bindgen_ty_1__bindgen_ty_4 {
                    member: at(member),
                    signature: at(signature),
                    names: names_at(names),
                };
                (sys::_SD_BUS_VTABLE_SIGNAL, flags)
            }
        };
        vtable.push(row(kind, flags, x));
    }
    vtable.push(row(
        sys::_SD_BUS_VTABLE_END,
        MemberFlags::empty(),
        sys::sd_bus_vtable__bindgen_ty_1::default(),
    ));
    let header = Entry::Header(Header {
        len: entries.len() + 1,
        interface: name,
        strings,
        interface_at,
        vtable,
        lookup: lookup.map(RefCell::new),
    });
    Ok(std::iter::once(header).chain(entries).collect())
}

/// Frees an entry array made by `Box::into_raw`.
///
/// # Safety
/// `base` must come from `Box::<[Entry]>::into_raw` and not be used after.
unsafe fn free_entries(base: *mut Entry) {
    // SAFETY: per the caller, `base` points at the header.
    let Entry::Header(header) = (unsafe { &*base }) else {
        return;
    };
    let len = header.len;
    // SAFETY: per the caller: the array of `len` entries made by `Box`.
    drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(base, len)) });
}

unsafe extern "C" fn destroy_trampoline(userdata: *mut c_void) {
    // Handlers' captured state runs foreign `Drop` code: a panic there is
    // parked and resumed, as for the crate's other callbacks.
    // SAFETY: sd-bus calls this once, with the registration's `userdata`,
    // which `serve` made from `Box::into_raw`.
    callback::catch((), || unsafe { free_entries(userdata.cast()) });
}

/// Answers a handler's error: sets `ret_error` (sd-bus sends it as the
/// error reply) and returns the negative errno for it.
///
/// # Safety
/// `ret_error` must be the unset error sd-bus passed to the callback.
pub(super) unsafe fn set_error(ret_error: *mut sys::sd_bus_error, error: &BusError) -> c_int {
    let (name, message) = if ErrorName::is_valid(error.name()) {
        (error.name(), error.message().replace('\0', "\u{fffd}"))
    } else {
        (
            super::FAILED,
            format!(
                "the handler failed with an invalid error name {:?}: {}",
                error.name(),
                error.message()
            )
            .replace('\0', "\u{fffd}"),
        )
    };
    // Neither has NUL bytes: valid error names are ASCII names, and the
    // message's were replaced.
    let name = CString::new(name).unwrap_or_default();
    let message = CString::new(message).unwrap_or_default();
    // SAFETY: per the caller; sd-bus copies both strings.
    let ret = unsafe { sys::sd_bus_error_set(ret_error, name.as_ptr(), message.as_ptr()) };
    if ret < 0 {
        ret
    } else {
        -libc::EIO
    }
}

unsafe extern "C" fn method_trampoline(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    ret_error: *mut sys::sd_bus_error,
) -> c_int {
    // SAFETY: sd-bus passes `userdata + offset`, a method entry (see the
    // module documentation), alive as long as the slot, to which sd-bus
    // holds a reference during the call.
    let Entry::Method(entry) = (unsafe { &*userdata.cast::<Entry>() }) else {
        return -libc::EINVAL;
    };
    // SAFETY: `m` is the call, alive for this callback on this thread.
    let Some(request) = (unsafe { Request::from_raw(m) }) else {
        return -libc::EINVAL;
    };
    let site = Site {
        kind: HandlerKind::Method,
        interface: &entry.interface,
        member: &entry.member,
        path: request.path(),
    };
    match site.run(&entry.handler, |handler| handler(&request)) {
        Ok(()) => 1,
        // SAFETY: the error sd-bus passed.
        Err(error) => unsafe { set_error(ret_error, &error) },
    }
}

unsafe extern "C" fn get_trampoline(
    bus: *mut sys::sd_bus,
    path: *const c_char,
    interface: *const c_char,
    property: *const c_char,
    reply: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    ret_error: *mut sys::sd_bus_error,
) -> c_int {
    // SAFETY: `userdata + offset`, a property entry, as for methods.
    let Entry::Property(entry) = (unsafe { &*userdata.cast::<Entry>() }) else {
        return -libc::EINVAL;
    };
    // SAFETY: sd-bus passes a valid bus, strings and message for the
    // duration of the callback; `ManuallyDrop` keeps the reply's reference,
    // which is not ours, from being released.
    let (Some(context), Some(reply)) = (unsafe {
        (
            PropertyContext::from_raw(bus, path, interface, property),
            Message::from_raw(reply),
        )
    }) else {
        return -libc::EINVAL;
    };
    let mut reply = ManuallyDrop::new(reply);
    let site = Site {
        kind: HandlerKind::PropertyGet,
        interface: context.interface(),
        member: context.property(),
        path: context.path(),
    };
    match site.run(&entry.getter, |getter| getter(&context, &mut reply)) {
        Ok(()) => 1,
        // SAFETY: the error sd-bus passed.
        Err(error) => unsafe { set_error(ret_error, &error) },
    }
}

unsafe extern "C" fn set_trampoline(
    bus: *mut sys::sd_bus,
    path: *const c_char,
    interface: *const c_char,
    property: *const c_char,
    value: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    ret_error: *mut sys::sd_bus_error,
) -> c_int {
    // SAFETY: `userdata + offset`, a property entry, as for methods.
    let Entry::Property(entry) = (unsafe { &*userdata.cast::<Entry>() }) else {
        return -libc::EINVAL;
    };
    let Some(setter) = &entry.setter else {
        return -libc::EINVAL;
    };
    // SAFETY: as in `get_trampoline`; `value` is the `Set` call, entered
    // into its variant.
    let (Some(context), Some(value)) = (unsafe {
        (
            PropertyContext::from_raw(bus, path, interface, property),
            Message::from_raw(value),
        )
    }) else {
        return -libc::EINVAL;
    };
    let value = ManuallyDrop::new(value);
    let site = Site {
        kind: HandlerKind::PropertySet,
        interface: context.interface(),
        member: context.property(),
        path: context.path(),
    };
    let mut result = site.run(setter, |setter| setter(&context, &value));
    if result.is_ok() && entry.announces {
        // The setter is done (and no longer borrowed): the getter may run.
        let mut names = [property.cast_mut(), ptr::null_mut()];
        // SAFETY: valid bus, path and interface from sd-bus, and a
        // NULL-terminated list of one property name.
        let ret = unsafe {
            sys::sd_bus_emit_properties_changed_strv(bus, path, interface, names.as_mut_ptr())
        };
        if ret < 0 {
            let error = Error::from_negative_errno("sd_bus_emit_properties_changed", ret);
            result = Err(BusError::new(
                super::FAILED,
                format!(
                    "{} was set, but PropertiesChanged failed: {error}",
                    context.property()
                ),
            ));
        }
    }
    match result {
        Ok(()) => 1,
        // SAFETY: the error sd-bus passed.
        Err(error) => unsafe { set_error(ret_error, &error) },
    }
}

unsafe extern "C" fn lookup_trampoline(
    _bus: *mut sys::sd_bus,
    path: *const c_char,
    _interface: *const c_char,
    userdata: *mut c_void,
    ret_found: *mut *mut c_void,
    ret_error: *mut sys::sd_bus_error,
) -> c_int {
    // SAFETY: the registration's `userdata`, without offset: the header.
    let Entry::Header(header) = (unsafe { &*userdata.cast::<Entry>() }) else {
        return -libc::EINVAL;
    };
    let Some(lookup) = &header.lookup else {
        return -libc::EINVAL;
    };
    // SAFETY: a valid path from sd-bus, for the duration of the callback.
    let path = unsafe { str_of(path) };
    let site = Site {
        kind: HandlerKind::Lookup,
        interface: &header.interface,
        member: "",
        path,
    };
    match site.run(lookup, |lookup| Ok(lookup(path))) {
        Ok(true) => {
            // SAFETY: a valid out pointer; the object's userdata stays the
            // entry array, to which sd-bus adds each member's offset.
            unsafe { *ret_found = userdata };
            1
        }
        Ok(false) => 0,
        // SAFETY: the error sd-bus passed.
        Err(error) => unsafe { set_error(ret_error, &error) },
    }
}

impl Bus {
    /// Serves `interface` on the object at `path` until the returned slot
    /// is dropped. An object may have several interfaces, each served
    /// separately; a call of the same interface and member at the same path
    /// twice is refused. See the [module documentation](super) for handlers.
    ///
    /// Fails with an [`Error::Invalid`] naming the first invalid name,
    /// signature, argument name or flag (see [`Interface::check`]).
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// use sdbus::server::Interface;
    ///
    /// let bus = sdbus::Bus::open_user()?;
    /// let calculator = Interface::new("com.example.Calculator")
    ///     .method("Add", |_, (a, b): (i32, i32)| Ok((a.wrapping_add(b),)));
    /// let _calc = bus.serve("/com/example/calc", calculator)?;
    /// // Served while `_calc` lives and the bus is processed:
    /// bus.run_until(|| false)?;
    /// # Ok(()) }
    /// ```
    pub fn serve(&self, path: &str, interface: Interface) -> Result<Slot<'_>> {
        self.add_vtable(path, interface, None)
    }

    /// Serves `interface` on every object below `prefix` (and on `prefix`
    /// itself) for which `exists` returns true, until the returned slot is
    /// dropped: one registration for a whole tree of objects, whose
    /// handlers learn the actual path from [`Request::path`] and
    /// [`PropertyContext::path`]. Objects served at a more specific path
    /// take precedence. List the objects with
    /// [`Bus::add_node_enumerator`] so that introspection and the object
    /// manager find them.
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// use std::collections::BTreeMap;
    /// use std::sync::{Arc, Mutex};
    ///
    /// use sdbus::server::Interface;
    /// use sdbus::BusError;
    ///
    /// let bus = sdbus::Bus::open_user()?;
    /// let notes: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    /// let (lookup, read) = (Arc::clone(&notes), Arc::clone(&notes));
    /// let note = Interface::new("com.example.Note").property_ro("Text", move |context| {
    ///     read.lock().unwrap().get(context.path()).cloned().ok_or_else(|| {
    ///         BusError::new("org.freedesktop.DBus.Error.UnknownObject", context.path())
    ///     })
    /// });
    /// let _notes = bus.serve_fallback("/com/example/notes", note, move |path| {
    ///     lookup.lock().unwrap().contains_key(path)
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn serve_fallback<F>(
        &self,
        prefix: &str,
        interface: Interface,
        exists: F,
    ) -> Result<Slot<'_>>
    where
        F: FnMut(&str) -> bool + Send + 'static,
    {
        self.add_vtable(prefix, interface, Some(Box::new(exists)))
    }

    fn add_vtable(
        &self,
        path: &str,
        interface: Interface,
        lookup: Option<Lookup>,
    ) -> Result<Slot<'_>> {
        let path_c = CStrBuf::validated(path, InvalidKind::ObjectPath, ObjectPath::validate)?;
        let fallback = lookup.is_some();
        let name = interface.name.clone();
        let entries = build(interface, lookup)?.into_boxed_slice();
        let base = Box::into_raw(entries).cast::<Entry>();
        // SAFETY: `base` is the array just made; entry 0 is the header.
        let Entry::Header(header) = (unsafe { &*base }) else {
            unreachable!("`build` puts the header first");
        };
        let vtable = header.vtable.as_ptr();
        // SAFETY: `interface_at` is inside the header's strings.
        let interface_c = unsafe { header.strings.as_ptr().add(header.interface_at) }.cast();
        let operation = if fallback {
            "sd_bus_add_fallback_vtable"
        } else {
            "sd_bus_add_object_vtable"
        };
        let mut raw = ptr::null_mut();
        // SAFETY: valid bus, out pointer, NUL-terminated path and interface,
        // and a vtable ending with an END entry whose strings and handler
        // array (`base`) stay alive until the slot's destroy callback.
        let ret = unsafe {
            if fallback {
                sys::sd_bus_add_fallback_vtable(
                    self.as_ptr(),
                    &mut raw,
                    path_c.as_ptr(),
                    interface_c,
                    vtable,
                    Some(lookup_trampoline),
                    base.cast(),
                )
            } else {
                sys::sd_bus_add_object_vtable(
                    self.as_ptr(),
                    &mut raw,
                    path_c.as_ptr(),
                    interface_c,
                    vtable,
                    base.cast(),
                )
            }
        };
        // SAFETY: on success the slot's reference is handed to us.
        let slot = (ret >= 0).then(|| unsafe { Slot::from_raw(raw) }).flatten();
        let Some(slot) = slot else {
            // SAFETY: sd-bus did not take the array: it is still ours.
            unsafe { free_entries(base) };
            return Err(match -ret {
                libc::EEXIST => Error::invalid(
                    InvalidKind::InterfaceName,
                    format!("{name} at {path}"),
                    "is already served there with a member of the same name",
                ),
                libc::EPROTOTYPE => Error::invalid(
                    InvalidKind::ObjectPath,
                    path,
                    "already has vtables of the other kind (fallback or not); they cannot be mixed",
                ),
                errno if errno > 0 => Error::from_negative_errno(operation, ret),
                _ => Error::Os {
                    operation,
                    errno: libc::EINVAL,
                },
            });
        };
        // SAFETY: valid slot; from now on sd-bus frees the array with it.
        unsafe { sys::sd_bus_slot_set_destroy_callback(slot.as_ptr(), Some(destroy_trampoline)) };
        Ok(slot)
    }
}
