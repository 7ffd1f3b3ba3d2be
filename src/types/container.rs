//! Containers: arrays (`[T]`, `Vec<T>`, `[T; N]`), dicts (`HashMap`,
//! `BTreeMap`), structs (tuples of 1 to 12 elements), argument lists
//! (tuples of 0 to 12 elements), and forwarding through references and
//! smart pointers.

use std::collections::{BTreeMap, HashMap};
use std::ffi::CStr;
use std::hash::{BuildHasher, Hash};
use std::rc::Rc;
use std::sync::Arc;

use super::basic::{end_of_container, is_basic};
use super::{Append, AppendArgs, IntoValue, Read, ReadArgs, SignatureBuf, Type, Value};
use crate::error::{Error, InvalidKind, Result};
use crate::message::{ContainerKind, Message};

/// Opens a container holding `contents`, runs `body`, and closes it.
#[inline]
pub(crate) fn in_container<'bus>(
    msg: &mut Message<'bus>,
    kind: ContainerKind,
    contents: &mut SignatureBuf,
    body: impl FnOnce(&mut Message<'bus>) -> Result<()>,
) -> Result<()> {
    msg.open_container(kind, contents.as_cstr()?)?;
    body(msg)?;
    msg.close_container()
}

/// Enters a container that must hold `contents`. Being at the end of the
/// current container is a type mismatch.
#[inline]
pub(crate) fn enter(
    msg: &Message<'_>,
    kind: ContainerKind,
    contents: &mut SignatureBuf,
) -> Result<()> {
    if msg.enter_container(kind, Some(contents.as_cstr()?))? {
        return Ok(());
    }
    let contents = contents.as_str();
    Err(end_of_container(match kind {
        ContainerKind::Array => format!("a{contents}"),
        ContainerKind::Variant => "v".to_owned(),
        ContainerKind::Struct => format!("({contents})"),
        ContainerKind::DictEntry => format!("{{{contents}}}"),
    }))
}

/// Enters a container of `kind`, whatever it holds. Being at the end of the
/// current container is a type mismatch.
#[inline]
pub(crate) fn enter_any(msg: &Message<'_>, kind: ContainerKind) -> Result<()> {
    if msg.enter_container(kind, None)? {
        Ok(())
    } else {
        Err(end_of_container(char::from(kind.type_char() as u8)))
    }
}

/// Reads the items of the container just entered with `read_item`, then
/// leaves it.
#[inline]
pub(crate) fn read_items<T>(
    msg: &Message<'_>,
    mut read_item: impl FnMut() -> Result<T>,
) -> Result<Vec<T>> {
    let mut items = Vec::new();
    while !msg.at_end(false)? {
        items.push(read_item()?);
    }
    msg.exit_container()?;
    Ok(items)
}

/// Appends `items` as an array, element by element.
pub(crate) fn append_each<T: Append>(items: &[T], msg: &mut Message<'_>) -> Result<()> {
    let mut element = SignatureBuf::new();
    T::write_signature(&mut element);
    in_container(msg, ContainerKind::Array, &mut element, |msg| {
        items.iter().try_for_each(|item| item.append_to(msg))
    })
}

/// Reads an array, element by element.
pub(crate) fn read_each<'m, T: Read<'m>>(msg: &'m Message<'_>) -> Result<Vec<T>> {
    let mut element = SignatureBuf::new();
    T::write_signature(&mut element);
    enter(msg, ContainerKind::Array, &mut element)?;
    read_items(msg, || T::read_from(msg))
}

/// The signature of a dict's array contents, `{kv}`, from that of its
/// entries, `kv`: refuses a key that is not of a basic type, as D-Bus does.
fn dict_array_signature(entry: &SignatureBuf) -> Result<SignatureBuf> {
    let entry = entry.as_str();
    if !entry.bytes().next().is_some_and(is_basic) {
        return Err(Error::invalid(
            InvalidKind::Signature,
            format!("a{{{entry}}}"),
            "dict key is not a basic type",
        ));
    }
    let mut array = SignatureBuf::new();
    array.push(b'{');
    array.push_str(entry);
    array.push(b'}');
    Ok(array)
}

/// Appends a dict whose entries have the signature `entry` (`kv`), calling
/// `append_entry` inside each dict entry.
pub(crate) fn append_entries<'bus, E>(
    msg: &mut Message<'bus>,
    entry: &mut SignatureBuf,
    entries: impl Iterator<Item = E>,
    mut append_entry: impl FnMut(&mut Message<'bus>, E) -> Result<()>,
) -> Result<()> {
    let mut array = dict_array_signature(entry)?;
    let entry = entry.as_cstr()?;
    in_container(msg, ContainerKind::Array, &mut array, |msg| {
        for item in entries {
            msg.open_container(ContainerKind::DictEntry, entry)?;
            append_entry(msg, item)?;
            msg.close_container()?;
        }
        Ok(())
    })
}

/// Reads the dict entries of the array just entered, calling `read_entry`
/// inside each, then leaves the array.
pub(crate) fn read_entries(
    msg: &Message<'_>,
    entry: Option<&CStr>,
    mut read_entry: impl FnMut() -> Result<()>,
) -> Result<()> {
    // Entering fails softly (`false`) at the end of the array.
    while msg.enter_container(ContainerKind::DictEntry, entry)? {
        read_entry()?;
        msg.exit_container()?;
    }
    msg.exit_container()
}

macro_rules! arrays {
    ($(impl[$($generic:tt)*] for $ty:ty;)*) => {$(
        impl<$($generic)*> Type for $ty
        where
            T: Type,
        {
            #[inline]
            fn write_signature(sig: &mut SignatureBuf) {
                sig.push(b'a');
                T::write_signature(sig);
            }
        }

        impl<$($generic)*> Append for $ty
        where
            T: Append,
        {
            #[inline]
            fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
                T::append_slice(self, msg)
            }
        }
    )*};
}

arrays! {
    impl[T] for [T];
    impl[T] for Vec<T>;
    impl[T, const N: usize] for [T; N];
}

impl<'m, T: Read<'m>> Read<'m> for Vec<T> {
    #[inline]
    fn read_from(msg: &'m Message<'_>) -> Result<Self> {
        T::read_vec(msg)
    }
}

impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::array_unchecked(
            T::signature(),
            self.into_iter().map(IntoValue::into_value).collect(),
        )
    }
}

impl<T: IntoValue> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        items.into_value()
    }
}

/// Writes the signature of a dict entry's contents (`kv`).
fn write_entry_signature<K: Type, V: Type>(sig: &mut SignatureBuf) {
    K::write_signature(sig);
    V::write_signature(sig);
}

/// Appends `entries` as a dict (`a{kv}`).
fn append_dict<'a, K: Append + 'a, V: Append + 'a>(
    msg: &mut Message<'_>,
    entries: impl Iterator<Item = (&'a K, &'a V)>,
) -> Result<()> {
    let mut entry = SignatureBuf::new();
    write_entry_signature::<K, V>(&mut entry);
    append_entries(msg, &mut entry, entries, |msg, (key, value)| {
        key.append_to(msg)?;
        value.append_to(msg)
    })
}

/// Reads a dict (`a{kv}`) into any collection of pairs.
fn read_dict<'m, K: Read<'m>, V: Read<'m>, M: Default + Extend<(K, V)>>(
    msg: &'m Message<'_>,
) -> Result<M> {
    let mut entry = SignatureBuf::new();
    write_entry_signature::<K, V>(&mut entry);
    enter(
        msg,
        ContainerKind::Array,
        &mut dict_array_signature(&entry)?,
    )?;
    // The entries are gathered first and then handed over at once, so that a
    // hash map reserves room for all of them in one go (its `extend` does)
    // instead of growing, and rehashing every key, as entries arrive.
    let mut entries = Vec::new();
    read_entries(msg, Some(entry.as_cstr()?), || {
        let key = K::read_from(msg)?;
        let value = V::read_from(msg)?;
        entries.push((key, value));
        Ok(())
    })?;
    let mut map = M::default();
    map.extend(entries);
    Ok(map)
}

/// Converts dict entries into a [`Value::Dict`].
fn dict_into_value<K: IntoValue, V: IntoValue>(entries: impl Iterator<Item = (K, V)>) -> Value {
    let mut entry = SignatureBuf::new();
    write_entry_signature::<K, V>(&mut entry);
    Value::dict_unchecked(
        entry.as_str().to_owned(),
        entries
            .map(|(k, v)| (k.into_value(), v.into_value()))
            .collect(),
    )
}

macro_rules! dicts {
    ($($map:ident<K, V $(, $extra:ident: $extra_bound:path)?> where K: $($key_bound:path),+;)*) => {$(
        impl<K: Type, V: Type $(, $extra)?> Type for $map<K, V $(, $extra)?> {
            #[inline]
            fn write_signature(sig: &mut SignatureBuf) {
                sig.push_str("a{");
                write_entry_signature::<K, V>(sig);
                sig.push(b'}');
            }
        }

        /// Refuses (before anything reaches sd-bus) a key type that is not
        /// basic.
        impl<K: Append, V: Append $(, $extra)?> Append for $map<K, V $(, $extra)?> {
            fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
                append_dict(msg, self.iter())
            }
        }

        /// Refuses (before anything reaches sd-bus) a key type that is not
        /// basic.
        impl<'m, K, V $(, $extra)?> Read<'m> for $map<K, V $(, $extra)?>
        where
            K: Read<'m> $(+ $key_bound)+,
            V: Read<'m>,
            $($extra: $extra_bound + Default,)?
        {
            fn read_from(msg: &'m Message<'_>) -> Result<Self> {
                read_dict(msg)
            }
        }

        impl<K: IntoValue, V: IntoValue $(, $extra)?> IntoValue for $map<K, V $(, $extra)?> {
            fn into_value(self) -> Value {
                dict_into_value(self.into_iter())
            }
        }

        impl<K: IntoValue, V: IntoValue $(, $extra)?> From<$map<K, V $(, $extra)?>> for Value {
            fn from(map: $map<K, V $(, $extra)?>) -> Value {
                map.into_value()
            }
        }
    )*};
}

dicts! {
    HashMap<K, V, S: BuildHasher> where K: Eq, Hash;
    BTreeMap<K, V> where K: Ord;
}

/// `Type`, `Append` and `Read` through a pointer, as for the value itself.
macro_rules! forward {
    ($($ptr:ident),*) => {$(
        impl<T: Type + ?Sized> Type for $ptr<T> {
            #[inline]
            fn write_signature(sig: &mut SignatureBuf) {
                T::write_signature(sig);
            }
        }

        impl<T: Append + ?Sized> Append for $ptr<T> {
            #[inline]
            fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
                (**self).append_to(msg)
            }
        }

        impl<'m, T: Read<'m>> Read<'m> for $ptr<T> {
            #[inline]
            fn read_from(msg: &'m Message<'_>) -> Result<Self> {
                T::read_from(msg).map($ptr::new)
            }
        }
    )*};
}

forward!(Box, Rc, Arc);

impl<T: Type + ?Sized> Type for &T {
    #[inline]
    fn write_signature(sig: &mut SignatureBuf) {
        T::write_signature(sig);
    }
}

impl<T: Append + ?Sized> Append for &T {
    #[inline]
    fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
        (**self).append_to(msg)
    }
}

/// Argument lists: each element is one top-level argument.
macro_rules! tuple_args {
    ($($t:ident . $idx:tt),*) => {
        impl<$($t: Append),*> AppendArgs for ($($t,)*) {
            #[allow(unused_variables)] // by `()`
            #[inline]
            fn append_args_to(&self, msg: &mut Message<'_>) -> Result<()> {
                $(self.$idx.append_to(msg)?;)*
                Ok(())
            }

            #[allow(unused_variables)] // by `()`
            #[inline]
            fn write_args_signature(sig: &mut SignatureBuf) {
                $($t::write_signature(sig);)*
            }
        }

        impl<'m, $($t: Read<'m>),*> ReadArgs<'m> for ($($t,)*) {
            #[allow(unused_variables)] // by `()`
            #[inline]
            fn read_args_from(msg: &'m Message<'_>) -> Result<Self> {
                Ok(($($t::read_from(msg)?,)*))
            }

            #[allow(unused_variables)] // by `()`
            #[inline]
            fn write_read_args_signature(sig: &mut SignatureBuf) {
                $($t::write_signature(sig);)*
            }
        }
    };
}

/// Structs (`(…)`), plus the argument lists of the same arity.
macro_rules! tuples {
    ($($t:ident . $idx:tt),+) => {
        impl<$($t: Type),+> Type for ($($t,)+) {
            #[inline]
            fn write_signature(sig: &mut SignatureBuf) {
                sig.push(b'(');
                $($t::write_signature(sig);)+
                sig.push(b')');
            }
        }

        impl<$($t: Append),+> Append for ($($t,)+) {
            #[inline]
            fn append_to(&self, msg: &mut Message<'_>) -> Result<()> {
                let mut fields = SignatureBuf::new();
                $($t::write_signature(&mut fields);)+
                in_container(msg, ContainerKind::Struct, &mut fields, |msg| {
                    $(self.$idx.append_to(msg)?;)+
                    Ok(())
                })
            }
        }

        impl<'m, $($t: Read<'m>),+> Read<'m> for ($($t,)+) {
            #[inline]
            fn read_from(msg: &'m Message<'_>) -> Result<Self> {
                let mut fields = SignatureBuf::new();
                $($t::write_signature(&mut fields);)+
                enter(msg, ContainerKind::Struct, &mut fields)?;
                let value = ($($t::read_from(msg)?,)+);
                msg.exit_container()?;
                Ok(value)
            }
        }

        impl<$($t: IntoValue),+> IntoValue for ($($t,)+) {
            fn into_value(self) -> Value {
                Value::Struct(vec![$(self.$idx.into_value()),+])
            }
        }

        impl<$($t: IntoValue),+> From<($($t,)+)> for Value {
            fn from(fields: ($($t,)+)) -> Value {
                fields.into_value()
            }
        }

        tuple_args!($($t . $idx),+);
    };
}

tuple_args!();
tuples!(A.0);
tuples!(A.0, B.1);
tuples!(A.0, B.1, C.2);
tuples!(A.0, B.1, C.2, D.3);
tuples!(A.0, B.1, C.2, D.3, E.4);
tuples!(A.0, B.1, C.2, D.3, E.4, F.5);
tuples!(A.0, B.1, C.2, D.3, E.4, F.5, G.6);
tuples!(A.0, B.1, C.2, D.3, E.4, F.5, G.6, H.7);
tuples!(A.0, B.1, C.2, D.3, E.4, F.5, G.6, H.7, I.8);
tuples!(A.0, B.1, C.2, D.3, E.4, F.5, G.6, H.7, I.8, J.9);
tuples!(A.0, B.1, C.2, D.3, E.4, F.5, G.6, H.7, I.8, J.9, K.10);
tuples!(A.0, B.1, C.2, D.3, E.4, F.5, G.6, H.7, I.8, J.9, K.10, L.11);
