//! The three clients of the benchmark — raw C sd-bus, `sdbus` and zbus —
//! each doing every workload the way a user of that library would.

use std::collections::HashMap;
use std::ffi::CString;
use std::fmt;

use futures_util::{FutureExt, StreamExt};
use sdbus::names::ObjectPath;
use sdbus::{Bus, ManagerScope, PendingReply, Subscription, Value, Variant};

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

pub const SYSTEMD: &str = "org.freedesktop.systemd1";
pub const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
pub const MANAGER: &str = "org.freedesktop.systemd1.Manager";
pub const UNIT: &str = "org.freedesktop.systemd1.Unit";
pub const PROPERTIES: &str = "org.freedesktop.DBus.Properties";
const DRIVER: &str = "org.freedesktop.DBus";
const DRIVER_PATH: &str = "/org/freedesktop/DBus";
const PEER: &str = "org.freedesktop.DBus.Peer";
const JOB_REMOVED_RULE: &str = "type='signal',sender='org.freedesktop.systemd1',\
    path='/org/freedesktop/systemd1',interface='org.freedesktop.systemd1.Manager',\
    member='JobRemoved'";
/// The unit whose `Unit` interface `GetAll` reads.
pub const GET_ALL_UNIT: &str = "dbus.service";
/// Calls in flight at once in the pipelined workload.
pub const PIPELINE: u64 = 1000;

/// One `ListUnits` entry, `(ssssssouso)`, decoded by `sdbus`.
type SdbusUnit = (
    String,
    String,
    String,
    String,
    String,
    String,
    ObjectPath,
    u32,
    String,
    ObjectPath,
);

/// One `ListUnits` entry decoded by zbus.
type ZbusUnit = (
    String,
    String,
    String,
    String,
    String,
    String,
    zbus::OwnedObjectPath,
    u32,
    String,
    zbus::OwnedObjectPath,
);

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `Peer.Ping` to the bus driver.
    Ping,
    /// `Properties.Get` of the manager's `Version`, read as a string.
    GetVersion,
    /// The same over the manager's private socket, without the bus daemon.
    GetVersionDirect,
    /// `GetAll` of a unit's `Unit` interface, fully decoded.
    GetAll,
    /// `ListUnits`, decoded.
    ListUnits,
    /// Build and seal a call with a 64-entry `a{sv}`, no I/O.
    BuildSeal,
    /// `Properties.Get` of `Version` with [`PIPELINE`] calls in flight (one
    /// operation is one `Get`).
    PipelinedGet,
    /// `StartTransientUnit` of `/bin/true` and wait for its `JobRemoved`.
    Transient,
    /// `/bin/true` run in a transient service and waited for until it is
    /// over, with its outcome: `sdbus::transient::Run`, and the same
    /// protocol in C.
    RunWait,
}

impl Workload {
    pub const ALL: [Workload; 9] = [
        Workload::Ping,
        Workload::GetVersion,
        Workload::GetVersionDirect,
        Workload::GetAll,
        Workload::ListUnits,
        Workload::BuildSeal,
        Workload::PipelinedGet,
        Workload::Transient,
        Workload::RunWait,
    ];

    /// A short name, used for criterion's groups.
    pub fn id(self) -> &'static str {
        match self {
            Workload::Ping => "ping",
            Workload::GetVersion => "get_version",
            Workload::GetVersionDirect => "get_version_direct",
            Workload::GetAll => "get_all_unit",
            Workload::ListUnits => "list_units",
            Workload::BuildSeal => "build_seal_64",
            Workload::PipelinedGet => "pipelined_get_1000",
            Workload::Transient => "transient_true",
            Workload::RunWait => "run_wait_true",
        }
    }

    /// The name in the table.
    pub fn title(self) -> &'static str {
        match self {
            Workload::Ping => "`Peer.Ping` to the bus driver",
            Workload::GetVersion => "`Properties.Get` Manager `Version`",
            Workload::GetVersionDirect => "the same, manager's private socket",
            Workload::GetAll => "`GetAll` of a unit's `Unit` interface, decoded",
            Workload::ListUnits => "`ListUnits` decoded",
            Workload::BuildSeal => "build + seal a call with a 64-entry `a{sv}`",
            Workload::PipelinedGet => "`Get` ×1000 in flight (per `Get`)",
            Workload::Transient => "`StartTransientUnit` `/bin/true` + `JobRemoved`",
            Workload::RunWait => "`transient::Run` `/bin/true` + wait for its outcome",
        }
    }

    /// Operations per timed run in the fixed-count pass, for about 0.1–0.3 s.
    pub fn count(self) -> u64 {
        match self {
            Workload::Ping => 2000,
            Workload::GetVersion | Workload::GetVersionDirect => 2000,
            Workload::GetAll => 600,
            Workload::ListUnits => 1000,
            Workload::BuildSeal => 10_000,
            Workload::PipelinedGet => 2 * PIPELINE,
            Workload::Transient | Workload::RunWait => 60,
        }
    }
}

/// The three clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    C,
    Sdbus,
    Zbus,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::C => "c",
            Kind::Sdbus => "sdbus",
            Kind::Zbus => "zbus",
        })
    }
}

/// The 64 entries of the `a{sv}` built by [`Workload::BuildSeal`]: keys
/// `KeyNN`, values cycling through `s`, `u`, `b`, `t` (as raw.c does).
fn build_entries() -> impl Iterator<Item = (String, BuildValue)> {
    const STRINGS: [&str; 4] = ["alpha", "beta", "gamma", "delta"];
    (0..64u32).map(|k| {
        let value = match k % 4 {
            0 => BuildValue::S(STRINGS[(k / 4 % 4) as usize]),
            1 => BuildValue::U(k),
            2 => BuildValue::B(k % 8 == 2),
            _ => BuildValue::T(u64::from(k) << 32),
        };
        (format!("Key{k:02}"), value)
    })
}

enum BuildValue {
    S(&'static str),
    U(u32),
    B(bool),
    T(u64),
}

/// A client of any kind.
pub enum Client {
    C(CClient),
    Sdbus(SdbusClient),
    // Boxed: a zbus stream makes it much larger than the others.
    Zbus(Box<ZbusClient>),
}

impl Client {
    pub fn open(kind: Kind, direct: bool, unit_path: &str) -> Res<Client> {
        Ok(match kind {
            Kind::C => Client::C(CClient::open(direct, unit_path)?),
            Kind::Sdbus => Client::Sdbus(SdbusClient::open(direct, unit_path)?),
            Kind::Zbus => Client::Zbus(Box::new(ZbusClient::open(direct, unit_path)?)),
        })
    }

    pub fn kind(&self) -> Kind {
        match self {
            Client::C(_) => Kind::C,
            Client::Sdbus(_) => Kind::Sdbus,
            Client::Zbus(_) => Kind::Zbus,
        }
    }

    /// Runs `n` operations of `workload`; returns a check value (a count or
    /// a length) that must agree between clients.
    pub fn run(&mut self, workload: Workload, n: u64) -> Res<u64> {
        match self {
            Client::C(c) => c.run(workload, n),
            Client::Sdbus(c) => c.run(workload, n),
            Client::Zbus(c) => c.run(workload, n),
        }
    }

    /// Handles, untimed, what other clients' work sent this connection,
    /// until it has been quiet for 20 ms (at most 5 s): `JobRemoved`,
    /// which every client's subscription matches, and on the manager's
    /// private socket every unit signal, which the manager sends to each
    /// direct connection and queues while the client is idle. zbus reads
    /// its socket on its own threads all along.
    pub fn drain(&mut self) -> Res<()> {
        match self {
            Client::C(c) => c.conn.drain().map(drop)?,
            Client::Sdbus(c) => {
                for _ in 0..250 {
                    while c.bus.process()? {}
                    if !c.bus.wait(Some(std::time::Duration::from_millis(20)))? {
                        break;
                    }
                }
                if let Some(jobs) = &c.jobs {
                    while jobs.try_recv().is_some() {}
                }
            }
            Client::Zbus(_) => {}
        }
        Ok(())
    }

    /// `ListUnits` and `GetAll` of every unit listed, one call after the
    /// other (`pipelined`: all `GetAll`s in flight at once). Returns the
    /// number of units.
    pub fn fleet_snapshot(&mut self, pipelined: bool) -> Res<u64> {
        match self {
            Client::C(c) => Ok(c.conn.fleet_snapshot(1)?.into()),
            Client::Sdbus(c) => c.fleet_snapshot(pipelined),
            Client::Zbus(c) => c.fleet_snapshot(pipelined),
        }
    }
}

// ---------------------------------------------------------------------------
// Raw C sd-bus, through benches/c-baseline.
// ---------------------------------------------------------------------------

pub struct CClient {
    pub conn: sdbus_c_baseline::Conn,
    unit_path: CString,
}

impl CClient {
    fn open(direct: bool, unit_path: &str) -> Res<CClient> {
        Ok(CClient {
            conn: sdbus_c_baseline::Conn::open(direct).ok_or("the C baseline cannot connect")?,
            unit_path: CString::new(unit_path)?,
        })
    }

    fn run(&mut self, workload: Workload, n: u64) -> Res<u64> {
        let c = &mut self.conn;
        Ok(match workload {
            Workload::Ping => c.ping(n).map(|()| 0)?,
            Workload::GetVersion | Workload::GetVersionDirect => c.get_version(n)?.into(),
            Workload::GetAll => c.get_all(&self.unit_path, n)?.into(),
            Workload::ListUnits => c.list_units(n)?.into(),
            Workload::BuildSeal => c.build_seal(n).map(|()| 0)?,
            Workload::PipelinedGet => c.pipelined_get(PIPELINE, n / PIPELINE)?.into(),
            Workload::Transient => c.transient(n).map(|()| 0)?,
            Workload::RunWait => c.run_wait(n)?.into(),
        })
    }
}

// ---------------------------------------------------------------------------
// sdbus.
// ---------------------------------------------------------------------------

pub struct SdbusClient {
    // Leaked so that the subscription can borrow it for the whole run.
    bus: &'static Bus,
    jobs: Option<Subscription<'static>>,
    unit_path: String,
    build_map: HashMap<String, Value>,
    counter: u64,
}

impl SdbusClient {
    fn open(direct: bool, unit_path: &str) -> Res<SdbusClient> {
        let bus = if direct {
            Bus::open_manager_direct(ManagerScope::User)?
        } else {
            Bus::open_user()?
        };
        let bus: &'static Bus = Box::leak(Box::new(bus));
        // Signals on the private socket carry no sender: the rule (which
        // names one) is for the bus only; the direct client only reads.
        let jobs = if direct {
            None
        } else {
            Some(bus.subscribe(JOB_REMOVED_RULE)?)
        };
        let build_map = build_entries()
            .map(|(key, value)| {
                let value = match value {
                    BuildValue::S(s) => Value::from(s),
                    BuildValue::U(u) => Value::from(u),
                    BuildValue::B(b) => Value::from(b),
                    BuildValue::T(t) => Value::from(t),
                };
                (key, value)
            })
            .collect();
        Ok(SdbusClient {
            bus,
            jobs,
            unit_path: unit_path.to_owned(),
            build_map,
            counter: 0,
        })
    }

    fn run(&mut self, workload: Workload, n: u64) -> Res<u64> {
        let bus = self.bus;
        let mut check = 0;
        match workload {
            Workload::Ping => {
                for _ in 0..n {
                    bus.call_method(DRIVER, DRIVER_PATH, PEER, "Ping", &())?;
                }
            }
            Workload::GetVersion | Workload::GetVersionDirect => {
                for _ in 0..n {
                    let version: String =
                        bus.get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")?;
                    check = version.len() as u64;
                }
            }
            Workload::GetAll => {
                for _ in 0..n {
                    let props = bus.get_all(SYSTEMD, &self.unit_path, UNIT)?;
                    check = props.len() as u64;
                }
            }
            Workload::ListUnits => {
                for _ in 0..n {
                    let units: Vec<SdbusUnit> = bus
                        .call_method(SYSTEMD, MANAGER_PATH, MANAGER, "ListUnits", &())?
                        .read()?;
                    check = units.len() as u64;
                }
            }
            Workload::BuildSeal => {
                for cookie in 1..=n {
                    let mut call =
                        bus.new_method_call(SYSTEMD, MANAGER_PATH, "com.example.Bench", "Set")?;
                    call.append(&self.build_map)?;
                    call.seal(cookie)?;
                }
            }
            Workload::PipelinedGet => {
                for _ in 0..n / PIPELINE {
                    let pending = (0..PIPELINE)
                        .map(|_| {
                            let mut call =
                                bus.new_method_call(SYSTEMD, MANAGER_PATH, PROPERTIES, "Get")?;
                            call.append_args(&(MANAGER, "Version"))?;
                            bus.call_pending(&call, None)
                        })
                        .collect::<sdbus::Result<Vec<PendingReply<'_>>>>()?;
                    for reply in pending {
                        let Variant(version) = reply.wait()?.read::<Variant<String>>()?;
                        check = version.len() as u64;
                    }
                }
            }
            Workload::Transient => {
                let jobs = self.jobs.as_ref().ok_or("no JobRemoved subscription")?;
                // Other clients' jobs queued meanwhile.
                while jobs.try_recv().is_some() {}
                for _ in 0..n {
                    self.counter += 1;
                    let name = format!("sdbus-{}-{}.service", std::process::id(), self.counter);
                    let properties: Vec<(&str, Value)> = vec![
                        ("Description", Value::from("sdbus benchmark")),
                        (
                            "ExecStart",
                            Value::from(vec![("/bin/true", vec!["/bin/true"], false)]),
                        ),
                    ];
                    let aux: Vec<(&str, Vec<(&str, Value)>)> = Vec::new();
                    let job: ObjectPath = bus
                        .call_method(
                            SYSTEMD,
                            MANAGER_PATH,
                            MANAGER,
                            "StartTransientUnit",
                            &(name.as_str(), "fail", properties, aux),
                        )?
                        .read()?;
                    loop {
                        let signal = jobs.recv()?;
                        let (_id, removed, _unit, _result): (u32, ObjectPath, &str, &str) =
                            signal.read_args()?;
                        if removed == job {
                            break;
                        }
                    }
                }
            }
            Workload::RunWait => {
                for _ in 0..n {
                    let outcome = sdbus::transient::Run::new(["/bin/true"])
                        .bus(bus)
                        .start()?
                        .wait()?;
                    let status = outcome
                        .exit_code()
                        .filter(|_| outcome.success())
                        .ok_or_else(|| format!("/bin/true did not succeed: {outcome}"))?;
                    check = u64::try_from(status)?;
                }
            }
        }
        Ok(check)
    }

    fn fleet_snapshot(&mut self, pipelined: bool) -> Res<u64> {
        let bus = self.bus;
        let units: Vec<SdbusUnit> = bus
            .call_method(SYSTEMD, MANAGER_PATH, MANAGER, "ListUnits", &())?
            .read()?;
        if pipelined {
            let pending = units
                .iter()
                .map(|unit| {
                    let mut call =
                        bus.new_method_call(SYSTEMD, unit.6.as_str(), PROPERTIES, "GetAll")?;
                    call.append(UNIT)?;
                    bus.call_pending(&call, None)
                })
                .collect::<sdbus::Result<Vec<_>>>()?;
            for reply in pending {
                let props: HashMap<String, Value> = reply.wait()?.read()?;
                std::hint::black_box(props);
            }
        } else {
            for unit in &units {
                std::hint::black_box(bus.get_all(SYSTEMD, unit.6.as_str(), UNIT)?);
            }
        }
        Ok(units.len() as u64)
    }
}

// ---------------------------------------------------------------------------
// zbus 6: async calls run to completion by `zbus::block_on`, one call of it
// per timed loop, as an async program would run them.
// ---------------------------------------------------------------------------

pub struct ZbusClient {
    conn: zbus::Connection,
    jobs: Option<zbus::MessageStream>,
    unit_path: String,
    build_map: HashMap<String, zbus::Variant<'static>>,
    counter: u64,
}

impl ZbusClient {
    fn open(direct: bool, unit_path: &str) -> Res<ZbusClient> {
        zbus::block_on(async {
            if direct {
                // The manager's private socket, with zbus's `p2p` feature.
                let runtime = std::env::var("XDG_RUNTIME_DIR")?;
                let conn = zbus::connection::Builder::address(
                    format!("unix:path={runtime}/systemd/private").as_str(),
                )
                .p2p()
                .build()
                .await?;
                return Ok(ZbusClient {
                    conn,
                    jobs: None,
                    unit_path: unit_path.to_owned(),
                    build_map: HashMap::new(),
                    counter: 0,
                });
            }
            let conn = zbus::Connection::session().await?;
            // The stream queues every JobRemoved on the bus, also while it
            // is not polled (other clients' jobs, the fleet's): a full queue
            // would stop the connection (zbus applies back-pressure), so it
            // gets room for all of them and is drained before each use.
            let room = std::num::NonZeroUsize::new(1 << 20);
            let jobs = zbus::MessageStream::for_match_rule(JOB_REMOVED_RULE, &conn, room).await?;
            let build_map = build_entries()
                .map(|(key, value)| {
                    let value = match value {
                        BuildValue::S(s) => zbus::Variant::from(s),
                        BuildValue::U(u) => zbus::Variant::from(u),
                        BuildValue::B(b) => zbus::Variant::from(b),
                        BuildValue::T(t) => zbus::Variant::from(t),
                    };
                    (key, value)
                })
                .collect();
            Ok(ZbusClient {
                conn,
                jobs: Some(jobs),
                unit_path: unit_path.to_owned(),
                build_map,
                counter: 0,
            })
        })
    }

    fn run(&mut self, workload: Workload, n: u64) -> Res<u64> {
        zbus::block_on(self.run_async(workload, n))
    }

    async fn run_async(&mut self, workload: Workload, n: u64) -> Res<u64> {
        let conn = &self.conn;
        let mut check = 0;
        match workload {
            Workload::Ping => {
                for _ in 0..n {
                    conn.call_method(Some(DRIVER), DRIVER_PATH, Some(PEER), "Ping", &())
                        .await?;
                }
            }
            Workload::GetVersion | Workload::GetVersionDirect => {
                // The manager's private socket has no bus daemon to route
                // by destination.
                let destination = (workload == Workload::GetVersion).then_some(SYSTEMD);
                for _ in 0..n {
                    let reply = conn
                        .call_method(
                            destination,
                            MANAGER_PATH,
                            Some(PROPERTIES),
                            "Get",
                            &(MANAGER, "Version"),
                        )
                        .await?;
                    let version =
                        String::try_from(reply.body().deserialize::<zbus::OwnedVariant>()?)?;
                    check = version.len() as u64;
                }
            }
            Workload::RunWait => return Err("zbus has no transient-unit API".into()),
            Workload::GetAll => {
                for _ in 0..n {
                    let reply = conn
                        .call_method(
                            Some(SYSTEMD),
                            self.unit_path.as_str(),
                            Some(PROPERTIES),
                            "GetAll",
                            &(UNIT,),
                        )
                        .await?;
                    let props: HashMap<String, zbus::OwnedVariant> = reply.body().deserialize()?;
                    check = props.len() as u64;
                }
            }
            Workload::ListUnits => {
                for _ in 0..n {
                    let reply = conn
                        .call_method(Some(SYSTEMD), MANAGER_PATH, Some(MANAGER), "ListUnits", &())
                        .await?;
                    let units: Vec<ZbusUnit> = reply.body().deserialize()?;
                    check = units.len() as u64;
                }
            }
            Workload::BuildSeal => {
                for _ in 0..n {
                    let message = zbus::Message::method_call(MANAGER_PATH, "Set")
                        .destination(SYSTEMD)
                        .interface("com.example.Bench")
                        .build(&(&self.build_map,))?;
                    std::hint::black_box(message);
                }
            }
            Workload::PipelinedGet => {
                for _ in 0..n / PIPELINE {
                    let calls = (0..PIPELINE).map(|_| {
                        conn.call_method(
                            Some(SYSTEMD),
                            MANAGER_PATH,
                            Some(PROPERTIES),
                            "Get",
                            &(MANAGER, "Version"),
                        )
                    });
                    for reply in futures_util::future::join_all(calls).await {
                        let version =
                            String::try_from(reply?.body().deserialize::<zbus::OwnedVariant>()?)?;
                        check = version.len() as u64;
                    }
                }
            }
            Workload::Transient => {
                let jobs = self.jobs.as_mut().ok_or("no JobRemoved stream")?;
                while let Some(Some(stale)) = jobs.next().now_or_never() {
                    drop(stale);
                }
                for _ in 0..n {
                    self.counter += 1;
                    let name = format!("zbus-{}-{}.service", std::process::id(), self.counter);
                    let properties: Vec<(&str, zbus::Variant<'_>)> = vec![
                        ("Description", zbus::Variant::from("sdbus benchmark")),
                        (
                            "ExecStart",
                            zbus::Variant::from(vec![("/bin/true", vec!["/bin/true"], false)]),
                        ),
                    ];
                    let aux: Vec<(&str, Vec<(&str, zbus::Variant<'_>)>)> = Vec::new();
                    let reply = conn
                        .call_method(
                            Some(SYSTEMD),
                            MANAGER_PATH,
                            Some(MANAGER),
                            "StartTransientUnit",
                            &(name.as_str(), "fail", properties, aux),
                        )
                        .await?;
                    let job: zbus::OwnedObjectPath = reply.body().deserialize()?;
                    loop {
                        let signal = jobs.next().await.ok_or("the JobRemoved stream ended")??;
                        let body = signal.body();
                        let (_id, removed, _unit, _result): (
                            u32,
                            zbus::ObjectPath<'_>,
                            &str,
                            &str,
                        ) = body.deserialize()?;
                        if removed == *job {
                            break;
                        }
                    }
                }
            }
        }
        Ok(check)
    }

    fn fleet_snapshot(&mut self, pipelined: bool) -> Res<u64> {
        zbus::block_on(async {
            let conn = &self.conn;
            let reply = conn
                .call_method(Some(SYSTEMD), MANAGER_PATH, Some(MANAGER), "ListUnits", &())
                .await?;
            let units: Vec<ZbusUnit> = reply.body().deserialize()?;
            if pipelined {
                let calls = units.iter().map(|unit| zbus_get_all(conn, unit.6.as_str()));
                for reply in futures_util::future::join_all(calls).await {
                    let props: HashMap<String, zbus::OwnedVariant> = reply?.body().deserialize()?;
                    std::hint::black_box(props);
                }
            } else {
                for unit in &units {
                    let props: HashMap<String, zbus::OwnedVariant> =
                        zbus_get_all(conn, unit.6.as_str())
                            .await?
                            .body()
                            .deserialize()?;
                    std::hint::black_box(props);
                }
            }
            Ok(units.len() as u64)
        })
    }
}

/// `GetAll` of the `Unit` interface of `path`, with zbus.
async fn zbus_get_all(conn: &zbus::Connection, path: &str) -> zbus::Result<zbus::Message> {
    conn.call_method(Some(SYSTEMD), path, Some(PROPERTIES), "GetAll", &(UNIT,))
        .await
}
