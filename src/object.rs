//! Dynamic objects: any object of any service, driven by its introspection
//! data, as pystemd's `SDObject` — with arguments of any type, and
//! properties that can be written.
//!
//! An [`Object`] is a destination and a path on a [`Bus`]. On first use (or
//! on [`Object::load`]) it learns its interfaces by introspection; then
//! [`Object::interface`] gives an [`InterfaceProxy`] by full name
//! (`org.freedesktop.systemd1.Unit`), by short name under the destination's
//! prefix (`Unit`, `Service`, `Manager`), or for the standard interfaces by
//! their short names (`Properties`, `Peer`, `Introspectable`).
//!
//! A proxy calls methods with [`Value`] arguments that are coerced to the
//! introspected input signature (see [`Value::coerce`]), so loosely typed
//! input works even for `v`, `a{sv}`, `a(sv)` and nested structs; it reads
//! and writes properties with their introspected types.
//!
//! ```no_run
//! # fn demo() -> sdbus::Result<()> {
//! use sdbus::object::Object;
//! use sdbus::Value;
//!
//! let bus = sdbus::Bus::open_system()?;
//! let manager = Object::new(&bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1")?;
//! let version = manager.interface("Manager")?.get("Version")?;
//! // `GetUnitByPID(u)`: an `i32` (or any integer that fits) is coerced to `u`.
//! let unit = manager.interface("Manager")?.call("GetUnitByPID", &[Value::from(1i32)])?;
//! // `SetUnitProperties(sba(sv))`, with the `a(sv)` built from Rust values.
//! manager.interface("Manager")?.call(
//!     "SetUnitProperties",
//!     &[
//!         Value::from("foo.service"),
//!         Value::from(true),
//!         Value::from(vec![("CPUWeight".to_owned(), Value::from(50u64))]),
//!     ],
//! )?;
//! println!("systemd {version}; PID 1 runs in {}", unit[0]);
//! # Ok(()) }
//! ```
//!
//! # The introspection cache
//!
//! Introspecting takes a round trip and an XML parse per object, which
//! dominates the cost of loading many objects. Every [`Object`] therefore
//! goes through an [`IntrospectionCache`]: the process-wide one of
//! [`IntrospectionCache::global`] unless given another with
//! [`Object::with_cache`]. The cache keeps
//!
//! - each interface definition once per (bus, destination, interface name),
//!   shared between all objects that have it;
//! - the list of interfaces of each *kind* of object: objects that a
//!   [`KindFn`] puts in the same kind share one introspection. The default
//!   ([`systemd_kind`]) groups the systemd manager's units by unit type
//!   (every `.service` has `Unit` and `Service`, every `.socket` has `Unit`
//!   and `Socket`…) and its jobs together; every other object is its own
//!   kind, cached by path. So loading 1,000 services costs one
//!   introspection, not 1,000.
//!
//! The trade-off: the cache assumes that a service does not change the
//! interfaces of an object kind (or of a path) while it runs, and that
//! interfaces of the same name on the same destination are the same. A
//! service that is upgraded and restarted under the same bus name can break
//! that: call [`IntrospectionCache::clear`] then (or use a fresh cache).
//! Entries are kept until then, one per path for objects without a kind.
//! Caches are keyed by the bus's id, so one cache serves objects on several
//! buses (the system and a user bus) without mixing them up.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError};

use crate::bus::Bus;
use crate::error::{Error, InvalidKind, Result};
use crate::introspect::{Direction, Interface, Method, Node, Property};
use crate::message::Message;
use crate::names::{BusName, ObjectPath};
use crate::properties::Properties;
use crate::types::{Append, SignatureBuf, Value};

/// The namespace of the standard interfaces.
const STANDARD_PREFIX: &str = "org.freedesktop.DBus";

/// The systemd manager's bus name.
const SYSTEMD: &str = "org.freedesktop.systemd1";

/// The standard interfaces every object has, whether or not its
/// introspection data lists them.
const STANDARD_XML: &str = r#"<node>
 <interface name="org.freedesktop.DBus.Peer">
  <method name="Ping"/>
  <method name="GetMachineId"><arg type="s" name="machine_uuid" direction="out"/></method>
 </interface>
 <interface name="org.freedesktop.DBus.Introspectable">
  <method name="Introspect"><arg name="xml_data" type="s" direction="out"/></method>
 </interface>
 <interface name="org.freedesktop.DBus.Properties">
  <method name="Get">
   <arg name="interface_name" direction="in" type="s"/>
   <arg name="property_name" direction="in" type="s"/>
   <arg name="value" direction="out" type="v"/>
  </method>
  <method name="GetAll">
   <arg name="interface_name" direction="in" type="s"/>
   <arg name="props" direction="out" type="a{sv}"/>
  </method>
  <method name="Set">
   <arg name="interface_name" direction="in" type="s"/>
   <arg name="property_name" direction="in" type="s"/>
   <arg name="value" direction="in" type="v"/>
  </method>
  <signal name="PropertiesChanged">
   <arg type="s" name="interface_name"/>
   <arg type="a{sv}" name="changed_properties"/>
   <arg type="as" name="invalidated_properties"/>
  </signal>
 </interface>
</node>"#;

/// The parsed [`STANDARD_XML`].
static STANDARD: LazyLock<Node> = LazyLock::new(|| Node::parse(STANDARD_XML).unwrap_or_default());

/// The interfaces of an object, shared between the objects of its kind.
type InterfaceList = Arc<[Arc<Interface>]>;

/// A bus's 128-bit id, which the bus daemon (or the peer) sends when the
/// connection is set up.
type BusId = [u8; 16];

/// The id of `bus`, if it has one. ([`Bus::bus_id`] formats it as text,
/// which would be most of the cost of a cache hit.)
fn bus_id(bus: &Bus) -> Option<BusId> {
    bus.bus_id().ok()
}

/// How an [`IntrospectionCache`] groups objects into kinds that share one
/// introspection: given the destination and the object path, the kind's
/// name, or `None` for an object that is introspected (once) on its own.
///
/// Every object of a kind must have the same interfaces.
pub type KindFn = dyn Fn(&str, &str) -> Option<String> + Send + Sync;

/// The default [`KindFn`]: on `org.freedesktop.systemd1`, units by unit type
/// (`"unit.service"`, `"unit.socket"`…, from their encoded path) and jobs
/// (`"job"`); `None` for everything else.
///
/// ```
/// use sdbus::object::systemd_kind;
///
/// let kind = |path| systemd_kind("org.freedesktop.systemd1", path);
/// assert_eq!(kind("/org/freedesktop/systemd1/unit/dbus_2eservice").as_deref(), Some("unit.service"));
/// assert_eq!(kind("/org/freedesktop/systemd1/unit/foo_40bar_2esocket").as_deref(), Some("unit.socket"));
/// assert_eq!(kind("/org/freedesktop/systemd1/job/42").as_deref(), Some("job"));
/// assert_eq!(kind("/org/freedesktop/systemd1"), None);
/// assert_eq!(kind("/org/freedesktop/systemd1/unit/self"), None);
/// assert_eq!(systemd_kind("org.example", "/org/freedesktop/systemd1/job/42"), None);
/// ```
pub fn systemd_kind(destination: &str, path: &str) -> Option<String> {
    if destination != SYSTEMD {
        return None;
    }
    let rest = path.strip_prefix("/org/freedesktop/systemd1/")?;
    if let Some(unit) = rest.strip_prefix("unit/") {
        // Path encoding escapes every `_` of a name, so `_2e` is always an
        // escaped `.`: the last one starts the unit type.
        let (_, suffix) = unit.rsplit_once("_2e")?;
        crate::systemd1::UNIT_TYPES
            .contains(&suffix)
            .then(|| format!("unit.{suffix}"))
    } else {
        let id = rest.strip_prefix("job/")?;
        (!id.contains('/')).then(|| "job".to_owned())
    }
}

/// Introspection results shared between [`Object`]s: interface definitions
/// per (bus, destination, interface name), and the interface lists of
/// object kinds (see the [module documentation](self) for the trade-off).
///
/// It is `Send` and `Sync`: one cache can serve objects on several threads
/// and buses.
///
/// ```no_run
/// # fn demo() -> sdbus::Result<()> {
/// use std::sync::Arc;
/// use sdbus::object::{IntrospectionCache, Object};
///
/// let bus = sdbus::Bus::open_system()?;
/// let cache = Arc::new(IntrospectionCache::new());
/// for name in ["dbus_2eservice", "systemd_2djournald_2eservice"] {
///     let path = format!("/org/freedesktop/systemd1/unit/{name}");
///     let unit = Object::with_cache(&bus, "org.freedesktop.systemd1", &path, Arc::clone(&cache))?;
///     println!("{}", unit.interface("Unit")?.get("ActiveState")?);
/// }
/// assert_eq!(cache.introspections(), 1, "both services share one introspection");
/// # Ok(()) }
/// ```
pub struct IntrospectionCache {
    kinds: Box<KindFn>,
    /// By bus id, then by destination.
    peers: Mutex<HashMap<BusId, HashMap<String, PeerCache>>>,
    introspections: AtomicU64,
}

/// What a cache knows about one destination on one bus.
#[derive(Default)]
struct PeerCache {
    /// Interface definitions by name.
    interfaces: HashMap<String, Arc<Interface>>,
    /// Interface lists by object kind.
    kinds: HashMap<String, InterfaceList>,
    /// Interface lists of objects without a kind, by path.
    paths: HashMap<String, InterfaceList>,
}

impl IntrospectionCache {
    /// A cache that groups objects with [`systemd_kind`].
    ///
    /// ```
    /// let cache = sdbus::object::IntrospectionCache::new();
    /// assert_eq!(cache.introspections(), 0);
    /// ```
    pub fn new() -> Self {
        Self::with_kinds(systemd_kind)
    }

    /// A cache that groups objects into kinds with `kinds` (see [`KindFn`]).
    ///
    /// ```
    /// use sdbus::object::{systemd_kind, IntrospectionCache};
    ///
    /// // Also share the introspection of a service's numbered objects.
    /// let cache = IntrospectionCache::with_kinds(|destination, path| {
    ///     if destination == "org.example.Devices" && path.starts_with("/org/example/Devices/") {
    ///         return Some("device".to_owned());
    ///     }
    ///     systemd_kind(destination, path)
    /// });
    /// # let _ = cache;
    /// ```
    pub fn with_kinds(
        kinds: impl Fn(&str, &str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        IntrospectionCache {
            kinds: Box::new(kinds),
            peers: Mutex::new(HashMap::new()),
            introspections: AtomicU64::new(0),
        }
    }

    /// A cache in which every object is its own kind: each path is
    /// introspected once (interface definitions are still shared).
    ///
    /// ```
    /// let cache = sdbus::object::IntrospectionCache::per_path();
    /// # let _ = cache;
    /// ```
    pub fn per_path() -> Self {
        Self::with_kinds(|_, _| None)
    }

    /// The process-wide cache (grouping with [`systemd_kind`]) that
    /// [`Object::new`] uses.
    ///
    /// ```
    /// let cache = sdbus::object::IntrospectionCache::global();
    /// println!("{} introspections so far", cache.introspections());
    /// ```
    pub fn global() -> Arc<IntrospectionCache> {
        static GLOBAL: OnceLock<Arc<IntrospectionCache>> = OnceLock::new();
        Arc::clone(GLOBAL.get_or_init(|| Arc::new(IntrospectionCache::new())))
    }

    /// How many `Introspect` calls objects made through this cache.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// use std::sync::Arc;
    /// use sdbus::object::{IntrospectionCache, Object};
    ///
    /// let cache = Arc::new(IntrospectionCache::new());
    /// let manager = Object::with_cache(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1", Arc::clone(&cache))?;
    /// manager.load()?;
    /// assert_eq!(cache.introspections(), 1);
    /// # Ok(()) }
    /// ```
    pub fn introspections(&self) -> u64 {
        self.introspections.load(Ordering::Relaxed)
    }

    /// Forgets everything cached, for services whose interfaces changed.
    /// Objects already loaded keep their interfaces.
    ///
    /// ```
    /// sdbus::object::IntrospectionCache::global().clear();
    /// ```
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BusId, HashMap<String, PeerCache>>> {
        // The maps stay consistent even if a thread panicked holding the
        // lock: every update is a single insertion.
        self.peers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The interfaces of the object at `path` of `destination`, from the
    /// cache or by introspecting it.
    fn interfaces(&self, bus: &Bus, destination: &str, path: &str) -> Result<InterfaceList> {
        // Without a bus id (which any connected bus has), nothing can be
        // shared safely.
        let Some(bus_id) = bus_id(bus) else {
            let node = self.introspect(bus, destination, path)?;
            return Ok(node.interfaces.into_iter().map(Arc::new).collect());
        };
        let kind = (self.kinds)(destination, path);
        let cached = self
            .lock()
            .get(&bus_id)
            .and_then(|peers| peers.get(destination))
            .and_then(|peer| match &kind {
                Some(kind) => peer.kinds.get(kind),
                None => peer.paths.get(path),
            })
            .cloned();
        if let Some(list) = cached {
            return Ok(list);
        }
        // Not holding the lock during the call.
        let node = self.introspect(bus, destination, path)?;
        let mut peers = self.lock();
        let peer = peers
            .entry(bus_id)
            .or_default()
            .entry(destination.to_owned())
            .or_default();
        let list: InterfaceList = node
            .interfaces
            .into_iter()
            .map(|interface| {
                Arc::clone(
                    peer.interfaces
                        .entry(interface.name.clone())
                        .or_insert_with(|| Arc::new(interface)),
                )
            })
            .collect();
        match kind {
            Some(kind) => peer.kinds.insert(kind, Arc::clone(&list)),
            None => peer.paths.insert(path.to_owned(), Arc::clone(&list)),
        };
        Ok(list)
    }

    fn introspect(&self, bus: &Bus, destination: &str, path: &str) -> Result<Node> {
        self.introspections.fetch_add(1, Ordering::Relaxed);
        bus.introspect(destination, path)
    }
}

impl Default for IntrospectionCache {
    /// [`IntrospectionCache::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for IntrospectionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntrospectionCache")
            .field("introspections", &self.introspections())
            .finish_non_exhaustive()
    }
}

/// An object of a service, known by its destination and path, with its
/// interfaces learned by introspection (once, on first use or on
/// [`Object::load`]).
///
/// Creating an `Object` does no I/O; it checks the names.
///
/// ```no_run
/// # fn demo() -> sdbus::Result<()> {
/// use sdbus::object::Object;
///
/// let bus = sdbus::Bus::open_system()?;
/// let unit = Object::new(&bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1/unit/dbus_2eservice")?;
/// for interface in unit.interfaces()? {
///     println!("{}", interface.name);
/// }
/// let pid = unit.interface("Service")?.get("MainPID")?;
/// let state = unit.interface("org.freedesktop.systemd1.Unit")?.get("ActiveState")?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Object<'bus> {
    bus: &'bus Bus,
    destination: BusName,
    path: ObjectPath,
    cache: Arc<IntrospectionCache>,
    interfaces: OnceCell<InterfaceList>,
}

impl<'bus> Object<'bus> {
    /// The object at `path` of `destination`, introspected through the
    /// process-wide [`IntrospectionCache::global`].
    ///
    /// An invalid bus name or path is an [`Error::Invalid`].
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let manager = sdbus::object::Object::new(bus, "org.freedesktop.login1", "/org/freedesktop/login1")?;
    /// # Ok(()) }
    /// ```
    pub fn new(bus: &'bus Bus, destination: &str, path: &str) -> Result<Self> {
        Self::with_cache(bus, destination, path, IntrospectionCache::global())
    }

    /// The object at `path` of `destination`, introspected through `cache`.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// use std::sync::Arc;
    /// use sdbus::object::{IntrospectionCache, Object};
    ///
    /// let cache = Arc::new(IntrospectionCache::per_path());
    /// let manager = Object::with_cache(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1", cache)?;
    /// # Ok(()) }
    /// ```
    pub fn with_cache(
        bus: &'bus Bus,
        destination: &str,
        path: &str,
        cache: Arc<IntrospectionCache>,
    ) -> Result<Self> {
        Ok(Object {
            bus,
            destination: BusName::try_from(destination)?,
            path: ObjectPath::try_from(path)?,
            cache,
            interfaces: OnceCell::new(),
        })
    }

    /// The bus the object is reached on.
    ///
    /// ```no_run
    /// # fn demo(object: &sdbus::object::Object<'_>) -> sdbus::Result<()> {
    /// println!("{}", object.bus().unique_name()?);
    /// # Ok(()) }
    /// ```
    pub fn bus(&self) -> &'bus Bus {
        self.bus
    }

    /// The bus name of the service.
    ///
    /// ```no_run
    /// # fn demo(object: &sdbus::object::Object<'_>) {
    /// println!("{} {}", object.destination(), object.path());
    /// # }
    /// ```
    pub fn destination(&self) -> &BusName {
        &self.destination
    }

    /// The object path.
    ///
    /// ```no_run
    /// # fn demo(object: &sdbus::object::Object<'_>) {
    /// assert!(object.path().starts_with('/'));
    /// # }
    /// ```
    pub fn path(&self) -> &ObjectPath {
        &self.path
    }

    /// Introspects the object now, if it was not already (through the
    /// cache: possibly without a call).
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let manager = sdbus::object::Object::new(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1")?;
    /// manager.load()?; // Fails here if the service cannot be introspected.
    /// # Ok(()) }
    /// ```
    pub fn load(&self) -> Result<()> {
        self.interfaces().map(|_| ())
    }

    /// The interfaces of the object, in introspection order.
    ///
    /// ```no_run
    /// # fn demo(object: &sdbus::object::Object<'_>) -> sdbus::Result<()> {
    /// for interface in object.interfaces()? {
    ///     println!("{}: {} methods", interface.name, interface.methods.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn interfaces(&self) -> Result<&[Arc<Interface>]> {
        if let Some(list) = self.interfaces.get() {
            return Ok(list);
        }
        let list = self
            .cache
            .interfaces(self.bus, &self.destination, &self.path)?;
        Ok(self.interfaces.get_or_init(|| list))
    }

    /// One of the object's interfaces, by
    ///
    /// 1. its full name (`org.freedesktop.systemd1.Unit`);
    /// 2. its name under the destination's (`Unit` on
    ///    `org.freedesktop.systemd1`);
    /// 3. its name under `org.freedesktop.DBus` (`Properties`, `Peer`,
    ///    `Introspectable`, which every object has even if its
    ///    introspection data omits them);
    /// 4. the last element of its name (`LogControl1`), if only one of the
    ///    object's interfaces ends so.
    ///
    /// Anything else is an [`Error::Invalid`] of kind
    /// [`InvalidKind::InterfaceName`]; failing to introspect is the call's
    /// error.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let manager = sdbus::object::Object::new(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1")?;
    /// assert_eq!(manager.interface("Manager")?.name(), "org.freedesktop.systemd1.Manager");
    /// assert_eq!(manager.interface("Peer")?.name(), "org.freedesktop.DBus.Peer");
    /// manager.interface("Peer")?.call("Ping", &[])?;
    /// # Ok(()) }
    /// ```
    pub fn interface(&self, name: &str) -> Result<InterfaceProxy<'_>> {
        let interfaces = self.interfaces()?;
        let ours = |matches: &dyn Fn(&str) -> bool| {
            interfaces.iter().map(|i| &**i).find(|i| matches(&i.name))
        };
        let standard = |full: &str| STANDARD.interface(full);
        let short = |prefix: &str, full: &str| {
            full.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('.'))
                == Some(name)
        };
        let found = ours(&|full| full == name)
            .or_else(|| standard(name))
            .or_else(|| ours(&|full| short(&self.destination, full)))
            .or_else(|| ours(&|full| short(STANDARD_PREFIX, full)))
            .or_else(|| standard(&format!("{STANDARD_PREFIX}.{name}")))
            .or_else(|| {
                let mut ending = interfaces
                    .iter()
                    .filter(|i| i.name.rsplit('.').next() == Some(name));
                match (ending.next(), ending.next()) {
                    (Some(only), None) => Some(&**only),
                    _ => None,
                }
            });
        match found {
            Some(interface) => Ok(InterfaceProxy {
                object: self,
                interface,
            }),
            None => Err(Error::invalid(
                InvalidKind::InterfaceName,
                format!("{name} (at {} of {})", self.path, self.destination),
                "is not an interface of the object",
            )),
        }
    }
}

impl fmt::Debug for Object<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Object")
            .field("destination", &self.destination.as_str())
            .field("path", &self.path.as_str())
            .field("loaded", &self.interfaces.get().is_some())
            .finish_non_exhaustive()
    }
}

/// One interface of an [`Object`], from [`Object::interface`]: its methods
/// called and its properties read and written by name, with [`Value`]s
/// coerced to the introspected types.
///
/// ```no_run
/// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
/// use sdbus::Value;
///
/// let manager = sdbus::object::Object::new(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1")?;
/// let manager = manager.interface("Manager")?;
/// manager.set("LogLevel", "debug")?;
/// let units = manager.call("ListUnitsByPatterns", &[Value::from(vec!["active"]), Value::from(vec!["*.service"])])?;
/// println!("{}", units[0]);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct InterfaceProxy<'a> {
    object: &'a Object<'a>,
    interface: &'a Interface,
}

impl<'a> InterfaceProxy<'a> {
    /// The interface's full name.
    ///
    /// ```no_run
    /// # fn demo(object: &sdbus::object::Object<'_>) -> sdbus::Result<()> {
    /// assert_eq!(object.interface("Properties")?.name(), "org.freedesktop.DBus.Properties");
    /// # Ok(()) }
    /// ```
    pub fn name(&self) -> &'a str {
        &self.interface.name
    }

    /// The interface's introspection data: methods, signals, properties.
    ///
    /// ```no_run
    /// # fn demo(object: &sdbus::object::Object<'_>) -> sdbus::Result<()> {
    /// for method in &object.interface("Manager")?.definition().methods {
    ///     println!("{}({})", method.name, method.in_signature());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn definition(&self) -> &'a Interface {
        self.interface
    }

    /// The object the interface belongs to.
    ///
    /// ```no_run
    /// # fn demo(object: &sdbus::object::Object<'_>) -> sdbus::Result<()> {
    /// let unit = object.interface("Unit")?;
    /// println!("{}", unit.object().path());
    /// # Ok(()) }
    /// ```
    pub fn object(&self) -> &'a Object<'a> {
        self.object
    }

    /// Calls `method` with `args`, each coerced to the type of the
    /// method's input argument at its position (see [`Value::coerce`]), and
    /// returns the reply's values.
    ///
    /// Coercion converts what the signature determines; the contents of a
    /// variant are sent as they are, since a `v` can hold any type: build
    /// them with the type the peer expects (`Value::from(vec![("/bin/true",
    /// vec!["/bin/true"], false)])` is an `a(sasb)`), or [`Value::coerce`]
    /// them first.
    ///
    /// Before anything is sent: an unknown method is an [`Error::Invalid`]
    /// of kind [`InvalidKind::MemberName`]; a wrong number of arguments, or
    /// an argument that cannot be coerced, is one of kind
    /// [`InvalidKind::Argument`] whose value names the method, its input
    /// signature and the count or the argument (and, within a container,
    /// the element that does not fit), and whose reason is why.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// use sdbus::Value;
    ///
    /// let manager = sdbus::object::Object::new(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1")?;
    /// // StartTransientUnit(ssa(sv)a(sa(sv))), from plain Rust values.
    /// let exec_start = vec![("/bin/sleep".to_owned(), vec!["/bin/sleep".to_owned(), "30".to_owned()], false)];
    /// let properties = vec![
    ///     ("Description".to_owned(), Value::from("thirty seconds")),
    ///     ("ExecStart".to_owned(), Value::from(exec_start)),
    /// ];
    /// let aux: Vec<(String, Vec<(String, Value)>)> = Vec::new();
    /// let job = manager.interface("Manager")?.call(
    ///     "StartTransientUnit",
    ///     &["sleep30.service".into(), "fail".into(), properties.into(), aux.into()],
    /// )?;
    /// println!("job {}", job[0]);
    /// # Ok(()) }
    /// ```
    pub fn call(&self, method: &str, args: &[Value]) -> Result<Vec<Value>> {
        let definition = self.interface.method(method).ok_or_else(|| {
            Error::invalid(
                InvalidKind::MemberName,
                format!("{}.{method}", self.interface.name),
                "is not a method of the interface",
            )
        })?;
        let inputs = || {
            definition
                .args
                .iter()
                .filter(|arg| arg.direction == Direction::In)
        };
        let expected = inputs().count();
        if args.len() != expected {
            return Err(Error::invalid(
                InvalidKind::Argument,
                format!(
                    "{method}({}) takes {expected} argument{}, given {}",
                    definition.in_signature(),
                    if expected == 1 { "" } else { "s" },
                    args.len()
                ),
                "wrong number of arguments",
            ));
        }
        let object = self.object;
        let mut call = object.bus.new_method_call(
            object.destination.as_str(),
            &object.path,
            &self.interface.name,
            method,
        )?;
        for (index, (arg, input)) in args.iter().zip(inputs()).enumerate() {
            append_coerced(&mut call, arg, &input.signature)
                .map_err(|err| argument_error(err, definition, index, arg))?;
        }
        let reply = object.bus.call(&call, None)?;
        Value::read_all(&reply)
    }

    /// Reads `property`.
    ///
    /// An unknown or write-only property is an [`Error::Invalid`] of kind
    /// [`InvalidKind::Property`], before any call.
    ///
    /// ```no_run
    /// # fn demo(object: &sdbus::object::Object<'_>) -> sdbus::Result<()> {
    /// let state = object.interface("Unit")?.get("ActiveState")?;
    /// assert_eq!(state.as_str(), Some("active"));
    /// # Ok(()) }
    /// ```
    pub fn get(&self, property: &str) -> Result<Value> {
        let definition = self.property(property)?;
        if !definition.access.is_readable() {
            return Err(self.property_error(property, "is write-only"));
        }
        let object = self.object;
        object.bus.get_property_value(
            &object.destination,
            &object.path,
            &self.interface.name,
            property,
        )
    }

    /// Writes `property`, with `value` coerced to its introspected type.
    ///
    /// An unknown or read-only property, or a value that cannot be
    /// coerced, is an [`Error::Invalid`] of kind [`InvalidKind::Property`],
    /// before any call; the latter's value names the property, its type and
    /// the value.
    ///
    /// ```no_run
    /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
    /// let manager = sdbus::object::Object::new(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1")?;
    /// manager.interface("Manager")?.set("LogLevel", "info")?;
    /// # Ok(()) }
    /// ```
    pub fn set(&self, property: &str, value: impl Into<Value>) -> Result<()> {
        let definition = self.property(property)?;
        if !definition.access.is_writable() {
            return Err(self.property_error(property, "is read-only"));
        }
        let value = value.into();
        let signature = &definition.signature;
        let object = self.object;
        let set = |value: &Value| {
            object.bus.set_property_value(
                &object.destination,
                &object.path,
                &self.interface.name,
                property,
                value,
            )
        };
        if has_signature(&value, signature) {
            return set(&value);
        }
        let coerced = value.clone().coerce(signature).map_err(|err| {
            let shown = value.to_string();
            let (inner, reason) = details(err);
            Error::invalid(
                InvalidKind::Property,
                format!(
                    "{}.{property} ({signature}): {shown}{}",
                    self.interface.name,
                    at_element(&shown, inner.as_deref())
                ),
                reason,
            )
        })?;
        set(&coerced)
    }

    /// Reads every property of the interface at once.
    ///
    /// ```no_run
    /// # fn demo(object: &sdbus::object::Object<'_>) -> sdbus::Result<()> {
    /// for (name, value) in &object.interface("Unit")?.get_all()? {
    ///     println!("{name} = {value}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_all(&self) -> Result<Properties> {
        let object = self.object;
        object
            .bus
            .get_all(&object.destination, &object.path, &self.interface.name)
    }

    fn property(&self, name: &str) -> Result<&'a Property> {
        self.interface
            .property(name)
            .ok_or_else(|| self.property_error(name, "is not a property of the interface"))
    }

    fn property_error(&self, name: &str, reason: &'static str) -> Error {
        Error::invalid(
            InvalidKind::Property,
            format!("{}.{name}", self.interface.name),
            reason,
        )
    }
}

impl fmt::Debug for InterfaceProxy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InterfaceProxy")
            .field("object", self.object)
            .field("interface", &self.interface.name)
            .finish()
    }
}

/// Appends `arg` coerced to `signature`, without copying it when it
/// already has that type.
fn append_coerced(call: &mut Message<'_>, arg: &Value, signature: &str) -> Result<()> {
    if has_signature(arg, signature) {
        arg.append_bare(call)
    } else if signature == "v" {
        // A `Value` appends as a variant holding it.
        arg.append_to(call)
    } else {
        arg.clone().coerce(signature)?.append_bare(call)
    }
}

/// Whether `value` has the type `signature`, without allocating.
fn has_signature(value: &Value, signature: &str) -> bool {
    let mut own = SignatureBuf::new();
    value.write_value_signature(&mut own);
    own.as_str() == signature
}

/// The error for argument `index` of `method`, which failed with `err`.
fn argument_error(err: Error, method: &Method, index: usize, arg: &Value) -> Error {
    let shown = arg.to_string();
    let (inner, reason) = details(err);
    let target = method
        .args
        .iter()
        .filter(|arg| arg.direction == Direction::In)
        .nth(index)
        .map_or("", |arg| arg.signature.as_str());
    Error::invalid(
        InvalidKind::Argument,
        format!(
            "{}({}) argument {} of type {target}: {shown}{}",
            method.name,
            method.in_signature(),
            index + 1,
            at_element(&shown, inner.as_deref())
        ),
        reason,
    )
}

/// The value and reason of a coercion error.
fn details(err: Error) -> (Option<String>, &'static str) {
    match err {
        Error::Invalid { value, reason, .. } => (Some(value), reason),
        Error::TypeMismatch { .. } => (None, "does not have the expected type"),
        _ => (None, "cannot be appended"),
    }
}

/// `", at <element>"` when the element that failed is not the whole value.
fn at_element(whole: &str, element: Option<&str>) -> String {
    match element {
        Some(element) if element != whole => format!(", at {element}"),
        _ => String::new(),
    }
}

/// Defines a typed-path object of a service (as in [`crate::login1`] and
/// [`crate::machine1`]): a newtype over [`Object`] that dereferences to it,
/// with `from_path`, `interface` (its main interface) and `into_object`.
macro_rules! typed_object {
    (
        $(#[$doc:meta])*
        $name:ident {
            module: $module:literal,
            destination: $destination:expr,
            interface: $interface:literal,
            example_path: $example_path:literal,
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name<'bus>($crate::object::Object<'bus>);

        impl<'bus> $name<'bus> {
            #[doc = concat!("The ", stringify!($name), " at `path` (such as one a method returned), introspected through the process-wide cache.")]
            ///
            /// An invalid path is an [`Error::Invalid`](crate::Error::Invalid); nothing is sent.
            ///
            /// ```no_run
            /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
            #[doc = concat!("let object = sdbus::", $module, "::", stringify!($name), "::from_path(bus, \"", $example_path, "\")?;")]
            /// # Ok(()) }
            /// ```
            pub fn from_path(bus: &'bus $crate::bus::Bus, path: &str) -> $crate::error::Result<Self> {
                $crate::object::Object::new(bus, $destination, path).map($name)
            }

            #[doc = concat!("The object's `", $interface, "` interface.")]
            ///
            /// ```no_run
            /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
            #[doc = concat!("let object = sdbus::", $module, "::", stringify!($name), "::from_path(bus, \"", $example_path, "\")?;")]
            /// for (name, value) in &object.interface()?.get_all()? {
            ///     println!("{name} = {value}");
            /// }
            /// # Ok(()) }
            /// ```
            pub fn interface(&self) -> $crate::error::Result<$crate::object::InterfaceProxy<'_>> {
                self.0.interface($interface)
            }

            /// The dynamic object.
            ///
            /// ```no_run
            /// # fn demo(bus: &sdbus::Bus) -> sdbus::Result<()> {
            #[doc = concat!("let object = sdbus::", $module, "::", stringify!($name), "::from_path(bus, \"", $example_path, "\")?;")]
            /// let object: sdbus::object::Object<'_> = object.into_object();
            /// # Ok(()) }
            /// ```
            pub fn into_object(self) -> $crate::object::Object<'bus> {
                self.0
            }
        }

        /// The dynamic object, for every interface.
        impl<'bus> std::ops::Deref for $name<'bus> {
            type Target = $crate::object::Object<'bus>;

            fn deref(&self) -> &$crate::object::Object<'bus> {
                &self.0
            }
        }
    };
}

pub(crate) use typed_object;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_interfaces_parse() {
        let names: Vec<&str> = STANDARD
            .interfaces
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "org.freedesktop.DBus.Peer",
                "org.freedesktop.DBus.Introspectable",
                "org.freedesktop.DBus.Properties"
            ]
        );
        let set = STANDARD
            .interface("org.freedesktop.DBus.Properties")
            .and_then(|i| i.method("Set"))
            .unwrap();
        assert_eq!(set.in_signature(), "ssv");
    }

    #[test]
    fn caches_are_shared_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<IntrospectionCache>();
        assert!(Arc::ptr_eq(
            &IntrospectionCache::global(),
            &IntrospectionCache::global()
        ));
    }

    #[test]
    fn systemd_kinds() {
        let kind = |path: &str| systemd_kind(SYSTEMD, path);
        for unit_type in crate::systemd1::UNIT_TYPES {
            assert_eq!(
                kind(&format!(
                    "/org/freedesktop/systemd1/unit/a_2eb_2e{unit_type}"
                )),
                Some(format!("unit.{unit_type}"))
            );
        }
        // `_` is escaped as `_5f`, so `x_2eservice.socket` is a socket.
        assert_eq!(
            kind("/org/freedesktop/systemd1/unit/x_5f2eservice_2esocket").as_deref(),
            Some("unit.socket")
        );
        for path in [
            "/org/freedesktop/systemd1",
            "/org/freedesktop/systemd1/unit",
            "/org/freedesktop/systemd1/unit/self",
            "/org/freedesktop/systemd1/unit/foo_2ebar",
            "/org/freedesktop/systemd1/unit/foo_2eservice/x",
            "/org/freedesktop/systemd1/job",
            "/org/freedesktop/systemd1/job/1/2",
            "/org/freedesktop/systemd1x/job/1",
        ] {
            assert_eq!(kind(path), None, "{path}");
        }
    }

    #[test]
    fn argument_errors_name_method_signature_and_value() {
        let node = Node::parse(
            r#"<node><interface name="a.B"><method name="M">
                <arg type="s" direction="in"/><arg type="a(sv)" direction="in"/>
                <arg type="u" direction="out"/>
            </method></interface></node>"#,
        )
        .unwrap();
        let method = node.interfaces[0].method("M").unwrap();
        let arg = Value::from(vec![Value::from(("x", 1u8)), Value::from(5u32)]);
        let err = arg.clone().coerce("a(sv)").unwrap_err();
        match argument_error(err, method, 1, &arg) {
            Error::Invalid {
                kind: InvalidKind::Argument,
                value,
                reason,
            } => {
                assert_eq!(
                    value,
                    "M(sa(sv)) argument 2 of type a(sv): [<(\"x\", 1)>, <5>], at 5"
                );
                assert_eq!(reason, "cannot be converted to a struct ((…))");
            }
            other => panic!("{other:?}"),
        }
    }
}
