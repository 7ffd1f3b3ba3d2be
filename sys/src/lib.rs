//! Raw FFI bindings to libsystemd's **sd-bus** (D-Bus client and service API)
//! and **sd-daemon** (`sd_notify`, socket activation, watchdog) interfaces.
//!
//! The bindings are not checked in: `build.rs` locates `libsystemd` (version
//! 246 or newer) with `pkg-config` and runs `bindgen` over the headers
//! installed on the build machine (`<systemd/sd-bus.h>` and
//! `<systemd/sd-daemon.h>`), so they always match the library that is linked.
//!
//! What is bound:
//!
//! * every `sd_bus_*` function, type and constant, including the variadic
//!   functions (`sd_bus_message_append`, `sd_bus_call_method`, ...) and their
//!   `va_list` counterparts (`sd_bus_message_appendv`, ...), plus the
//!   `sd_bus_object_vtable_format` symbol needed to build an `sd_bus_vtable`;
//! * the sd-daemon functions (`sd_notify*`, `sd_pid_notify*`,
//!   `sd_listen_fds*`, `sd_is_*`, `sd_booted`, `sd_watchdog_enabled`) and
//!   `SD_LISTEN_FDS_START`;
//! * the few types of other sd-* headers that appear in those signatures:
//!   `sd_id128_t`, the opaque `sd_event` and `_sd_destroy_t`.
//!
//! The C enums are plain constants (`SD_BUS_CREDS_PID`, `_SD_BUS_VTABLE_METHOD`,
//! ...). The libc types used in signatures (`pid_t`, `uid_t`, `gid_t`, `FILE`,
//! `iovec`, `sockaddr`) are the [`libc`] crate's own, `size_t` is `usize`, and
//! `va_list` parameters are bindgen's target-specific `__va_list_tag` pointer.
//!
//! Dependents can read the detected version from the `DEP_SYSTEMD_VERSION`
//! environment variable of their build script (the major version, e.g. `252`),
//! and the include directories from `DEP_SYSTEMD_INCLUDE`.
//!
//! Everything here is `unsafe` FFI; see the `sdbus` crate for a safe API.

// The bindings are generated code: they keep the C names, and items such as
// bitfield accessors or layout tests trip lints that are irrelevant here.
#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]
#![allow(clippy::all, clippy::pedantic)]

include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
