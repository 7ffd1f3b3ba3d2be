//! Properties: `org.freedesktop.DBus.Properties` `Get`, `GetAll` and `Set`,
//! and the `PropertiesChanged` signal.
//!
//! Typed access reads a property straight into a Rust type
//! ([`Bus::get_property`]); dynamic access gives a [`Value`]
//! ([`Bus::get_property_value`], [`Bus::get_all`]).
//!
//! ```no_run
//! # fn demo() -> sdbus::Result<()> {
//! const SYSTEMD: &str = "org.freedesktop.systemd1";
//! const MANAGER: &str = "org.freedesktop.systemd1.Manager";
//! let bus = sdbus::Bus::open_system()?;
//! let names: u32 = bus.get_property(SYSTEMD, "/org/freedesktop/systemd1", MANAGER, "NNames")?;
//! let all = bus.get_all(SYSTEMD, "/org/freedesktop/systemd1", MANAGER)?;
//! let version: &str = all.get("Version")?;
//! bus.set_property(SYSTEMD, "/org/freedesktop/systemd1", MANAGER, "LogLevel", "debug")?;
//! # Ok(()) }
//! ```

use std::collections::{hash_map, HashMap};
use std::ffi::CStr;

use crate::bus::Bus;
use crate::error::{Error, InvalidKind, Result};
use crate::message::{ContainerKind, Message};
use crate::names::{InterfaceName, MemberName};
use crate::types::{Append, Read, Value, Variant};

/// The standard properties interface.
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";
/// [`PROPERTIES`] and its methods as C strings, for
/// [`Bus::new_standard_method_call`], which does not check them again (the
/// test below does, once).
const PROPERTIES_C: &CStr = c"org.freedesktop.DBus.Properties";
/// `Properties.Get`.
const GET: &CStr = c"Get";
/// `Properties.GetAll`.
const GET_ALL: &CStr = c"GetAll";
/// `Properties.Set`.
const SET: &CStr = c"Set";

impl Bus {
    /// Reads a property with `org.freedesktop.DBus.Properties.Get`, as a `T`.
    ///
    /// A property of another type is an [`Error::TypeMismatch`] naming `T`'s
    /// signature and the property's; an invalid property name is an
    /// [`Error::Invalid`] of kind [`InvalidKind::Property`].
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// let bus = sdbus::Bus::open_system()?;
    /// let version: String = bus.get_property(
    ///     "org.freedesktop.systemd1",
    ///     "/org/freedesktop/systemd1",
    ///     "org.freedesktop.systemd1.Manager",
    ///     "Version",
    /// )?;
    /// # Ok(()) }
    /// ```
    pub fn get_property<T>(
        &self,
        destination: &str,
        path: &str,
        interface: &str,
        property: &str,
    ) -> Result<T>
    where
        T: for<'m> Read<'m>,
    {
        let reply = self.properties_get(destination, path, interface, property)?;
        let Variant(value) = reply.read::<Variant<T>>()?;
        Ok(value)
    }

    /// Reads a property of any type with
    /// `org.freedesktop.DBus.Properties.Get`.
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// let bus = sdbus::Bus::open_system()?;
    /// let value = bus.get_property_value(
    ///     "org.freedesktop.systemd1",
    ///     "/org/freedesktop/systemd1",
    ///     "org.freedesktop.systemd1.Manager",
    ///     "Environment",
    /// )?;
    /// println!("{} = {value}", value.signature());
    /// # Ok(()) }
    /// ```
    pub fn get_property_value(
        &self,
        destination: &str,
        path: &str,
        interface: &str,
        property: &str,
    ) -> Result<Value> {
        self.properties_get(destination, path, interface, property)?
            .read::<Value>()
    }

    /// Reads every property of `interface` with
    /// `org.freedesktop.DBus.Properties.GetAll` (`""`: of every interface,
    /// where the peer supports that).
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// let bus = sdbus::Bus::open_system()?;
    /// let props = bus.get_all("org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager")?;
    /// let names: u32 = props.get("NNames")?;
    /// for (name, value) in &props {
    ///     println!("{name} = {value}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_all(&self, destination: &str, path: &str, interface: &str) -> Result<Properties> {
        if !interface.is_empty() {
            InterfaceName::validate(interface)?;
        }
        let mut call = self.new_standard_method_call(destination, path, PROPERTIES_C, GET_ALL)?;
        // Checked above: empty or a valid name, without NUL either way.
        call.append_nul_free_str(interface)?;
        let reply = self.call(&call, None)?;
        Ok(Properties(reply.read()?))
    }

    /// Writes a property with `org.freedesktop.DBus.Properties.Set`, as a
    /// variant of `T`'s signature.
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// let bus = sdbus::Bus::open_system()?;
    /// bus.set_property(
    ///     "org.freedesktop.systemd1",
    ///     "/org/freedesktop/systemd1",
    ///     "org.freedesktop.systemd1.Manager",
    ///     "LogLevel",
    ///     "debug",
    /// )?;
    /// # Ok(()) }
    /// ```
    pub fn set_property<T: Append + ?Sized>(
        &self,
        destination: &str,
        path: &str,
        interface: &str,
        property: &str,
        value: &T,
    ) -> Result<()> {
        let mut call = self.properties_call(destination, path, SET, interface, property)?;
        call.append(&Variant(value))?;
        self.call(&call, None)?;
        Ok(())
    }

    /// Writes a property with `org.freedesktop.DBus.Properties.Set`, as a
    /// variant of `value`'s own signature. Use [`Value::coerce`] first to
    /// match the property's type, if `value` comes from loosely typed input.
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// let bus = sdbus::Bus::open_system()?;
    /// let level = sdbus::Value::from("info");
    /// bus.set_property_value(
    ///     "org.freedesktop.systemd1",
    ///     "/org/freedesktop/systemd1",
    ///     "org.freedesktop.systemd1.Manager",
    ///     "LogLevel",
    ///     &level,
    /// )?;
    /// # Ok(()) }
    /// ```
    pub fn set_property_value(
        &self,
        destination: &str,
        path: &str,
        interface: &str,
        property: &str,
        value: &Value,
    ) -> Result<()> {
        let mut call = self.properties_call(destination, path, SET, interface, property)?;
        // A `Value` appends as a variant holding it.
        call.append(value)?;
        self.call(&call, None)?;
        Ok(())
    }

    /// Calls `Properties.Get`; the reply is positioned at the variant.
    fn properties_get(
        &self,
        destination: &str,
        path: &str,
        interface: &str,
        property: &str,
    ) -> Result<Message<'_>> {
        let call = self.properties_call(destination, path, GET, interface, property)?;
        self.call(&call, None)
    }

    /// A new call of `Properties.method` whose first two arguments,
    /// `interface` and `property`, are checked and appended.
    #[inline]
    fn properties_call(
        &self,
        destination: &str,
        path: &str,
        method: &'static CStr,
        interface: &str,
        property: &str,
    ) -> Result<Message<'_>> {
        check_names(interface, property)?;
        let mut call = self.new_standard_method_call(destination, path, PROPERTIES_C, method)?;
        // Both are valid names, so neither holds a NUL.
        call.append_nul_free_str(interface)?;
        call.append_nul_free_str(property)?;
        Ok(call)
    }
}

/// Checks an interface and a property name before they are sent.
#[inline]
pub(crate) fn check_names(interface: &str, property: &str) -> Result<()> {
    InterfaceName::validate(interface)?;
    if !MemberName::is_valid(property) {
        return Err(Error::invalid(
            InvalidKind::Property,
            property,
            "is not a valid property name",
        ));
    }
    Ok(())
}

/// The properties of an interface, from [`Bus::get_all`]: names and values.
///
/// ```no_run
/// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
/// let props = bus.get_all("org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager")?;
/// let version: &str = props.get("Version")?;
/// if let Some(env) = props.value("Environment") {
///     println!("Environment = {env}");
/// }
/// let map: std::collections::HashMap<String, sdbus::Value> = props.into_inner();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties(HashMap<String, Value>);

impl Properties {
    /// Property `name` converted to `T` (such as `u32`, `bool` or `&str`),
    /// through `T`'s `TryFrom<&Value>`.
    ///
    /// A missing property is an [`Error::Invalid`] of kind
    /// [`InvalidKind::Property`] naming it; a property of another type is an
    /// [`Error::TypeMismatch`].
    pub fn get<'a, T>(&'a self, name: &str) -> Result<T>
    where
        T: TryFrom<&'a Value, Error = Error>,
    {
        let value = self.0.get(name).ok_or_else(|| {
            Error::invalid(InvalidKind::Property, name, "is not among the properties")
        })?;
        T::try_from(value)
    }

    /// Property `name`, if present.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// The properties' names and values, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        self.0.iter().map(|(name, value)| (name.as_str(), value))
    }

    /// How many properties there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The map of names to values.
    pub fn into_inner(self) -> HashMap<String, Value> {
        self.0
    }
}

impl From<HashMap<String, Value>> for Properties {
    fn from(map: HashMap<String, Value>) -> Self {
        Properties(map)
    }
}

impl<'a> IntoIterator for &'a Properties {
    type Item = (&'a String, &'a Value);
    type IntoIter = hash_map::Iter<'a, String, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Properties {
    type Item = (String, Value);
    type IntoIter = hash_map::IntoIter<String, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A decoded `org.freedesktop.DBus.Properties.PropertiesChanged` signal.
///
/// ```no_run
/// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
/// use sdbus::properties::PropertiesChanged;
///
/// let changes = bus.subscribe_signal(
///     Some("org.freedesktop.systemd1"),
///     None,
///     Some("org.freedesktop.DBus.Properties"),
///     Some("PropertiesChanged"),
/// )?;
/// for signal in &changes {
///     let change = PropertiesChanged::from_message(&signal?)?;
///     println!("{}: {:?}, invalidated {:?}", change.interface, change.changed, change.invalidated);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PropertiesChanged {
    /// The interface whose properties changed.
    pub interface: String,
    /// The properties that changed, with their new values.
    pub changed: HashMap<String, Value>,
    /// The properties that changed without their new value being sent.
    pub invalidated: Vec<String>,
}

impl PropertiesChanged {
    /// Decodes the signal from its message, from the beginning of its body.
    ///
    /// Another message is an [`Error::Invalid`] of kind
    /// [`InvalidKind::Message`] naming its interface and member; a body
    /// that is not `sa{sv}as` is an [`Error::TypeMismatch`].
    pub fn from_message(message: &Message<'_>) -> Result<PropertiesChanged> {
        if !message.is_signal(Some(PROPERTIES), Some("PropertiesChanged")) {
            let name = format!(
                "{}.{}",
                message.interface().unwrap_or(""),
                message.member().unwrap_or("")
            );
            return Err(Error::invalid(
                InvalidKind::Message,
                name,
                "is not a PropertiesChanged signal",
            ));
        }
        message.rewind()?;
        let (interface, changed, invalidated) = message.read_args()?;
        Ok(PropertiesChanged {
            interface,
            changed,
            invalidated,
        })
    }
}

/// Reads a property dict (`a{sv}`) at the message's read position, keeping
/// the properties `keep` accepts and skipping the others undecoded: a unit's
/// `GetAll` holds hundreds of properties, of which a caller may want a few.
pub(crate) fn read_properties_where(
    message: &Message<'_>,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<(String, Value)>> {
    message.enter_container(ContainerKind::Array, Some(c"{sv}"))?;
    let mut kept = Vec::new();
    while message.enter_container(ContainerKind::DictEntry, Some(c"sv"))? {
        let name: &str = message.read()?;
        if keep(name) {
            let name = name.to_owned();
            kept.push((name, message.read::<Value>()?));
        } else {
            message.skip(Some(c"v"))?;
        }
        message.exit_container()?;
    }
    message.exit_container()?;
    Ok(kept)
}

/// Reads the changed properties of a `PropertiesChanged` signal that
/// `keep` accepts (see [`read_properties_where`]); the interface and the
/// invalidated names are left unread.
pub(crate) fn read_changed_where(
    signal: &Message<'_>,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<(String, Value)>> {
    signal.rewind()?;
    signal.skip(Some(c"s"))?;
    read_properties_where(signal, keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_names_are_valid() {
        assert_eq!(PROPERTIES_C.to_str(), Ok(PROPERTIES));
        assert!(InterfaceName::is_valid(PROPERTIES));
        for method in [GET, GET_ALL, SET] {
            assert!(MemberName::is_valid(method.to_str().unwrap()), "{method:?}");
        }
    }
}
