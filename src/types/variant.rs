//! [`Variant<T>`]: a variant (`v`) whose contents have a type known at
//! compile time.

use std::ops::{Deref, DerefMut};

use super::basic::end_of_container;
use super::container::in_container;
use super::{Append, IntoValue, Read, SignatureBuf, Type, Value};
use crate::error::{Error, Result};
use crate::message::{ContainerKind, Message};

/// A variant (`v`) holding a `T`.
///
/// Appending writes a variant whose contents have `T`'s signature; reading
/// accepts only a variant holding exactly that signature, and otherwise fails
/// with an [`Error::TypeMismatch`] naming the expected and the actual
/// contents. For variants whose contents are only known at run time, use
/// [`Value`].
///
/// ```
/// use sdbus::types::{Type, Variant};
///
/// assert_eq!(Variant::<u32>::signature(), "v");
/// assert_eq!(Vec::<(String, Variant<u32>)>::signature(), "a(sv)");
/// let v = Variant(42u32);
/// assert_eq!(*v, 42);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Variant<T>(pub T);

impl<T> Variant<T> {
    /// The value inside.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Variant<T> {
    fn from(value: T) -> Self {
        Variant(value)
    }
}

impl<T> Deref for Variant<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Variant<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Type> Type for Variant<T> {
    #[inline]
    fn write_signature(sig: &mut SignatureBuf) {
        sig.push(b'v');
    }
}

impl<T: Append> Append for Variant<T> {
    #[inline]
    fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
        let mut contents = SignatureBuf::new();
        T::write_signature(&mut contents);
        in_container(msg, ContainerKind::Variant, &mut contents, |msg| {
            self.0.append_to(msg)
        })
    }
}

impl<'m, T: Read<'m>> Read<'m> for Variant<T> {
    fn read_from(msg: &'m Message<'_>) -> Result<Self> {
        let mut contents = SignatureBuf::new();
        T::write_signature(&mut contents);
        match msg.enter_container(ContainerKind::Variant, Some(contents.as_cstr()?)) {
            Ok(true) => {}
            Ok(false) => return Err(end_of_container("v")),
            Err(Error::TypeMismatch { found, .. }) => {
                return Err(contents_mismatch(msg, contents.as_str(), found))
            }
            Err(e) => return Err(e),
        }
        let value = T::read_from(msg)?;
        msg.exit_container()?;
        Ok(Variant(value))
    }
}

/// The error for a variant that does not hold `expected`: names the
/// variant's actual contents, or what is there instead of a variant.
fn contents_mismatch(msg: &Message<'_>, expected: &str, found: String) -> Error {
    match msg.peek_type() {
        Ok(Some((b'v', Some(actual)))) => Error::TypeMismatch {
            expected: expected.to_owned(),
            found: actual.to_owned(),
        },
        _ => Error::TypeMismatch {
            expected: "v".to_owned(),
            found,
        },
    }
}

impl<T: IntoValue> IntoValue for Variant<T> {
    fn into_value(self) -> Value {
        Value::Variant(Box::new(self.0.into_value()))
    }
}

impl<T: IntoValue> From<Variant<T>> for Value {
    fn from(variant: Variant<T>) -> Value {
        variant.into_value()
    }
}
