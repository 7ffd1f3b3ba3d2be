//! Generates the FFI bindings from the libsystemd headers installed on the
//! build machine.
//!
//! * `pkg-config` locates `libsystemd` (at least [`MIN_VERSION`]) and emits the
//!   link flags.
//! * `bindgen` turns `wrapper.h` into `$OUT_DIR/bindings.rs`, restricted to the
//!   sd-bus and sd-daemon API (see [`generate_bindings`] for the allowlist and
//!   the mapping of libc types).
//! * `$OUT_DIR/fn_table.rs` lists every function declared in the headers named
//!   by `header_names::HEADERS`, as `(name, address)` pairs; the tests include
//!   it so that a function missing from the bindings is a compile error.
//! * For dependents (through `links = "systemd"`): `DEP_SYSTEMD_VERSION` (the
//!   major version, e.g. `252`), `DEP_SYSTEMD_VERSION_FULL` and
//!   `DEP_SYSTEMD_INCLUDE`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

#[path = "build/header_names.rs"]
mod header_names;

/// The oldest libsystemd whose sd-bus API covers everything this crate binds.
const MIN_VERSION: &str = "246";

/// libc types that appear in the sd-bus/sd-daemon signatures. They are not
/// generated (the allowlist is not recursive); the bindings import libc's own
/// definitions instead, so they are interchangeable with the `libc` crate.
const LIBC_TYPES: &[&str] = &["pid_t", "uid_t", "gid_t", "FILE", "iovec", "sockaddr"];

fn main() {
    println!("cargo:rerun-if-changed=wrapper.h");
    println!("cargo:rerun-if-changed=build/header_names.rs");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");

    let library = pkg_config::Config::new()
        .atleast_version(MIN_VERSION)
        .probe("libsystemd")
        .unwrap_or_else(|err| {
            panic!(
                "libsystemd >= {MIN_VERSION} was not found via pkg-config \
                 (install libsystemd-dev / systemd-devel): {err}"
            )
        });

    let major = major_version(&library.version).unwrap_or_else(|| {
        panic!(
            "cannot read a major version from libsystemd's modversion {:?}",
            library.version
        )
    });
    println!("cargo:version={major}");
    println!("cargo:version_full={}", library.version);

    // The directory that holds `systemd/sd-bus.h`. Distributions usually ship
    // libsystemd with empty cflags, so `include_paths` alone is not enough.
    let include_dir = pkg_config::get_variable("libsystemd", "includedir")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/usr/include"));
    let mut include_paths = vec![include_dir.clone()];
    for path in &library.include_paths {
        if !include_paths.contains(path) {
            include_paths.push(path.clone());
        }
    }
    let joined = env::join_paths(&include_paths).expect("include paths contain a separator");
    println!("cargo:include={}", joined.to_string_lossy());
    println!(
        "cargo:rustc-env=LIBSYSTEMD_INCLUDEDIR={}",
        include_dir.display()
    );

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));

    let bindings_path = out_dir.join("bindings.rs");
    let bindings = inline_anonymous_enum_types(&generate_bindings(&include_paths).to_string());
    fs::write(&bindings_path, bindings).expect("cannot write bindings.rs");
    println!(
        "cargo:rustc-env=LIBSYSTEMD_SYS_BINDINGS={}",
        bindings_path.display()
    );

    let table_path = out_dir.join("fn_table.rs");
    fs::write(&table_path, function_table(&include_dir)).expect("cannot write fn_table.rs");
}

/// The leading integer of a pkg-config modversion: `"252"` → 252,
/// `"255.4"` → 255, `"256~rc1"` → 256.
fn major_version(modversion: &str) -> Option<u32> {
    let digits: String = modversion
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn generate_bindings(include_paths: &[PathBuf]) -> bindgen::Bindings {
    let mut builder = bindgen::Builder::default()
        .header("wrapper.h")
        .clang_args(include_paths.iter().map(|p| format!("-I{}", p.display())))
        // Emits `rerun-if-changed` for every header bindgen reads.
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .formatter(bindgen::Formatter::Prettyplease)
        // Only what is listed below is generated: nothing of libc (or of the
        // other sd-* APIs) leaks into the bindings through the signatures.
        .allowlist_recursively(false)
        // sd-bus
        .allowlist_function("sd_bus_.*")
        .allowlist_type("sd_bus.*")
        .allowlist_var("SD_BUS_.*")
        .allowlist_var("_SD_BUS_.*")
        // Referenced by the SD_BUS_VTABLE_START() macro, so needed to build a vtable.
        .allowlist_var("sd_bus_object_vtable_format")
        // Types of other sd-* headers that appear in sd-bus signatures:
        // sd_bus_set_server()/sd_bus_get_bus_id() (sd_id128_t),
        // sd_bus_attach_event() (opaque sd_event), and the destroy callbacks.
        .allowlist_type("sd_id128|sd_id128_t")
        .allowlist_type("sd_event")
        .allowlist_type("_sd_destroy_t")
        // sd-daemon
        .allowlist_function("sd_notify.*")
        .allowlist_function("sd_pid_notify.*")
        .allowlist_function("sd_listen_fds.*")
        .allowlist_function("sd_booted")
        .allowlist_function("sd_watchdog_enabled")
        .allowlist_function("sd_is_.*")
        .allowlist_var("SD_LISTEN_FDS_START")
        // `va_list` parameters (sd_bus_message_appendv(), sd_bus_error_setfv(),
        // ...). On x86-64 `va_list` is `__va_list_tag[1]`, which decays to
        // `*mut __va_list_tag` in a parameter list; other targets use other
        // builtin names. These are compiler builtins, not libc types, and
        // Rust has no stable equivalent (`core::ffi::VaList` is unstable), so
        // bindgen's own definition is kept.
        .allowlist_type("va_list|__builtin_va_list|__va_list_tag|__va_list")
        // Plain `pub const X: ty = ...;` for the anonymous C enums.
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .size_t_is_usize(true)
        .derive_default(true)
        .derive_debug(true)
        .layout_tests(true)
        .merge_extern_blocks(true)
        .generate_comments(true)
        .raw_line(format!("use libc::{{{}}};", LIBC_TYPES.join(", ")));
    // Not generated anyway (non-recursive allowlist); blocklisted so that
    // they stay out even if an allowlist pattern is widened.
    for name in LIBC_TYPES {
        builder = builder.blocklist_type(name);
    }
    builder
        .generate()
        .expect("bindgen failed to generate the libsystemd bindings")
}

/// Bindgen gives each anonymous C enum (all of sd-bus's flag and constant
/// enums are anonymous) a `pub type _bindgen_ty_N = <integer>;` alias and types
/// its constants with it. `N` is an unstable counter, so the alias is removed
/// and its uses are replaced by the integer type itself: the constants become
/// plain, e.g. `pub const SD_BUS_CREDS_PID: ::std::os::raw::c_ulong = 1;`.
fn inline_anonymous_enum_types(bindings: &str) -> String {
    const PREFIX: &str = "pub type _bindgen_ty_";
    let mut aliases: Vec<(String, String)> = Vec::new();
    let mut kept: Vec<&str> = Vec::new();
    for line in bindings.lines() {
        let alias = line.strip_prefix("pub type ").and_then(|rest| {
            let (name, ty) = rest.strip_suffix(';')?.split_once(" = ")?;
            let counter = name.strip_prefix("_bindgen_ty_")?;
            counter
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| (name.to_owned(), ty.to_owned()))
        });
        match alias {
            Some(alias) => {
                // Attributes or docs of the alias go with it.
                while kept
                    .last()
                    .is_some_and(|l| l.starts_with("#[") || l.starts_with("///"))
                {
                    kept.pop();
                }
                aliases.push(alias);
            }
            None => {
                assert!(
                    !line.starts_with(PREFIX),
                    "unexpected anonymous type alias in the bindings: {line}"
                );
                kept.push(line);
            }
        }
    }
    let mut out = String::with_capacity(bindings.len());
    for line in kept {
        out.push_str(&replace_identifiers(line, &aliases));
        out.push('\n');
    }
    out
}

/// Replaces whole identifiers (not parts of longer ones, such as
/// `sd_bus_vtable__bindgen_ty_1`) of `line` according to `map`.
fn replace_identifiers(line: &str, map: &[(String, String)]) -> String {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find(|c: char| is_ident(c)) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c: char| !is_ident(c))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        match map.iter().find(|(from, _)| from == word) {
            Some((_, to)) => out.push_str(to),
            None => out.push_str(word),
        }
        rest = &rest[start + word_len..];
    }
    out.push_str(rest);
    out
}

/// `fn_table.rs`: `pub fn all() -> Vec<(&'static str, usize)>`, one entry per
/// function declared in the checked headers. Taking `name as *const () as usize` requires
/// the function to be bound (otherwise the including crate does not compile)
/// and makes the linker resolve it against libsystemd. (A pointer-to-integer
/// cast is not allowed in a `const`, hence a function.)
fn function_table(include_dir: &Path) -> String {
    let mut out = String::from(
        "// Generated by build.rs from the installed libsystemd headers.\n\
         // Every function declared in them, with its address.\n\
         pub fn all() -> Vec<(&'static str, usize)> {\n    vec![\n",
    );
    for header in header_names::HEADERS {
        let path = include_dir.join("systemd").join(header);
        println!("cargo:rerun-if-changed={}", path.display());
        let source = fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        for name in header_names::function_names(&source) {
            writeln!(out, "        ({name:?}, {name} as *const () as usize),").unwrap();
        }
    }
    out.push_str("    ]\n}\n");
    out
}
