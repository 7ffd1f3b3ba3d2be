//! The smallest useful client: one method call, for measuring the size of a
//! stripped binary (`scripts/bench` reports it next to zbus's).

fn main() -> sdbus::Result<()> {
    let bus = sdbus::Bus::open_system()?;
    let version: String = bus.get_property(
        "org.freedesktop.systemd1",
        "/org/freedesktop/systemd1",
        "org.freedesktop.systemd1.Manager",
        "Version",
    )?;
    println!("{version}");
    Ok(())
}
