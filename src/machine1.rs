//! systemd-machined (`org.freedesktop.machine1`): its manager, machines and
//! images as typed-path helpers over the dynamic [`Object`], as pystemd's
//! `machine1` module.
//!
//! Each type builds its object path (path-encoding names as machined does)
//! and dereferences to the [`Object`], so every interface stays reachable;
//! `interface()` is its main one. Nothing is sent until the object is used.
//!
//! ```no_run
//! # fn demo() -> sdbus::Result<()> {
//! use sdbus::machine1::{Machine, Manager};
//! use sdbus::Value;
//!
//! let bus = sdbus::Bus::open_system()?;
//! let machines = Manager::new(&bus)?.interface()?.call("ListMachines", &[])?;
//! println!("{}", machines[0]);
//! let host = Machine::by_name(&bus, ".host")?;
//! println!("{}", host.interface()?.get("Class")?);
//! host.interface()?.call("Kill", &[Value::from("leader"), Value::from(15i32)])?;
//! # Ok(()) }
//! ```
//!
//! machined does not run in the project's sandbox: the tests only check the
//! paths built here (the dynamic [`Object`] is tested against systemd).

use crate::bus::Bus;
use crate::error::Result;
use crate::names::ObjectPath;
use crate::object::{typed_object, Object};
use crate::path::path_encode;

/// machined's bus name.
pub const DESTINATION: &str = "org.freedesktop.machine1";

/// The manager's object path.
pub const MANAGER_PATH: &str = "/org/freedesktop/machine1";

/// The prefix of machines' object paths.
const MACHINE_PREFIX: &str = "/org/freedesktop/machine1/machine";

/// The prefix of images' object paths.
const IMAGE_PREFIX: &str = "/org/freedesktop/machine1/image";

typed_object! {
    /// machined's manager, `/org/freedesktop/machine1`.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let manager = sdbus::machine1::Manager::new(bus)?;
    /// let path = manager.interface()?.call("GetMachine", &[".host".into()])?;
    /// # Ok(()) }
    /// ```
    Manager {
        module: "machine1",
        destination: DESTINATION,
        interface: "org.freedesktop.machine1.Manager",
        example_path: "/org/freedesktop/machine1",
    }
}

impl<'bus> Manager<'bus> {
    /// The manager on `bus`.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let pool = sdbus::machine1::Manager::new(bus)?.interface()?.get("PoolPath")?;
    /// # Ok(()) }
    /// ```
    pub fn new(bus: &'bus Bus) -> Result<Self> {
        Object::new(bus, DESTINATION, MANAGER_PATH).map(Manager)
    }
}

typed_object! {
    /// A machine (a container or a VM) registered with machined.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let machine = sdbus::machine1::Machine::by_name(bus, "debian-1")?;
    /// println!("leader {}", machine.interface()?.get("Leader")?);
    /// # Ok(()) }
    /// ```
    Machine {
        module: "machine1",
        destination: DESTINATION,
        interface: "org.freedesktop.machine1.Machine",
        example_path: "/org/freedesktop/machine1/machine/_2ehost",
    }
}

impl<'bus> Machine<'bus> {
    /// The machine called `name` (`.host` is the host itself, `self` the
    /// caller's machine).
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let host = sdbus::machine1::Machine::by_name(bus, ".host")?;
    /// # Ok(()) }
    /// ```
    pub fn by_name(bus: &'bus Bus, name: &str) -> Result<Self> {
        Self::from_path(bus, &Self::path(name)?)
    }

    /// The object path of the machine called `name`, as machined encodes
    /// it. Fails only for a name with a NUL byte.
    ///
    /// ```
    /// use sdbus::machine1::Machine;
    ///
    /// assert_eq!(Machine::path("debian-1")?, "/org/freedesktop/machine1/machine/debian_2d1");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn path(name: &str) -> Result<ObjectPath> {
        path_encode(MACHINE_PREFIX, name)
    }
}

typed_object! {
    /// A machine image (a directory, a btrfs subvolume or a raw disk image)
    /// known to machined.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let image = sdbus::machine1::Image::by_name(bus, "debian-1")?;
    /// println!("{} bytes", image.interface()?.get("Usage")?);
    /// # Ok(()) }
    /// ```
    Image {
        module: "machine1",
        destination: DESTINATION,
        interface: "org.freedesktop.machine1.Image",
        example_path: "/org/freedesktop/machine1/image/debian_2d1",
    }
}

impl<'bus> Image<'bus> {
    /// The image called `name`.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let image = sdbus::machine1::Image::by_name(bus, "debian-1")?;
    /// # Ok(()) }
    /// ```
    pub fn by_name(bus: &'bus Bus, name: &str) -> Result<Self> {
        Self::from_path(bus, &Self::path(name)?)
    }

    /// The object path of the image called `name`, as machined encodes
    /// it. Fails only for a name with a NUL byte.
    ///
    /// ```
    /// use sdbus::machine1::Image;
    ///
    /// assert_eq!(Image::path("fedora.raw")?, "/org/freedesktop/machine1/image/fedora_2eraw");
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn path(name: &str) -> Result<ObjectPath> {
        path_encode(IMAGE_PREFIX, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_as_machined_encodes_them() {
        assert_eq!(
            Machine::path(".host").unwrap(),
            "/org/freedesktop/machine1/machine/_2ehost"
        );
        assert_eq!(
            Machine::path("self").unwrap(),
            "/org/freedesktop/machine1/machine/self"
        );
        assert_eq!(
            Machine::path("1st@box").unwrap(),
            "/org/freedesktop/machine1/machine/_31st_40box"
        );
        assert_eq!(
            Machine::path("").unwrap(),
            "/org/freedesktop/machine1/machine/_"
        );
        assert!(Machine::path("a\0b").is_err());
        assert_eq!(
            Image::path("my_image").unwrap(),
            "/org/freedesktop/machine1/image/my_5fimage"
        );
    }
}
