//! Safe Rust bindings to libsystemd's sd-bus.

pub mod bus;
mod callback;
pub mod creds;
mod cstr;
pub mod error;
pub mod introspect;
pub mod message;
pub mod monitor;
pub mod names;
pub mod path;
pub mod properties;
pub mod slot;
pub mod types;

pub use bus::{Bus, BusBuilder, ManagerScope};
pub use creds::Credentials;
pub use error::{BusError, BusErrorKind, Error, InvalidKind, Result};
pub use message::{ContainerKind, Message, MessageType};
pub use monitor::Monitor;
pub use properties::{Properties, PropertiesChanged};
pub use slot::{PendingReply, Slot, Subscription};
pub use types::{Append, AppendArgs, Array, Dict, IntoValue, Read, ReadArgs, SignatureBuf, Type, Value, Variant};
