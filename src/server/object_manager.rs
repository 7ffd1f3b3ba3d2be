//! `org.freedesktop.DBus.ObjectManager`, its signals, and node
//! enumerators for objects that exist only through fallbacks.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void};
use std::mem::size_of;
use std::ptr;

use libsystemd_sys as sys;

use super::panic::{HandlerKind, Site};
use super::request::str_of;
use super::with_strv;
use crate::bus::Bus;
use crate::callback;
use crate::cstr::CStrBuf;
use crate::error::{check, Error, InvalidKind, Result};
use crate::names::{InterfaceName, ObjectPath};
use crate::slot::Slot;

/// Copies `paths` into a NULL-terminated array allocated with `malloc`, as
/// sd-bus frees it; `None` if out of memory.
fn malloc_strv(paths: &[ObjectPath]) -> Option<*mut *mut c_char> {
    // SAFETY: a plain allocation of `len + 1` zeroed pointers.
    let array =
        unsafe { libc::calloc(paths.len() + 1, size_of::<*mut c_char>()) }.cast::<*mut c_char>();
    if array.is_null() {
        return None;
    }
    for (i, path) in paths.iter().enumerate() {
        // SAFETY: `path` is valid for `len` bytes (and has no NUL: object
        // paths are validated); `strndup` adds the terminator.
        let copy = unsafe { libc::strndup(path.as_str().as_ptr().cast(), path.len()) };
        if copy.is_null() {
            for j in 0..i {
                // SAFETY: the copies made so far, each freed once.
                unsafe { libc::free((*array.add(j)).cast()) };
            }
            // SAFETY: allocated above, freed once.
            unsafe { libc::free(array.cast()) };
            return None;
        }
        // SAFETY: `i < len`, inside the array.
        unsafe { *array.add(i) = copy };
    }
    Some(array)
}

unsafe extern "C" fn enumerator_trampoline<F>(
    _bus: *mut sys::sd_bus,
    prefix: *const c_char,
    userdata: *mut c_void,
    ret_nodes: *mut *mut *mut c_char,
    ret_error: *mut sys::sd_bus_error,
) -> c_int
where
    F: FnMut(&str) -> Vec<ObjectPath>,
{
    // SAFETY: the slot's `RefCell<F>`, alive as long as the slot.
    let enumerate = unsafe { &*userdata.cast::<RefCell<F>>() };
    // SAFETY: a valid path from sd-bus, for the duration of the callback.
    let prefix = unsafe { str_of(prefix) };
    let site = Site {
        kind: HandlerKind::NodeEnumerator,
        interface: "",
        member: "",
        path: prefix,
    };
    match site.run(enumerate, |enumerate| Ok(enumerate(prefix))) {
        Ok(paths) => match malloc_strv(&paths) {
            Some(array) => {
                // SAFETY: a valid out pointer; sd-bus frees the array.
                unsafe { *ret_nodes = array };
                0
            }
            None => -libc::ENOMEM,
        },
        // SAFETY: the error sd-bus passed.
        Err(error) => unsafe { super::vtable::set_error(ret_error, &error) },
    }
}

unsafe extern "C" fn drop_enumerator<F>(userdata: *mut c_void) {
    callback::catch((), || {
        // SAFETY: made by `Box::into_raw` in `add_node_enumerator`; sd-bus
        // calls the destroy callback once.
        let boxed = unsafe { Box::from_raw(userdata.cast::<RefCell<F>>()) };
        drop(boxed);
    });
}

impl Bus {
    /// Serves `org.freedesktop.DBus.ObjectManager` at `path` until the
    /// returned slot is dropped: `GetManagedObjects` lists every object
    /// below `path` with its interfaces and properties, and
    /// [`Bus::emit_interfaces_added`] and [`Bus::emit_interfaces_removed`]
    /// announce objects coming and going.
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// let bus = sdbus::Bus::open_user()?;
    /// let _manager = bus.add_object_manager("/com/example")?;
    /// # Ok(()) }
    /// ```
    pub fn add_object_manager(&self, path: &str) -> Result<Slot<'_>> {
        let path = CStrBuf::validated(path, InvalidKind::ObjectPath, ObjectPath::validate)?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid bus, out pointer and NUL-terminated path.
        check("sd_bus_add_object_manager", unsafe {
            sys::sd_bus_add_object_manager(self.as_ptr(), &mut raw, path.as_ptr())
        })?;
        // SAFETY: on success the slot's reference is handed to us.
        unsafe { Slot::from_raw(raw) }.ok_or(Error::Os {
            operation: "sd_bus_add_object_manager",
            errno: libc::EINVAL,
        })
    }

    /// Lists child objects of `path` with `enumerate` until the returned
    /// slot is dropped. Whenever the objects below a path are needed
    /// (introspection's child nodes, `GetManagedObjects`), sd-bus calls it
    /// with that path and takes the objects it returns below it; objects
    /// served at fixed paths are found without it. Together with
    /// [`Bus::serve_fallback`], it makes a dynamic tree of objects.
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// use sdbus::names::ObjectPath;
    ///
    /// let bus = sdbus::Bus::open_user()?;
    /// let _items = bus.add_node_enumerator("/com/example/items", |_prefix| {
    ///     (1..=3)
    ///         .filter_map(|i| ObjectPath::try_from(format!("/com/example/items/{i}")).ok())
    ///         .collect()
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn add_node_enumerator<F>(&self, path: &str, enumerate: F) -> Result<Slot<'_>>
    where
        F: FnMut(&str) -> Vec<ObjectPath> + Send + 'static,
    {
        let path = CStrBuf::validated(path, InvalidKind::ObjectPath, ObjectPath::validate)?;
        let userdata = Box::into_raw(Box::new(RefCell::new(enumerate)));
        let mut raw = ptr::null_mut();
        // SAFETY: valid bus, out pointer and NUL-terminated path; `userdata`
        // matches the trampoline and lives until the destroy callback.
        let ret = unsafe {
            sys::sd_bus_add_node_enumerator(
                self.as_ptr(),
                &mut raw,
                path.as_ptr(),
                Some(enumerator_trampoline::<F>),
                userdata.cast(),
            )
        };
        // SAFETY: on success the slot's reference is handed to us.
        let Some(slot) = (ret >= 0).then(|| unsafe { Slot::from_raw(raw) }).flatten() else {
            // SAFETY: sd-bus did not take the box: it is still ours.
            drop(unsafe { Box::from_raw(userdata) });
            check("sd_bus_add_node_enumerator", ret)?;
            return Err(Error::Os {
                operation: "sd_bus_add_node_enumerator",
                errno: libc::EINVAL,
            });
        };
        // SAFETY: valid slot; from now on sd-bus frees the box with it.
        unsafe { sys::sd_bus_slot_set_destroy_callback(slot.as_ptr(), Some(drop_enumerator::<F>)) };
        Ok(slot)
    }

    /// Emits `InterfacesAdded` from the object manager at or above `path`:
    /// the object at `path` gained `interfaces` (served there), sent with
    /// their properties.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// bus.emit_interfaces_added("/com/example/items/4", &["com.example.Item"])?;
    /// # Ok(()) }
    /// ```
    pub fn emit_interfaces_added(&self, path: &str, interfaces: &[&str]) -> Result<()> {
        self.emit_interfaces(
            path,
            interfaces,
            "sd_bus_emit_interfaces_added",
            |bus, path, names| {
                // SAFETY: valid bus, path and NULL-terminated list.
                unsafe { sys::sd_bus_emit_interfaces_added_strv(bus, path, names) }
            },
        )
    }

    /// Emits `InterfacesRemoved` from the object manager at or above
    /// `path`: the object at `path` lost `interfaces`.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// bus.emit_interfaces_removed("/com/example/items/4", &["com.example.Item"])?;
    /// # Ok(()) }
    /// ```
    pub fn emit_interfaces_removed(&self, path: &str, interfaces: &[&str]) -> Result<()> {
        self.emit_interfaces(
            path,
            interfaces,
            "sd_bus_emit_interfaces_removed",
            |bus, path, names| {
                // SAFETY: valid bus, path and NULL-terminated list.
                unsafe { sys::sd_bus_emit_interfaces_removed_strv(bus, path, names) }
            },
        )
    }

    /// Emits `InterfacesAdded` for every interface served at `path`: a new
    /// object, announced once it is served.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// bus.emit_object_added("/com/example/items/4")?;
    /// # Ok(()) }
    /// ```
    pub fn emit_object_added(&self, path: &str) -> Result<()> {
        self.emit_interfaces(path, &[], "sd_bus_emit_object_added", |bus, path, _| {
            // SAFETY: valid bus and path.
            unsafe { sys::sd_bus_emit_object_added(bus, path) }
        })
    }

    /// Emits `InterfacesRemoved` for every interface served at `path`: an
    /// object going away, announced while it is still served (before its
    /// slots are dropped, so that sd-bus still knows its interfaces).
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// bus.emit_object_removed("/com/example/items/4")?;
    /// # Ok(()) }
    /// ```
    pub fn emit_object_removed(&self, path: &str) -> Result<()> {
        self.emit_interfaces(path, &[], "sd_bus_emit_object_removed", |bus, path, _| {
            // SAFETY: valid bus and path.
            unsafe { sys::sd_bus_emit_object_removed(bus, path) }
        })
    }

    fn emit_interfaces(
        &self,
        path: &str,
        interfaces: &[&str],
        operation: &'static str,
        emit: impl FnOnce(*mut sys::sd_bus, *const c_char, *mut *mut c_char) -> c_int,
    ) -> Result<()> {
        let path_c = CStrBuf::validated(path, InvalidKind::ObjectPath, ObjectPath::validate)?;
        let ret = with_strv(
            interfaces,
            InvalidKind::InterfaceName,
            InterfaceName::validate,
            |names| emit(self.as_ptr(), path_c.as_ptr(), names),
        )?;
        match -ret {
            libc::ESRCH => Err(Error::invalid(
                InvalidKind::ObjectPath,
                path,
                "has no object manager at or above it",
            )),
            libc::ENOENT if interfaces.is_empty() => Err(Error::invalid(
                InvalidKind::ObjectPath,
                path,
                "has no interfaces served",
            )),
            libc::ENOENT => Err(Error::invalid(
                InvalidKind::InterfaceName,
                format!("{} at {path}", interfaces.join(", ")),
                "is not served there",
            )),
            _ => check(operation, ret).map(drop),
        }
    }
}
