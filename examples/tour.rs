//! The main demo: the bus and the systemd manager behind it, seen through
//! `sdbus`.
//!
//! Run it with `scripts/demo`, which uses the host's systemd when one runs
//! and the project's sandbox (a private manager and bus) otherwise.

use std::process::ExitCode;

use sdbus::names::ObjectPath;
use sdbus::{path, Bus, BusErrorKind};

const SYSTEMD: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER: &str = "org.freedesktop.systemd1.Manager";
const UNIT: &str = "org.freedesktop.systemd1.Unit";

fn main() -> ExitCode {
    match tour() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tour failed: {err}");
            ExitCode::FAILURE
        }
    }
}

fn heading(title: &str) {
    println!("\n== {title} ==");
}

fn tour() -> sdbus::Result<()> {
    let bus = Bus::open_system()?;
    println!(
        "connected to the system bus as {} (bus id {})",
        bus.unique_name()?,
        bus.bus_id_hex()?
    );

    heading("Peers on the bus (as `busctl list`)");
    list_peers(&bus)?;

    heading("The systemd manager");
    for property in ["Version", "Architecture"] {
        let value: String = bus.get_property(SYSTEMD, MANAGER_PATH, MANAGER, property)?;
        println!("{property:<13} {value}");
    }

    heading("The unit this demo runs in");
    let reply = bus.call_method(
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "GetUnitByPID",
        &(std::process::id(),),
    )?;
    let unit_path: ObjectPath = reply.read()?;
    let id: String = bus.get_property(SYSTEMD, &unit_path, UNIT, "Id")?;
    let decoded = path::path_decode(&unit_path, "/org/freedesktop/systemd1/unit")?;
    println!("object path   {unit_path}");
    println!(
        "decoded       {}",
        decoded.as_deref().unwrap_or("(not under the unit prefix)")
    );
    println!("unit          {id}");

    match bus.call_method(
        SYSTEMD,
        MANAGER_PATH,
        MANAGER,
        "GetUnit",
        &("no-such-unit.service",),
    ) {
        Err(err) if err.bus_error_kind() == Some(BusErrorKind::NoSuchUnit) => {
            println!("GetUnit of a missing unit fails as expected: {err}");
        }
        Err(err) => return Err(err),
        Ok(_) => println!("no-such-unit.service unexpectedly exists"),
    }
    Ok(())
}

fn list_peers(bus: &Bus) -> sdbus::Result<()> {
    let names: Vec<String> = bus
        .call_method(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "ListNames",
            &(),
        )?
        .read()?;
    let activatable: Vec<String> = bus
        .call_method(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "ListActivatableNames",
            &(),
        )?
        .read()?;
    let mut all: Vec<&str> = names
        .iter()
        .chain(&activatable)
        .map(String::as_str)
        .collect();
    all.sort_unstable();
    all.dedup();

    println!(
        "{:<34} {:>6} {:<16} {:<12} {:<26}",
        "NAME", "PID", "PROCESS", "CONNECTION", "UNIT"
    );
    for name in all {
        if !names.iter().any(|n| n == name) {
            println!(
                "{name:<34} {:>6} {:<16} {:<12} {:<26}",
                "-", "-", "(activatable)", "-"
            );
            continue;
        }
        match bus.name_creds(name) {
            Ok(creds) => println!(
                "{name:<34} {:>6} {:<16} {:<12} {:<26}",
                creds.pid().map_or("-".into(), |p| p.to_string()),
                creds.comm().unwrap_or("-"),
                creds.unique_name().unwrap_or("-"),
                creds.unit().or(creds.user_unit()).unwrap_or("-"),
            ),
            // A peer may leave between ListNames and the lookup.
            Err(err) => println!("{name:<34} ({err})"),
        }
    }
    Ok(())
}
