//! A small notify-aware D-Bus daemon, and its client.
//!
//! - `server_daemon` (or `server_daemon serve`): connects to the user bus,
//!   serves `/com/example/Daemon` with the interface `com.example.Daemon`
//!   (`Greet(s name) -> (s greeting)`, the property `Greeted` counting the
//!   greetings and announcing its changes, and `Quit()`), owns the name
//!   `com.example.Daemon`, tells systemd it is ready (`READY=1`, for
//!   `Type=notify` units) and serves until `Quit` is called.
//! - `server_daemon client [NAME]`: greets NAME (default: `world`) through
//!   the daemon and prints the greeting and the count.
//! - `server_daemon quit`: asks the daemon to stop.
//!
//! Try it in the project's sandbox (a private manager and bus):
//!
//! ```text
//! sandbox/run sh -c 'cargo build -q --example server_daemon &&
//!     systemd-run --user --service-type=notify --unit=greeter target/debug/examples/server_daemon &&
//!     target/debug/examples/server_daemon client sandbox &&
//!     target/debug/examples/server_daemon quit'
//! ```

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use sdbus::daemon::Notify;
use sdbus::server::{Interface, MemberFlags, RequestNameFlags};
use sdbus::{Bus, Error, InvalidKind};

const NAME: &str = "com.example.Daemon";
const PATH: &str = "/com/example/Daemon";
const INTERFACE: &str = "com.example.Daemon";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let result = match args.next().as_deref() {
        None | Some("serve") => serve(),
        Some("client") => client(args.next().as_deref().unwrap_or("world")),
        Some("quit") => quit(),
        Some(other) => {
            eprintln!(
                "unknown command {other:?}; usage: server_daemon [serve | client [NAME] | quit]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server_daemon: {err}");
            ExitCode::FAILURE
        }
    }
}

fn serve() -> sdbus::Result<()> {
    let bus = Bus::open_user()?;
    let greeted = Arc::new(AtomicU32::new(0));
    let quit = Arc::new(AtomicBool::new(false));
    let (count, read_count, quit_flag) = (Arc::clone(&greeted), greeted, Arc::clone(&quit));
    let daemon = Interface::new(INTERFACE)
        .method("Greet", move |request, (name,): (String,)| {
            let number = count.fetch_add(1, Ordering::Relaxed) + 1;
            // The getter below runs now, for the signal's new value.
            request
                .bus()
                .emit_properties_changed(PATH, INTERFACE, &["Greeted"])?;
            Ok((format!("Hello, {name}! (greeting #{number})"),))
        })
        .arg_names(["name", "greeting"])
        .flags(MemberFlags::UNPRIVILEGED)
        .property_ro("Greeted", move |_| Ok(read_count.load(Ordering::Relaxed)))
        .flags(MemberFlags::EMITS_CHANGE)
        .method("Quit", move |_, (): ()| {
            quit_flag.store(true, Ordering::Relaxed);
            Ok(())
        });
    let _object = bus.serve(PATH, daemon)?;
    let reply = bus.request_name(NAME, RequestNameFlags::empty())?;
    if !reply.is_owner() {
        return Err(Error::Invalid {
            kind: InvalidKind::BusName,
            value: NAME.to_owned(),
            reason: "is owned by another connection",
        });
    }
    Notify::new()
        .ready()
        .status(format!("serving {PATH} as {NAME}"))
        .send()?;
    bus.run_until(|| quit.load(Ordering::Relaxed))?;
    Notify::new().stopping().send()?;
    // Dropping the bus flushes the reply to `Quit`.
    Ok(())
}

fn client(who: &str) -> sdbus::Result<()> {
    let bus = Bus::open_user()?;
    let reply = bus.call_method(NAME, PATH, INTERFACE, "Greet", &(who,))?;
    let greeting: String = reply.read()?;
    let greeted: u32 = bus.get_property(NAME, PATH, INTERFACE, "Greeted")?;
    println!("{greeting}");
    println!("greeted {greeted} time(s)");
    Ok(())
}

fn quit() -> sdbus::Result<()> {
    let bus = Bus::open_user()?;
    bus.call_method(NAME, PATH, INTERFACE, "Quit", &())?;
    Ok(())
}
