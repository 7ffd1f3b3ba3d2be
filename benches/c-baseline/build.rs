//! Compiles raw.c, the raw C sd-bus baseline, and links it with libsystemd.

fn main() {
    println!("cargo::rerun-if-changed=raw.c");
    let library = pkg_config::Config::new()
        .probe("libsystemd")
        .unwrap_or_else(|err| panic!("libsystemd was not found via pkg-config: {err}"));
    let mut build = cc::Build::new();
    build
        .file("raw.c")
        // As a C client would be built for production.
        .opt_level(2)
        .warnings(true)
        .extra_warnings(true);
    for dir in &library.include_paths {
        build.include(dir);
    }
    build.compile("sdbus_c_baseline");
}
