//! The raw bindings against a real manager: run inside the sandbox
//! (`sandbox/run cargo test`), where both bus addresses point at a private
//! systemd manager's bus.

use std::ffi::{c_char, CStr};
use std::ptr;

use libsystemd_sys::*;

const SYSTEMD: &CStr = c"org.freedesktop.systemd1";
const MANAGER_PATH: &CStr = c"/org/freedesktop/systemd1";
const MANAGER_IFACE: &CStr = c"org.freedesktop.systemd1.Manager";

fn empty_error() -> sd_bus_error {
    sd_bus_error {
        name: ptr::null(),
        message: ptr::null(),
        _need_free: 0,
    }
}

fn open(open_fn: unsafe extern "C" fn(*mut *mut sd_bus) -> i32) -> *mut sd_bus {
    let mut bus = ptr::null_mut();
    // SAFETY: `bus` is a valid out pointer.
    let ret = unsafe { open_fn(&mut bus) };
    assert!(
        ret >= 0,
        "opening the bus failed: errno {}; run the tests through sandbox/run",
        -ret
    );
    bus
}

fn ping(bus: *mut sd_bus) {
    let mut error = empty_error();
    let mut reply = ptr::null_mut();
    // SAFETY: valid bus; the variadic list is empty as the "" signature says.
    let ret = unsafe {
        sd_bus_call_method(
            bus,
            SYSTEMD.as_ptr(),
            MANAGER_PATH.as_ptr(),
            c"org.freedesktop.DBus.Peer".as_ptr(),
            c"Ping".as_ptr(),
            &mut error,
            &mut reply,
            c"".as_ptr(),
        )
    };
    assert!(ret >= 0, "Ping failed: errno {}", -ret);
    // SAFETY: on success `reply` is a message we own; an empty body has the
    // empty signature.
    unsafe {
        let signature = CStr::from_ptr(sd_bus_message_get_signature(reply, 1));
        assert_eq!(signature.to_bytes(), b"");
        assert_eq!(sd_bus_message_is_method_error(reply, ptr::null()), 0);
        sd_bus_message_unref(reply);
        sd_bus_error_free(&mut error);
        sd_bus_flush_close_unref(bus);
    }
}

#[test]
fn ping_systemd_on_the_user_bus() {
    ping(open(sd_bus_open_user));
}

#[test]
fn ping_systemd_on_the_system_bus() {
    ping(open(sd_bus_open_system));
}

#[test]
fn read_manager_version_through_raw_calls() {
    let bus = open(sd_bus_open_user);
    let mut error = empty_error();
    let mut version: *mut c_char = ptr::null_mut();
    // SAFETY: valid bus and out pointers.
    let ret = unsafe {
        sd_bus_get_property_string(
            bus,
            SYSTEMD.as_ptr(),
            MANAGER_PATH.as_ptr(),
            MANAGER_IFACE.as_ptr(),
            c"Version".as_ptr(),
            &mut error,
            &mut version,
        )
    };
    assert!(ret >= 0, "Get Version failed: errno {}", -ret);
    // SAFETY: on success `version` is a malloc'ed NUL-terminated string.
    let text = unsafe { CStr::from_ptr(version) }
        .to_str()
        .unwrap()
        .to_owned();
    // SAFETY: we own `version` and the bus reference.
    unsafe {
        libc::free(version.cast());
        sd_bus_flush_close_unref(bus);
    }
    // The manager's version starts with the same number libsystemd reports.
    let major: String = text.chars().take_while(char::is_ascii_digit).collect();
    assert!(!major.is_empty(), "unexpected Version {text:?}");
    let output = std::process::Command::new("systemctl")
        .arg("--version")
        .output()
        .unwrap();
    let first_line = String::from_utf8_lossy(&output.stdout);
    assert!(
        first_line.starts_with(&format!("systemd {major}")),
        "manager Version {text:?} does not match `systemctl --version`: {first_line}"
    );
}
