//! The generated bindings define nothing but the sd-bus/sd-daemon API: no
//! libc type, no other sd-* API, no bindgen `_bindgen_ty_N` alias. The libc
//! types of the signatures are the `libc` crate's own.

use std::fs;

use libsystemd_sys::*;

const BINDINGS: &str = env!("LIBSYSTEMD_SYS_BINDINGS");

/// Names allowed besides the `sd_`, `SD_`, `_SD_` and `_sd_` prefixes:
/// * `__BindgenBitfieldUnit`: bindgen's helper for the `sd_bus_vtable`
///   bitfields (`type:8`, `flags:56`);
/// * `va_list` and the compiler builtins behind it (`__builtin_va_list`, and
///   `__va_list_tag` on x86-64 or `__va_list` on AArch64), for the `...v`
///   functions; Rust has no stable `va_list` type to map them to.
const EXCEPTIONS: &[&str] = &[
    "__BindgenBitfieldUnit",
    "va_list",
    "__builtin_va_list",
    "__va_list_tag",
    "__va_list",
];

/// Types that must come from the `libc` crate.
const LIBC_IMPORTS: &[&str] = &["FILE", "gid_t", "iovec", "pid_t", "sockaddr", "uid_t"];

fn is_allowed(name: &str) -> bool {
    ["sd_", "SD_", "_SD_", "_sd_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || EXCEPTIONS.contains(&name)
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Top-level names defined by the bindings, and the names imported by `use`.
fn defined_and_imported() -> (Vec<String>, Vec<String>) {
    let text = fs::read_to_string(BINDINGS).expect("cannot read the generated bindings");
    let file = syn::parse_file(&text).expect("the generated bindings do not parse");
    let mut defined = Vec::new();
    let mut imported = Vec::new();
    for item in file.items {
        match item {
            syn::Item::Struct(i) => defined.push(i.ident.to_string()),
            syn::Item::Union(i) => defined.push(i.ident.to_string()),
            syn::Item::Enum(i) => defined.push(i.ident.to_string()),
            syn::Item::Type(i) => defined.push(i.ident.to_string()),
            syn::Item::Const(i) => {
                // `const _: () = { ... }` holds the layout tests.
                if i.ident != "_" {
                    defined.push(i.ident.to_string());
                }
            }
            syn::Item::Static(i) => defined.push(i.ident.to_string()),
            syn::Item::Fn(i) => defined.push(i.sig.ident.to_string()),
            syn::Item::Impl(i) => defined.push(type_name(&i.self_ty)),
            syn::Item::ForeignMod(block) => {
                for item in block.items {
                    match item {
                        syn::ForeignItem::Fn(f) => defined.push(f.sig.ident.to_string()),
                        syn::ForeignItem::Static(s) => defined.push(s.ident.to_string()),
                        syn::ForeignItem::Type(t) => defined.push(t.ident.to_string()),
                        other => panic!("unexpected foreign item: {other:?}"),
                    }
                }
            }
            syn::Item::Use(u) => collect_use(&u.tree, &mut Vec::new(), &mut imported),
            other => panic!("unexpected item in the bindings: {other:?}"),
        }
    }
    (defined, imported)
}

fn collect_use(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            collect_use(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            out.push(path.join("::"));
        }
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                collect_use(tree, prefix, out);
            }
        }
        other => panic!("unexpected use tree: {other:?}"),
    }
}

#[test]
fn bindings_define_only_allowlisted_items() {
    let (defined, _) = defined_and_imported();
    assert!(
        defined.len() > 300,
        "suspiciously few items: {}",
        defined.len()
    );
    let leaked: Vec<&String> = defined.iter().filter(|n| !is_allowed(n)).collect();
    assert!(leaked.is_empty(), "items outside the allowlist: {leaked:?}");
}

#[test]
fn libc_types_are_imported_from_libc() {
    let (defined, imported) = defined_and_imported();
    let mut expected: Vec<String> = LIBC_IMPORTS.iter().map(|t| format!("libc::{t}")).collect();
    let mut imported = imported;
    expected.sort();
    imported.sort();
    assert_eq!(imported, expected);
    for name in
        LIBC_IMPORTS
            .iter()
            .chain(&["size_t", "ssize_t", "uint64_t", "__uint64_t", "_IO_FILE"])
    {
        assert!(!defined.iter().any(|d| d == name), "{name} is defined");
    }
}

#[test]
fn signatures_use_libc_and_rust_types() {
    use std::os::raw::{c_char, c_int, c_uint, c_void};

    // These only compile if the bindings use the very libc/Rust types.
    let _: unsafe extern "C" fn(*mut sd_bus_creds, *mut libc::pid_t) -> c_int =
        sd_bus_creds_get_pid;
    let _: unsafe extern "C" fn(*mut sd_bus_creds, *mut libc::uid_t) -> c_int =
        sd_bus_creds_get_uid;
    let _: unsafe extern "C" fn(*mut sd_bus_creds, *mut *const libc::gid_t) -> c_int =
        sd_bus_creds_get_supplementary_gids;
    let _: unsafe extern "C" fn(*mut sd_bus_message, *mut libc::FILE, u64) -> c_int =
        sd_bus_message_dump;
    let _: unsafe extern "C" fn(*mut sd_bus_message, c_char, *const libc::iovec, c_uint) -> c_int =
        sd_bus_message_append_array_iovec;
    let _: unsafe extern "C" fn(c_int, c_int, *const libc::sockaddr, c_uint, c_int) -> c_int =
        sd_is_socket_sockaddr;
    let _: unsafe extern "C" fn(*mut sd_bus_message, c_char, *const c_void, usize) -> c_int =
        sd_bus_message_append_array;
    let _: unsafe extern "C" fn(libc::pid_t, c_int, *const c_char, *const c_int, c_uint) -> c_int =
        sd_pid_notify_with_fds;
    let _: unsafe extern "C" fn(c_int, u64) -> c_int = sd_notify_barrier;
}

#[test]
// The 64-bit flag enums are `c_ulong`, which is `u64` only on LP64 targets.
#[allow(clippy::unnecessary_cast)]
fn enum_constants_are_plain_integers() {
    assert_eq!(SD_BUS_CREDS_PID as u64, 1);
    assert_eq!(SD_BUS_CREDS_AUGMENT as u64, 1 << 63);
    assert_eq!(SD_BUS_NAME_QUEUE as u64, 4);
    assert_eq!(SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE as u64, 1 << 5);
    assert_eq!(_SD_BUS_VTABLE_START as u8, b'<');
    assert_eq!(_SD_BUS_VTABLE_END as u8, b'>');
    assert_eq!(_SD_BUS_VTABLE_METHOD as u8, b'M');
    assert_eq!(_SD_BUS_VTABLE_PARAM_NAMES, 1);
    assert_eq!(SD_BUS_TYPE_STRING as u8, b's');
    assert_eq!(SD_BUS_MESSAGE_METHOD_CALL, 1);
    assert_eq!(SD_LISTEN_FDS_START, 3);
    assert_eq!(SD_BUS_ERROR_FAILED, b"org.freedesktop.DBus.Error.Failed\0");
}

#[test]
fn structs_have_the_c_layout_and_derives() {
    let error = sd_bus_error::default();
    assert!(error.name.is_null() && error.message.is_null() && error._need_free == 0);
    assert!(format!("{error:?}").starts_with("sd_bus_error"));
    let map = sd_bus_error_map::default();
    assert!(map.name.is_null());
    // type:8 + flags:56 packed into one u64, then a union of 6 words at most.
    assert_eq!(
        std::mem::size_of::<sd_bus_vtable>(),
        8 + 6 * std::mem::size_of::<usize>()
    );
    assert_eq!(std::mem::size_of::<sd_id128_t>(), 16);
    // Taking the address of an extern static needs `unsafe` before Rust 1.82.
    #[allow(unused_unsafe)]
    let vtable_format: *const std::os::raw::c_uint =
        unsafe { std::ptr::addr_of!(sd_bus_object_vtable_format) };
    assert!(!vtable_format.is_null());
}
