//! Owning well-known bus names: `RequestName` and `ReleaseName`.

use bitflags::bitflags;
use libsystemd_sys as sys;

use crate::bus::Bus;
use crate::cstr::CStrBuf;
use crate::error::{Error, InvalidKind, Result};
use crate::names::BusName;

bitflags! {
    /// How to request a name ([`Bus::request_name`]), as the D-Bus
    /// specification defines them.
    ///
    /// - `ALLOW_REPLACEMENT`: once we own the name, another connection that
    ///   requests it with `REPLACE_EXISTING` takes it over.
    /// - `REPLACE_EXISTING`: take the name over from its owner, if the owner
    ///   allowed replacement.
    /// - `QUEUE`: if the name cannot be had now, wait in its queue of
    ///   owners and get it when the connections before us release it (we
    ///   also go back into the queue if replaced). Without it, such a
    ///   request fails ([`RequestNameReply::Exists`]) and a replaced owner
    ///   loses the name for good.
    ///
    /// ```
    /// use sdbus::server::RequestNameFlags;
    ///
    /// let flags = RequestNameFlags::ALLOW_REPLACEMENT | RequestNameFlags::QUEUE;
    /// assert!(flags.contains(RequestNameFlags::QUEUE));
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct RequestNameFlags: u64 {
        /// Let another connection take the name over.
        const ALLOW_REPLACEMENT = sys::SD_BUS_NAME_ALLOW_REPLACEMENT as u64;
        /// Take the name over if its owner allows it.
        const REPLACE_EXISTING = sys::SD_BUS_NAME_REPLACE_EXISTING as u64;
        /// Wait in the name's queue rather than fail.
        const QUEUE = sys::SD_BUS_NAME_QUEUE as u64;
    }
}

/// The outcome of [`Bus::request_name`].
///
/// ```no_run
/// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
/// use sdbus::server::{RequestNameFlags, RequestNameReply};
///
/// if bus.request_name("com.example.Calculator", RequestNameFlags::empty())? == RequestNameReply::Exists {
///     eprintln!("another calculator is running");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use = "the name may not be ours: check the reply"]
pub enum RequestNameReply {
    /// We own the name now.
    PrimaryOwner,
    /// Another connection owns it; we wait in its queue
    /// ([`RequestNameFlags::QUEUE`]).
    InQueue,
    /// Another connection owns it and we did not queue: the name is not
    /// ours.
    Exists,
    /// We already owned it.
    AlreadyOwner,
}

impl RequestNameReply {
    /// Whether we own the name ([`PrimaryOwner`](Self::PrimaryOwner) or
    /// [`AlreadyOwner`](Self::AlreadyOwner)).
    ///
    /// ```
    /// use sdbus::server::RequestNameReply;
    ///
    /// assert!(RequestNameReply::AlreadyOwner.is_owner());
    /// assert!(!RequestNameReply::InQueue.is_owner());
    /// ```
    pub fn is_owner(self) -> bool {
        matches!(
            self,
            RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner
        )
    }
}

/// The outcome of [`Bus::release_name`].
///
/// ```no_run
/// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
/// use sdbus::server::ReleaseNameReply;
///
/// match bus.release_name("com.example.Calculator")? {
///     ReleaseNameReply::Released => {}
///     other => eprintln!("the name was not ours: {other:?}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseNameReply {
    /// We owned the name, or waited in its queue, and no longer do.
    Released,
    /// Nobody owned the name.
    NonExistent,
    /// Another connection owns it, and we were not in its queue.
    NotOwner,
}

/// Checks a name to request or release: a valid, well-known bus name.
fn well_known(name: &str) -> Result<CStrBuf> {
    let name_c = CStrBuf::validated(name, InvalidKind::BusName, BusName::validate)?;
    if name.starts_with(':') {
        return Err(Error::invalid(
            InvalidKind::BusName,
            name,
            "is a unique name: only well-known names can be requested or released",
        ));
    }
    Ok(name_c)
}

impl Bus {
    /// Asks the bus for the well-known name `name` (a blocking call to
    /// the bus daemon). Whether the name is ours is in the reply; a name
    /// that may not be owned (by the bus's policy) is an error.
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// use sdbus::server::{RequestNameFlags, RequestNameReply};
    ///
    /// let bus = sdbus::Bus::open_user()?;
    /// match bus.request_name("com.example.Calculator", RequestNameFlags::QUEUE)? {
    ///     RequestNameReply::InQueue => println!("waiting for the name"),
    ///     reply => assert!(reply.is_owner()),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn request_name(&self, name: &str, flags: RequestNameFlags) -> Result<RequestNameReply> {
        let name_c = well_known(name)?;
        // SAFETY: valid bus and NUL-terminated name.
        let ret = unsafe { sys::sd_bus_request_name(self.as_ptr(), name_c.as_ptr(), flags.bits()) };
        match ret {
            r if r > 0 => Ok(RequestNameReply::PrimaryOwner),
            0 => Ok(RequestNameReply::InQueue),
            r if r == -libc::EEXIST => Ok(RequestNameReply::Exists),
            r if r == -libc::EALREADY => Ok(RequestNameReply::AlreadyOwner),
            r if r == -libc::EINVAL => Err(Error::invalid(
                InvalidKind::BusName,
                name,
                "refused by sd-bus (a reserved name, or a connection without a bus daemon)",
            )),
            r => Err(Error::from_negative_errno("sd_bus_request_name", r)),
        }
    }

    /// Gives up the well-known name `name`, or our place in its queue (a
    /// blocking call to the bus daemon).
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// use sdbus::server::ReleaseNameReply;
    ///
    /// assert_eq!(bus.release_name("com.example.Calculator")?, ReleaseNameReply::Released);
    /// # Ok(()) }
    /// ```
    pub fn release_name(&self, name: &str) -> Result<ReleaseNameReply> {
        let name_c = well_known(name)?;
        // SAFETY: valid bus and NUL-terminated name.
        let ret = unsafe { sys::sd_bus_release_name(self.as_ptr(), name_c.as_ptr()) };
        match ret {
            r if r >= 0 => Ok(ReleaseNameReply::Released),
            r if r == -libc::ESRCH => Ok(ReleaseNameReply::NonExistent),
            r if r == -libc::EADDRINUSE => Ok(ReleaseNameReply::NotOwner),
            r if r == -libc::EINVAL => Err(Error::invalid(
                InvalidKind::BusName,
                name,
                "refused by sd-bus (a reserved name, or a connection without a bus daemon)",
            )),
            r => Err(Error::from_negative_errno("sd_bus_release_name", r)),
        }
    }
}
