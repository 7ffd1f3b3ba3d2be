//! Turns the libsystemd version that `libsystemd-sys` detected into `cfg`s,
//! so that functions added in newer releases are compiled only where the
//! installed library has them: `systemd_v248` is set for 248 and later, and
//! so on for every release since the minimum, 246.

/// The releases the crate distinguishes; extend when gating a newer function.
const RELEASES: std::ops::RangeInclusive<u32> = 246..=260;

fn main() {
    for release in RELEASES {
        println!("cargo::rustc-check-cfg=cfg(systemd_v{release})");
    }
    // Published by libsystemd-sys (`links = "systemd"`) as `cargo:version=N`.
    let version: u32 = std::env::var("DEP_SYSTEMD_VERSION")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(*RELEASES.start());
    for release in RELEASES.filter(|r| *r <= version) {
        println!("cargo::rustc-cfg=systemd_v{release}");
    }
    println!("cargo::rerun-if-env-changed=DEP_SYSTEMD_VERSION");
}
