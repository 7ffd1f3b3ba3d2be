//! Credentials of peers: who is on the other end of a bus name or message.
//!
//! ```no_run
//! # fn demo() -> sdbus::Result<()> {
//! let bus = sdbus::Bus::open_system()?;
//! let creds = bus.name_creds("org.freedesktop.systemd1")?;
//! println!("pid {:?}, comm {:?}, unit {:?}", creds.pid(), creds.comm(), creds.unit());
//! # Ok(()) }
//! ```

use std::ffi::{c_char, CStr};
use std::ptr::{self, NonNull};

use libsystemd_sys as sys;

use crate::bus::Bus;
use crate::cstr::CStrBuf;
use crate::error::{check, Error, InvalidKind, Result};
use crate::names::BusName;

/// An owned reference to an `sd_bus_creds`: a snapshot of a process's
/// credentials. Each getter returns `None` when the field was not collected
/// or is not known.
pub struct Credentials {
    raw: NonNull<sys::sd_bus_creds>,
}

// SAFETY: `sd_bus_creds` holds no reference to a bus; its non-atomic
// reference count is only touched by the single owner of this handle, which
// is not `Clone` and not `Sync`.
unsafe impl Send for Credentials {}

// The constants are `c_ulong`, 32 bits on some targets.
#[allow(clippy::unnecessary_cast)]
mod mask {
    use libsystemd_sys as sys;

    /// Every field sd-bus can collect.
    pub(crate) const ALL_FIELDS: u64 = sys::_SD_BUS_CREDS_ALL as u64;
    /// Fill in from `/proc` what the bus does not tell.
    pub(crate) const AUGMENT: u64 = sys::SD_BUS_CREDS_AUGMENT as u64;
}
pub(crate) use mask::{ALL_FIELDS, AUGMENT};

macro_rules! id_getters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty = $c:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> Option<$ty> {
            let mut value: $ty = Default::default();
            // SAFETY: valid creds and out pointer.
            (unsafe { sys::$c(self.raw.as_ptr(), &mut value) } >= 0).then_some(value)
        }
    )*};
}

macro_rules! str_getters {
    ($($(#[$doc:meta])* $name:ident = $c:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> Option<&str> {
            let mut value: *const c_char = ptr::null();
            // SAFETY: valid creds and out pointer.
            let ret = unsafe { sys::$c(self.raw.as_ptr(), &mut value) };
            // SAFETY: on success, a NUL-terminated string owned by the creds.
            unsafe { owned_str(ret, value) }
        }
    )*};
}

/// # Safety
/// `value` must be valid for the lifetime of the borrow when `ret >= 0`.
unsafe fn owned_str<'a>(ret: i32, value: *const c_char) -> Option<&'a str> {
    if ret < 0 || value.is_null() {
        return None;
    }
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(value) }.to_str().ok()
}

impl Credentials {
    /// The credentials of a local process, collected from `/proc`.
    pub fn for_pid(pid: libc::pid_t) -> Result<Credentials> {
        let mut raw = ptr::null_mut();
        // SAFETY: valid out pointer.
        check("sd_bus_creds_new_from_pid", unsafe {
            sys::sd_bus_creds_new_from_pid(&mut raw, pid, ALL_FIELDS)
        })?;
        // SAFETY: on success the reference is handed to us.
        unsafe { Credentials::from_raw(raw) }
            .ok_or_else(|| Error::no_object("sd_bus_creds_new_from_pid"))
    }

    /// Takes ownership of one reference to `raw`.
    ///
    /// # Safety
    /// `raw` must be a valid `sd_bus_creds` whose reference is handed over.
    pub unsafe fn from_raw(raw: *mut sys::sd_bus_creds) -> Option<Credentials> {
        NonNull::new(raw).map(|raw| Credentials { raw })
    }

    /// The underlying pointer, still owned by `self`.
    pub fn as_ptr(&self) -> *mut sys::sd_bus_creds {
        self.raw.as_ptr()
    }

    id_getters! {
        /// The process id.
        pid: libc::pid_t = sd_bus_creds_get_pid;
        /// The parent process id.
        ppid: libc::pid_t = sd_bus_creds_get_ppid;
        /// The real user id.
        uid: libc::uid_t = sd_bus_creds_get_uid;
        /// The effective user id.
        euid: libc::uid_t = sd_bus_creds_get_euid;
        /// The real group id.
        gid: libc::gid_t = sd_bus_creds_get_gid;
        /// The effective group id.
        egid: libc::gid_t = sd_bus_creds_get_egid;
    }

    str_getters! {
        /// The process name (`comm`).
        comm = sd_bus_creds_get_comm;
        /// The executable's path.
        exe = sd_bus_creds_get_exe;
        /// The control group path.
        cgroup = sd_bus_creds_get_cgroup;
        /// The system unit the process belongs to.
        unit = sd_bus_creds_get_unit;
        /// The user unit the process belongs to.
        user_unit = sd_bus_creds_get_user_unit;
        /// The slice the process belongs to.
        slice = sd_bus_creds_get_slice;
        /// The login session.
        session = sd_bus_creds_get_session;
        /// The unique bus name of the connection.
        unique_name = sd_bus_creds_get_unique_name;
        /// The connection's description.
        description = sd_bus_creds_get_description;
    }

    /// The command line, one element per argument.
    pub fn cmdline(&self) -> Option<Vec<String>> {
        let mut argv: *mut *mut c_char = ptr::null_mut();
        // SAFETY: valid creds and out pointer.
        let ret = unsafe { sys::sd_bus_creds_get_cmdline(self.raw.as_ptr(), &mut argv) };
        // SAFETY: on success, a NULL-terminated array owned by the creds.
        unsafe { string_array(ret, argv) }
    }

    /// The well-known names the connection owns.
    pub fn well_known_names(&self) -> Option<Vec<String>> {
        let mut names: *mut *mut c_char = ptr::null_mut();
        // SAFETY: valid creds and out pointer.
        let ret = unsafe { sys::sd_bus_creds_get_well_known_names(self.raw.as_ptr(), &mut names) };
        // SAFETY: on success, a NULL-terminated array owned by the creds.
        unsafe { string_array(ret, names) }
    }
}

/// # Safety
/// When `ret >= 0`, `array` must be NULL or a NULL-terminated array of
/// NUL-terminated strings.
unsafe fn string_array(ret: i32, array: *mut *mut c_char) -> Option<Vec<String>> {
    if ret < 0 || array.is_null() {
        return None;
    }
    let mut out = Vec::new();
    let mut cursor = array;
    // SAFETY: guaranteed by the caller: read until the NULL terminator.
    while let Some(item) = NonNull::new(unsafe { *cursor }) {
        // SAFETY: each element is a NUL-terminated string.
        out.push(
            unsafe { CStr::from_ptr(item.as_ptr()) }
                .to_string_lossy()
                .into_owned(),
        );
        // SAFETY: not yet at the terminator, so the next slot exists.
        cursor = unsafe { cursor.add(1) };
    }
    Some(out)
}

impl Drop for Credentials {
    fn drop(&mut self) {
        // SAFETY: we own one reference, released exactly once.
        unsafe { sys::sd_bus_creds_unref(self.raw.as_ptr()) };
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("pid", &self.pid())
            .field("uid", &self.uid())
            .field("comm", &self.comm())
            .field("unit", &self.unit())
            .field("unique_name", &self.unique_name())
            .finish()
    }
}

impl Bus {
    /// The credentials of the owner of a bus name (as `busctl list` shows
    /// them), asking the bus daemon and filling in from `/proc`.
    pub fn name_creds(&self, name: &str) -> Result<Credentials> {
        let name = CStrBuf::validated(name, InvalidKind::BusName, BusName::validate)?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid bus, NUL-terminated name and out pointer.
        check("sd_bus_get_name_creds", unsafe {
            sys::sd_bus_get_name_creds(self.as_ptr(), name.as_ptr(), ALL_FIELDS | AUGMENT, &mut raw)
        })?;
        // SAFETY: on success the reference is handed to us.
        unsafe { Credentials::from_raw(raw) }
            .ok_or_else(|| Error::no_object("sd_bus_get_name_creds"))
    }

    /// The credentials of the peer: the bus daemon, or the other end of a
    /// peer-to-peer connection, as seen when the connection was made.
    pub fn peer_creds(&self) -> Result<Credentials> {
        let mut raw = ptr::null_mut();
        // SAFETY: valid bus and out pointer.
        check("sd_bus_get_owner_creds", unsafe {
            sys::sd_bus_get_owner_creds(self.as_ptr(), ALL_FIELDS | AUGMENT, &mut raw)
        })?;
        // SAFETY: on success the reference is handed to us.
        unsafe { Credentials::from_raw(raw) }
            .ok_or_else(|| Error::no_object("sd_bus_get_owner_creds"))
    }
}
