//! Every function declared in the installed sd-bus and sd-daemon headers must
//! be bound, with the right shape, and must link.
//!
//! The check is made twice, independently:
//!
//! * at compile time: `build.rs` parsed the headers and wrote
//!   `$OUT_DIR/fn_table.rs`, whose `all()` takes `NAME as *const () as usize` for every
//!   declared function — a function missing from the bindings makes this test
//!   fail to compile, and one missing from libsystemd makes it fail to link;
//! * at run time: the headers are parsed again (same parser, shared with
//!   `build.rs`) and the generated `bindings.rs` is read and parsed with `syn`.

#[path = "../build/header_names.rs"]
mod header_names;

mod fn_table {
    use libsystemd_sys::*;
    include!(concat!(env!("OUT_DIR"), "/fn_table.rs"));
}

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

const INCLUDE_DIR: &str = env!("LIBSYSTEMD_INCLUDEDIR");
const BINDINGS: &str = env!("LIBSYSTEMD_SYS_BINDINGS");

fn header_functions(header: &str) -> Vec<String> {
    let path = Path::new(INCLUDE_DIR).join("systemd").join(header);
    let source = fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    header_names::function_names(&source)
}

fn all_header_functions() -> Vec<String> {
    header_names::HEADERS
        .iter()
        .flat_map(|header| header_functions(header))
        .collect()
}

/// The functions declared in the generated bindings, with whether each is
/// variadic.
fn bound_functions() -> Vec<(String, bool)> {
    let text = fs::read_to_string(BINDINGS).expect("cannot read the generated bindings");
    let file = syn::parse_file(&text).expect("the generated bindings do not parse");
    let mut functions = Vec::new();
    for item in file.items {
        if let syn::Item::ForeignMod(block) = item {
            for item in block.items {
                if let syn::ForeignItem::Fn(function) = item {
                    functions.push((
                        function.sig.ident.to_string(),
                        function.sig.variadic.is_some(),
                    ));
                }
            }
        }
    }
    functions
}

#[test]
fn sd_bus_header_is_really_parsed() {
    let names = header_functions("sd-bus.h");
    assert!(
        names.len() > 150,
        "only {} functions found in sd-bus.h: {names:?}",
        names.len()
    );
    for expected in [
        "sd_bus_open",
        "sd_bus_open_user",
        "sd_bus_default_system",
        "sd_bus_ref",
        "sd_bus_unref",
        "sd_bus_flush_close_unref",
        "sd_bus_message_append",
        "sd_bus_message_appendv",
        "sd_bus_message_read",
        "sd_bus_call_method",
        "sd_bus_call_method_async",
        "sd_bus_error_setf",
        "sd_bus_error_setfv",
        "sd_bus_error_has_names_sentinel",
        "sd_bus_message_get_path",
        "sd_bus_get_current_handler",
        "sd_bus_emit_properties_changed",
        "sd_bus_add_object_vtable",
        "sd_bus_try_close",
        "sd_bus_track_first",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} not found");
    }
    // Macros and cleanup helpers are not functions of the library.
    for unexpected in [
        "sd_bus_error_has_names",
        "sd_bus_unrefp",
        "SD_BUS_ERROR_MAKE_CONST",
    ] {
        assert!(!names.iter().any(|n| n == unexpected), "{unexpected} found");
    }
}

#[test]
fn sd_daemon_header_is_really_parsed() {
    let names = header_functions("sd-daemon.h");
    for expected in [
        "sd_listen_fds",
        "sd_listen_fds_with_names",
        "sd_is_fifo",
        "sd_is_special",
        "sd_is_socket",
        "sd_is_socket_inet",
        "sd_is_socket_sockaddr",
        "sd_is_socket_unix",
        "sd_is_mq",
        "sd_notify",
        "sd_notifyf",
        "sd_pid_notify",
        "sd_pid_notifyf",
        "sd_pid_notify_with_fds",
        "sd_notify_barrier",
        "sd_booted",
        "sd_watchdog_enabled",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} not found");
    }
}

#[test]
fn compile_time_table_matches_headers_and_links() {
    let table = fn_table::all();
    let table_names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
    let header_names = all_header_functions();
    assert_eq!(
        table_names, header_names,
        "fn_table.rs is stale with respect to the installed headers"
    );
    for (name, address) in &table {
        assert_ne!(*address, 0, "{name} has a null address");
    }
}

#[test]
fn bindings_declare_every_header_function() {
    let bound = bound_functions();
    let text = fs::read_to_string(BINDINGS).expect("cannot read the generated bindings");
    let mut missing = Vec::new();
    for name in all_header_functions() {
        let declared = bound.iter().any(|(n, _)| *n == name);
        let textual = text.contains(&format!("pub fn {name}("));
        if !declared || !textual {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "not bound: {missing:?}");

    // And nothing is bound that the headers do not declare.
    let declared: BTreeSet<String> = all_header_functions().into_iter().collect();
    let extra: Vec<&str> = bound
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| !declared.contains(*n))
        .collect();
    assert!(extra.is_empty(), "bound but not in the headers: {extra:?}");
}

#[test]
fn variadic_functions_are_bound_as_variadic() {
    let bound = bound_functions();
    let is_variadic = |name: &str| {
        bound
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} is not bound"))
            .1
    };
    for name in [
        "sd_bus_message_append",
        "sd_bus_message_read",
        "sd_bus_call_method",
        "sd_bus_call_method_async",
        "sd_bus_error_setf",
        "sd_bus_reply_method_return",
        "sd_bus_emit_signal",
        "sd_bus_set_property",
        "sd_notifyf",
    ] {
        assert!(is_variadic(name), "{name} is not variadic");
    }
    for name in [
        "sd_bus_message_appendv",
        "sd_bus_error_setfv",
        "sd_bus_open",
    ] {
        assert!(!is_variadic(name), "{name} is variadic");
    }
}

#[test]
fn parser_handles_the_header_idioms() {
    let source = r#"
/* int sd_in_block_comment(void); */
// int sd_in_line_comment(void);
#define SD_MACRO(x) sd_in_macro(x)
#define sd_multi_line_macro(a) \
        sd_continued(a)
typedef int (*sd_callback_t)(void *userdata);
typedef struct sd_thing sd_thing;
struct sd_thing {
        int (*sd_field)(int);
        union { int a; } u;
};
__extension__ enum { SD_FLAG = 1ULL << 0, _SD_ALL = (1ULL << 1) - 1 };
extern const unsigned sd_variable;
int sd_plain(int a);
const char* sd_pointer_return(sd_thing *t);
void *sd_star_on_name(void);
int sd_multi_line(
        int a,
        const char *format, ...) _sd_printf_(2, 3);
int sd_sentinel(const char *a, ...) _sd_sentinel_;
int sd_deprecated(void) _sd_deprecated_;
sd_callback_t sd_returns_typedef(void);
int sd_plain(int a);
_SD_DEFINE_POINTER_CLEANUP_FUNC(sd_thing, sd_thing_unref);
"#;
    assert_eq!(
        header_names::function_names(source),
        [
            "sd_plain",
            "sd_pointer_return",
            "sd_star_on_name",
            "sd_multi_line",
            "sd_sentinel",
            "sd_deprecated",
            "sd_returns_typedef",
        ]
    );
}
