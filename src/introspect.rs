//! Introspection: what objects, interfaces, methods, signals and properties
//! a peer offers, from `org.freedesktop.DBus.Introspectable.Introspect`.
//!
//! [`Bus::introspect`] asks a peer for the introspection XML of an object
//! and parses it into a [`Node`]; [`Node::parse`] parses XML from anywhere.
//!
//! ```no_run
//! # fn demo() -> sdbus::Result<()> {
//! let bus = sdbus::Bus::open_system()?;
//! let node = bus.introspect("org.freedesktop.systemd1", "/org/freedesktop/systemd1")?;
//! let manager = node.interface("org.freedesktop.systemd1.Manager").expect("the manager interface");
//! for method in &manager.methods {
//!     println!("{}({}) -> ({})", method.name, method.in_signature(), method.out_signature());
//! }
//! println!("children: {:?}", node.children);
//! # Ok(()) }
//! ```

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::bus::Bus;
use crate::error::{Error, InvalidKind, Result};

/// The annotation that says whether and how a property announces changes.
const EMITS_CHANGED_SIGNAL: &str = "org.freedesktop.DBus.Property.EmitsChangedSignal";

/// The longest excerpt of bad XML quoted in an error.
const EXCERPT_LEN: usize = 64;

impl Bus {
    /// Introspects the object at `path` of `destination`: its interfaces
    /// and the names of its child objects.
    ///
    /// Malformed XML from the peer is an [`Error::Invalid`] of kind
    /// [`InvalidKind::Introspection`].
    ///
    /// ```no_run
    /// # fn demo() -> sdbus::Result<()> {
    /// let bus = sdbus::Bus::open_system()?;
    /// let node = bus.introspect("org.freedesktop.systemd1", "/org/freedesktop/systemd1")?;
    /// let version = node
    ///     .interface("org.freedesktop.systemd1.Manager")
    ///     .and_then(|manager| manager.property("Version"))
    ///     .expect("the manager has a version");
    /// assert!(version.is_const());
    /// # Ok(()) }
    /// ```
    pub fn introspect(&self, destination: &str, path: &str) -> Result<Node> {
        let reply = self.call_method(
            destination,
            path,
            "org.freedesktop.DBus.Introspectable",
            "Introspect",
            &(),
        )?;
        let xml: &str = reply.read()?;
        Node::parse(xml)
    }
}

/// An introspected object: its interfaces and the names of its children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// The interfaces the object implements, in document order.
    pub interfaces: Vec<Interface>,
    /// The names of the child objects, relative to this one (`"unit"` for
    /// `/org/freedesktop/systemd1/unit` below `/org/freedesktop/systemd1`).
    pub children: Vec<String>,
}

/// An interface of an introspected object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interface {
    /// The interface name, such as `org.freedesktop.systemd1.Manager`.
    pub name: String,
    /// Its methods.
    pub methods: Vec<Method>,
    /// Its signals.
    pub signals: Vec<Signal>,
    /// Its properties.
    pub properties: Vec<Property>,
    /// Annotations of the whole interface.
    pub annotations: Vec<Annotation>,
}

/// A method of an interface.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Method {
    /// The method name.
    pub name: String,
    /// Its arguments, in and out, in document order.
    pub args: Vec<Arg>,
    /// Its annotations.
    pub annotations: Vec<Annotation>,
}

/// A signal of an interface.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signal {
    /// The signal name.
    pub name: String,
    /// Its arguments (all [`Direction::Out`]).
    pub args: Vec<Arg>,
    /// Its annotations.
    pub annotations: Vec<Annotation>,
}

/// An argument of a method or a signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The argument's name, which is optional in introspection data.
    pub name: Option<String>,
    /// Its type signature (one complete type).
    pub signature: String,
    /// Whether the caller sends it (`In`) or receives it (`Out`).
    pub direction: Direction,
}

/// Which way an [`Arg`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// A method argument sent by the caller (the default for methods).
    In,
    /// A method result, or a signal argument (the default for signals).
    Out,
}

/// A property of an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The property name.
    pub name: String,
    /// Its type signature.
    pub signature: String,
    /// Whether it can be read, written or both.
    pub access: Access,
    /// Its own annotations (those of its interface apply too; see
    /// [`Property::emits_change`]).
    pub annotations: Vec<Annotation>,
    /// `EmitsChangedSignal` as annotated on the interface, filled in by the
    /// parser.
    interface_emits_change: Option<EmitsChange>,
}

/// Whether a property can be read, written or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// `access="read"`.
    Read,
    /// `access="write"`.
    Write,
    /// `access="readwrite"`.
    ReadWrite,
}

impl Access {
    /// Whether the property can be read.
    pub fn is_readable(self) -> bool {
        matches!(self, Access::Read | Access::ReadWrite)
    }

    /// Whether the property can be written.
    pub fn is_writable(self) -> bool {
        matches!(self, Access::Write | Access::ReadWrite)
    }
}

/// How a property announces its changes, from the
/// `org.freedesktop.DBus.Property.EmitsChangedSignal` annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmitsChange {
    /// `PropertiesChanged` carries the new value (the default).
    True,
    /// `PropertiesChanged` names the property as invalidated, without its
    /// value.
    Invalidates,
    /// The value never changes while the object exists.
    Const,
    /// Changes are not announced.
    False,
}

impl EmitsChange {
    fn from_annotations(annotations: &[Annotation]) -> Option<EmitsChange> {
        let annotation = annotations
            .iter()
            .rev()
            .find(|a| a.name == EMITS_CHANGED_SIGNAL)?;
        match annotation.value.as_str() {
            "true" => Some(EmitsChange::True),
            "invalidates" => Some(EmitsChange::Invalidates),
            "const" => Some(EmitsChange::Const),
            "false" => Some(EmitsChange::False),
            // An unknown value says nothing: fall back as if absent.
            _ => None,
        }
    }
}

/// An annotation: a name and a value, attached to an interface, a method,
/// a signal or a property.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotation {
    /// The annotation name, such as `org.freedesktop.DBus.Deprecated`.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl Node {
    /// Parses introspection XML, as returned by
    /// `org.freedesktop.DBus.Introspectable.Introspect`.
    ///
    /// Elements this parser does not know (such as documentation) are
    /// skipped. Malformed XML, a root element other than `<node>` and
    /// missing or unknown required attributes are an [`Error::Invalid`] of
    /// kind [`InvalidKind::Introspection`] quoting the offending part.
    ///
    /// ```
    /// use sdbus::introspect::{Access, Node};
    ///
    /// let node = Node::parse(
    ///     r#"<node>
    ///          <interface name="com.example.Counter">
    ///            <method name="Add"><arg type="u" direction="in"/><arg type="u" direction="out"/></method>
    ///            <property name="Count" type="u" access="read"/>
    ///          </interface>
    ///          <node name="child"/>
    ///        </node>"#,
    /// )?;
    /// let counter = node.interface("com.example.Counter").unwrap();
    /// assert_eq!(counter.method("Add").unwrap().in_signature(), "u");
    /// assert_eq!(counter.property("Count").unwrap().access, Access::Read);
    /// assert_eq!(node.children, ["child"]);
    /// assert!(Node::parse("<node><interface></node>").is_err());
    /// # Ok::<(), sdbus::Error>(())
    /// ```
    pub fn parse(xml: &str) -> Result<Node> {
        Parser::new(xml).parse()
    }

    /// The interface called `name`, if the object has it.
    pub fn interface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }
}

impl Interface {
    /// The method called `name`.
    pub fn method(&self, name: &str) -> Option<&Method> {
        self.methods.iter().find(|m| m.name == name)
    }

    /// The signal called `name`.
    pub fn signal(&self, name: &str) -> Option<&Signal> {
        self.signals.iter().find(|s| s.name == name)
    }

    /// The property called `name`.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }
}

impl Method {
    /// The signature of the arguments the caller sends.
    pub fn in_signature(&self) -> String {
        concat_signatures(&self.args, Direction::In)
    }

    /// The signature of the reply.
    pub fn out_signature(&self) -> String {
        concat_signatures(&self.args, Direction::Out)
    }
}

impl Signal {
    /// The signature of the signal's body.
    pub fn signature(&self) -> String {
        concat_signatures(&self.args, Direction::Out)
    }
}

impl Property {
    /// How the property announces changes: its own
    /// `org.freedesktop.DBus.Property.EmitsChangedSignal` annotation, else
    /// its interface's, else [`EmitsChange::True`].
    pub fn emits_change(&self) -> EmitsChange {
        EmitsChange::from_annotations(&self.annotations)
            .or(self.interface_emits_change)
            .unwrap_or(EmitsChange::True)
    }

    /// Whether the property never changes ([`EmitsChange::Const`]).
    pub fn is_const(&self) -> bool {
        self.emits_change() == EmitsChange::Const
    }
}

fn concat_signatures(args: &[Arg], direction: Direction) -> String {
    args.iter()
        .filter(|a| a.direction == direction)
        .map(|a| a.signature.as_str())
        .collect()
}

/// What the parser is inside of.
enum Frame {
    /// The root `<node>`.
    Root(Node),
    Interface(Interface),
    Method(Method),
    Signal(Signal),
    Property(Property),
    /// Something whose contents are skipped: a child `<node>`, an `<arg>`,
    /// an `<annotation>`, an unknown element.
    Skipped,
}

struct Parser<'x> {
    xml: &'x str,
    reader: Reader<&'x [u8]>,
    stack: Vec<Frame>,
    root: Option<Node>,
}

impl<'x> Parser<'x> {
    fn new(xml: &'x str) -> Self {
        Parser {
            xml,
            reader: Reader::from_str(xml),
            stack: Vec::new(),
            root: None,
        }
    }

    fn parse(mut self) -> Result<Node> {
        loop {
            let event = self.reader.read_event().map_err(|_| {
                let at = usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
                self.malformed_at(at, "malformed introspection XML")
            })?;
            match event {
                Event::Start(element) => self.open(&element)?,
                Event::Empty(element) => {
                    self.open(&element)?;
                    self.close()?;
                }
                Event::End(_) => self.close()?,
                Event::Eof => break,
                // Declarations, the doctype, comments, text: nothing to keep.
                _ => {}
            }
        }
        match self.root {
            Some(node) if self.stack.is_empty() => Ok(node),
            _ => Err(self.malformed_at(
                self.xml.len(),
                "introspection XML ends before its root <node> is closed",
            )),
        }
    }

    /// Pushes the frame for a new element.
    fn open(&mut self, element: &BytesStart<'_>) -> Result<()> {
        let name = element.name();
        let name = name.as_ref();
        let frame = match self.stack.last_mut() {
            None if self.root.is_some() => {
                return Err(malformed_element(
                    element,
                    "introspection XML has more than one root element",
                ))
            }
            None if name == b"node" => Frame::Root(Node::default()),
            None => {
                return Err(malformed_element(
                    element,
                    "introspection XML's root element is not <node>",
                ))
            }
            Some(Frame::Root(node)) => match name {
                b"interface" => Frame::Interface(Interface {
                    name: required(element, "name")?,
                    ..Interface::default()
                }),
                b"node" => {
                    node.children.push(required(element, "name")?);
                    Frame::Skipped
                }
                _ => Frame::Skipped,
            },
            Some(Frame::Interface(_)) => match name {
                b"method" => Frame::Method(Method {
                    name: required(element, "name")?,
                    ..Method::default()
                }),
                b"signal" => Frame::Signal(Signal {
                    name: required(element, "name")?,
                    ..Signal::default()
                }),
                b"property" => Frame::Property(Property {
                    name: required(element, "name")?,
                    signature: required(element, "type")?,
                    access: match required(element, "access")?.as_str() {
                        "read" => Access::Read,
                        "write" => Access::Write,
                        "readwrite" => Access::ReadWrite,
                        _ => {
                            return Err(malformed_element(
                                element,
                                "unknown property access in introspection XML",
                            ))
                        }
                    },
                    annotations: Vec::new(),
                    interface_emits_change: None,
                }),
                _ => Frame::Skipped,
            },
            Some(Frame::Method(method)) => {
                if name == b"arg" {
                    let direction = match attribute(element, "direction")?.as_deref() {
                        None | Some("in") => Direction::In,
                        Some("out") => Direction::Out,
                        Some(_) => {
                            return Err(malformed_element(
                                element,
                                "unknown argument direction in introspection XML",
                            ))
                        }
                    };
                    method.args.push(parse_arg(element, direction)?);
                }
                Frame::Skipped
            }
            Some(Frame::Signal(signal)) => {
                if name == b"arg" {
                    signal.args.push(parse_arg(element, Direction::Out)?);
                }
                Frame::Skipped
            }
            Some(Frame::Property(_)) | Some(Frame::Skipped) => Frame::Skipped,
        };
        if name == b"annotation" {
            let annotations = match self.stack.last_mut() {
                Some(Frame::Interface(i)) => Some(&mut i.annotations),
                Some(Frame::Method(m)) => Some(&mut m.annotations),
                Some(Frame::Signal(s)) => Some(&mut s.annotations),
                Some(Frame::Property(p)) => Some(&mut p.annotations),
                _ => None,
            };
            if let Some(annotations) = annotations {
                annotations.push(Annotation {
                    name: required(element, "name")?,
                    value: required(element, "value")?,
                });
            }
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Pops the innermost frame and attaches what it built to its parent.
    fn close(&mut self) -> Result<()> {
        let frame = self.stack.pop();
        match (frame, self.stack.last_mut()) {
            (Some(Frame::Root(node)), None) => self.root = Some(node),
            (Some(Frame::Interface(mut interface)), Some(Frame::Root(node))) => {
                let inherited = EmitsChange::from_annotations(&interface.annotations);
                for property in &mut interface.properties {
                    property.interface_emits_change = inherited;
                }
                node.interfaces.push(interface);
            }
            (Some(Frame::Method(method)), Some(Frame::Interface(interface))) => {
                interface.methods.push(method)
            }
            (Some(Frame::Signal(signal)), Some(Frame::Interface(interface))) => {
                interface.signals.push(signal)
            }
            (Some(Frame::Property(property)), Some(Frame::Interface(interface))) => {
                interface.properties.push(property)
            }
            (Some(Frame::Skipped), Some(_)) => {}
            // quick-xml checks that end tags match start tags, so an end tag
            // without an open element is the only way to get here.
            _ => {
                let at = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
                return Err(self.malformed_at(at, "malformed introspection XML"));
            }
        }
        Ok(())
    }

    /// An error quoting the XML from byte `at` on.
    fn malformed_at(&self, at: usize, reason: &'static str) -> Error {
        let rest = self.xml.get(at.min(self.xml.len())..).unwrap_or(self.xml);
        // Never cut a character in half.
        let end = (0..=EXCERPT_LEN.min(rest.len()))
            .rev()
            .find(|&i| rest.is_char_boundary(i))
            .unwrap_or(0);
        Error::invalid(InvalidKind::Introspection, &rest[..end], reason)
    }
}

/// An error quoting an element's start tag.
fn malformed_element(element: &BytesStart<'_>, reason: &'static str) -> Error {
    Error::invalid(InvalidKind::Introspection, start_tag(element), reason)
}

/// An element's start tag as text, for error messages.
fn start_tag(element: &BytesStart<'_>) -> String {
    format!("<{}>", String::from_utf8_lossy(element))
}

/// The unescaped value of attribute `key`, if present. Every attribute is
/// checked, so a malformed or repeated one is an error.
fn attribute(element: &BytesStart<'_>, key: &str) -> Result<Option<String>> {
    let malformed = || malformed_element(element, "malformed introspection XML");
    let mut found = None;
    for attr in element.attributes() {
        let attr = attr.map_err(|_| malformed())?;
        if attr.key.as_ref() == key.as_bytes() {
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|_| malformed())?;
            found = Some(value.into_owned());
        }
    }
    Ok(found)
}

/// The value of attribute `key`, which the element must have.
fn required(element: &BytesStart<'_>, key: &str) -> Result<String> {
    attribute(element, key)?.ok_or_else(|| {
        Error::invalid(
            InvalidKind::Introspection,
            start_tag(element),
            "introspection XML element lacks a required attribute",
        )
    })
}

fn parse_arg(element: &BytesStart<'_>, direction: Direction) -> Result<Arg> {
    Ok(Arg {
        name: attribute(element, "name")?,
        signature: required(element, "type")?,
        direction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node name="/com/example/Thing">
 <!-- a comment -->
 <interface name="com.example.Thing">
  <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="invalidates"/>
  <method name="Frobnicate">
   <arg type="s" name="what" direction="in"/>
   <arg type="a{sv}" direction="in"/>
   <arg type="(uo)" name="result" direction="out"/>
   <arg type="b"/>
   <annotation name="org.freedesktop.DBus.Deprecated" value="true"/>
  </method>
  <method name="Nothing"/>
  <signal name="Changed">
   <arg type="u" name="id"/>
   <arg type="o"/>
  </signal>
  <property name="Name" type="s" access="read">
   <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="const"/>
  </property>
  <property name="Size" type="t" access="readwrite"/>
  <property name="Secret" type="ay" access="write">
   <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="false"/>
  </property>
  <doc:doc><doc:summary>ignored <b>text</b></doc:summary></doc:doc>
 </interface>
 <interface name="com.example.Plain">
  <property name="Quote" type="s" access="read"><annotation name="x.y" value="a &amp; &quot;b&quot;"/></property>
 </interface>
 <node name="child_a"/>
 <node name="child_b">
  <interface name="com.example.Nested"/>
  <node name="grandchild"/>
 </node>
</node>
"#;

    #[test]
    fn parses_a_full_document() {
        let node = Node::parse(SAMPLE).unwrap();
        assert_eq!(
            node.children,
            ["child_a", "child_b"],
            "grandchildren are not children"
        );
        assert_eq!(
            node.interfaces.len(),
            2,
            "nested nodes' interfaces are not ours"
        );
        assert!(node.interface("com.example.Nested").is_none());

        let thing = node.interface("com.example.Thing").unwrap();
        assert_eq!(
            thing.annotations,
            [Annotation {
                name: EMITS_CHANGED_SIGNAL.into(),
                value: "invalidates".into()
            }]
        );
        let frob = thing.method("Frobnicate").unwrap();
        assert_eq!(frob.in_signature(), "sa{sv}b");
        assert_eq!(frob.out_signature(), "(uo)");
        assert_eq!(frob.args[0].name.as_deref(), Some("what"));
        assert_eq!(frob.args[1].name, None);
        assert_eq!(
            frob.args[3].direction,
            Direction::In,
            "methods' args default to in"
        );
        assert_eq!(frob.annotations[0].name, "org.freedesktop.DBus.Deprecated");
        let nothing = thing.method("Nothing").unwrap();
        assert!(nothing.args.is_empty());
        assert_eq!(
            (
                nothing.in_signature().as_str(),
                nothing.out_signature().as_str()
            ),
            ("", "")
        );

        let changed = thing.signal("Changed").unwrap();
        assert_eq!(changed.signature(), "uo");
        assert!(changed.args.iter().all(|a| a.direction == Direction::Out));
        assert_eq!(changed.args[1].name, None);

        let name = thing.property("Name").unwrap();
        assert_eq!((name.signature.as_str(), name.access), ("s", Access::Read));
        assert_eq!(name.emits_change(), EmitsChange::Const);
        assert!(name.is_const());
        let size = thing.property("Size").unwrap();
        assert_eq!(size.access, Access::ReadWrite);
        assert!(size.access.is_readable() && size.access.is_writable());
        assert_eq!(
            size.emits_change(),
            EmitsChange::Invalidates,
            "inherited from the interface"
        );
        let secret = thing.property("Secret").unwrap();
        assert_eq!(
            (secret.access, secret.emits_change()),
            (Access::Write, EmitsChange::False)
        );
        assert!(!secret.access.is_readable());
        assert!(thing.property("Missing").is_none() && thing.method("Changed").is_none());

        let quote = node
            .interface("com.example.Plain")
            .unwrap()
            .property("Quote")
            .unwrap();
        assert_eq!(quote.emits_change(), EmitsChange::True, "the default");
        assert_eq!(quote.annotations[0].value, r#"a & "b""#);
    }

    #[test]
    fn empty_node() {
        assert_eq!(Node::parse("<node/>").unwrap(), Node::default());
        assert_eq!(
            Node::parse("<?xml version=\"1.0\"?><node></node>").unwrap(),
            Node::default()
        );
    }

    fn refused(xml: &str) -> (String, &'static str) {
        match Node::parse(xml) {
            Err(Error::Invalid {
                kind: InvalidKind::Introspection,
                value,
                reason,
            }) => (value, reason),
            other => panic!("{xml:?} gave {other:?}"),
        }
    }

    #[test]
    fn malformed_xml_is_a_typed_error() {
        for xml in [
            "",
            "not xml",
            "<node>",
            "<node><interface name=\"a.b\"></node>",
            "<node></interface></node>",
            "<node><method name=\"x\"</node>",
            "<node/><node/>",
            "<node><interface name=\"a\" name=\"b\"/></node>",
        ] {
            let (_, reason) = refused(xml);
            assert!(reason.contains("introspection XML"), "{xml:?}: {reason}");
        }
        let (value, reason) = refused("<interface name=\"a.b\"/>");
        assert_eq!(
            (value.as_str(), reason),
            (
                "<interface name=\"a.b\">",
                "introspection XML's root element is not <node>"
            )
        );
        let (value, _) = refused("<node><interface name=\"a.b\"><property name=\"P\" type=\"s\" access=\"sometimes\"/></interface></node>");
        assert_eq!(
            value,
            "<property name=\"P\" type=\"s\" access=\"sometimes\">"
        );
        let (value, reason) = refused("<node><interface name=\"a.b\"><method name=\"M\"><arg name=\"x\"/></method></interface></node>");
        assert_eq!(
            (value.as_str(), reason),
            (
                "<arg name=\"x\">",
                "introspection XML element lacks a required attribute"
            )
        );
        let (value, _) = refused("<node><interface name=\"a.b\"><method name=\"M\"><arg type=\"s\" direction=\"sideways\"/></method></interface></node>");
        assert!(value.contains("sideways"));
        let (value, _) = refused("<node><node/></node>");
        assert_eq!(value, "<node>");
        // Excerpts are bounded and never split a character.
        let long = format!("<node>{}", "é".repeat(200));
        let (value, _) = refused(&format!("{long}<"));
        assert!(value.len() <= EXCERPT_LEN);
    }
}
