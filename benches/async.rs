//! Async throughput: `PIPELINE` (1,000) `Properties.Get` of the manager's
//! `Version` in flight at once on one connection, awaited together, with
//! `sdbus::tokio` and with zbus on tokio, against the same bus, in one
//! process. Run it inside the sandbox:
//!
//! ```text
//! sandbox/run cargo bench --features tokio --bench async
//! ```
//!
//! The clients, each on its own runtime, created once:
//! - **sdbus async**: an [`AsyncBus`] on a current-thread runtime with a
//!   `LocalSet` (the driver is a local task);
//! - **sdbus blocking**: the same calls with [`Bus::call_pending`] and
//!   `PendingReply::wait`, no runtime: what the async layer adds;
//! - **zbus tokio (current thread)** and **zbus tokio (multi-thread)**:
//!   zbus 6 with tokio as its runtime, handed over with
//!   `zbus::connection::Builder::runtime` (zbus's own `tokio` feature
//!   would switch `benches/calls.rs`'s zbus to tokio as well: features
//!   unify), on a current-thread runtime and on a multi-threaded one;
//! - **zbus default runtime**: zbus as most get it (its own runtime, which
//!   then runs the connection on a helper thread), awaited from a tokio
//!   current-thread runtime.
//!
//! Every round runs one batch of `PIPELINE` calls per client, the order of
//! the clients rotating between rounds, so that a shared machine's noise
//! falls on all of them alike; the table shows medians over rounds of
//! calls per second (wall time) and CPU time per call of the whole process
//! (`getrusage(RUSAGE_SELF)`: zbus's runtime threads count; the bus daemon
//! and the manager, other processes, do not), and each client's relative
//! to sdbus async.
//!
//! Then transient runs: `/bin/true` in a transient service, awaited with
//! `AsyncBus::run` and waited for with the blocking `RunningUnit::wait`,
//! alternating, to show what the async layer adds to a run (zbus has no
//! transient-unit API).
//!
//! Knobs: `SDBUS_BENCH_ROUNDS` (50); `SDBUS_BENCH_RUN_ROUNDS` (10, of 20
//! runs per client); `SDBUS_BENCH_ONLY`, a word the names of the clients
//! to run contain (such as `async`, for a profiler), which leaves out the
//! ratios. Without `--bench` (`cargo test --benches`), every client runs
//! one batch and one run, as a check.

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::process::{Command, ExitStatus, Stdio};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use sdbus::tokio::AsyncBus;
use sdbus::transient::{Run, RunOutcome};
use sdbus::{Bus, Variant};
use tokio::io::unix::AsyncFd;
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::{JoinHandle, LocalSet};
use zbus::runtime::{traits, Interest, IoSource};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const SYSTEMD: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER: &str = "org.freedesktop.systemd1.Manager";
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";
/// Calls in flight at once.
const PIPELINE: usize = 1000;

const SDBUS_ASYNC: &str = "sdbus async (LocalSet)";
const SDBUS_BLOCKING: &str = "sdbus blocking (call_pending)";
const ZBUS_CURRENT: &str = "zbus tokio (current thread)";
const ZBUS_MULTI: &str = "zbus tokio (multi-thread)";

/// One client: a connection and what runs it.
enum Client {
    SdbusAsync {
        runtime: Runtime,
        local: LocalSet,
        bus: AsyncBus,
    },
    SdbusBlocking(Bus),
    Zbus {
        runtime: Runtime,
        conn: zbus::Connection,
    },
}

impl Client {
    fn sdbus_async() -> Res<Client> {
        let runtime = Builder::new_current_thread().enable_all().build()?;
        let local = LocalSet::new();
        let bus = local.block_on(&runtime, async { AsyncBus::new(Bus::open_user()?) })?;
        Ok(Client::SdbusAsync {
            runtime,
            local,
            bus,
        })
    }

    /// zbus on `runtime`: on tokio (`with_tokio`), or on its own runtime.
    fn zbus(runtime: Runtime, with_tokio: bool) -> Res<Client> {
        let handle = runtime.handle().clone();
        let conn = runtime.block_on(async move {
            let builder = zbus::connection::Builder::session();
            let builder = if with_tokio {
                builder.runtime(TokioRuntime(handle))
            } else {
                builder
            };
            builder.build().await
        })?;
        Ok(Client::Zbus { runtime, conn })
    }

    /// One batch: `PIPELINE` calls sent, then awaited; returns the sum of
    /// the lengths of the versions read, as a check.
    fn batch(&self, version: &str) -> Res<usize> {
        let mut total = 0;
        match self {
            Client::SdbusAsync {
                runtime,
                local,
                bus,
            } => {
                local.block_on(runtime, async {
                    let calls = (0..PIPELINE).map(|_| {
                        bus.call_method(
                            SYSTEMD,
                            MANAGER_PATH,
                            PROPERTIES,
                            "Get",
                            &(MANAGER, "Version"),
                        )
                    });
                    for reply in join_all(calls.collect::<Vec<_>>()).await {
                        let reply = reply?;
                        let Variant(got): Variant<&str> = reply.read()?;
                        check(got, version)?;
                        total += got.len();
                    }
                    Res::Ok(())
                })?;
            }
            Client::SdbusBlocking(bus) => {
                let calls = (0..PIPELINE)
                    .map(|_| {
                        let mut call =
                            bus.new_method_call(SYSTEMD, MANAGER_PATH, PROPERTIES, "Get")?;
                        call.append_args(&(MANAGER, "Version"))?;
                        bus.call_pending(&call, None)
                    })
                    .collect::<sdbus::Result<Vec<_>>>()?;
                for pending in calls {
                    let reply = pending.wait()?;
                    let Variant(got): Variant<&str> = reply.read()?;
                    check(got, version)?;
                    total += got.len();
                }
            }
            Client::Zbus { runtime, conn } => {
                runtime.block_on(async {
                    let calls = (0..PIPELINE).map(|_| {
                        conn.call_method(
                            Some(SYSTEMD),
                            MANAGER_PATH,
                            Some(PROPERTIES),
                            "Get",
                            &(MANAGER, "Version"),
                        )
                    });
                    for reply in join_all(calls).await {
                        let got =
                            String::try_from(reply?.body().deserialize::<zbus::OwnedVariant>()?)?;
                        check(&got, version)?;
                        total += got.len();
                    }
                    Res::Ok(())
                })?;
            }
        }
        Ok(total)
    }

    /// `/bin/true` in a transient service, `n` times, each awaited (async)
    /// or waited for (blocking) until it is over.
    fn runs(&self, n: usize) -> Res<()> {
        let succeeded = |outcome: RunOutcome| -> Res<()> {
            if outcome.success() {
                Ok(())
            } else {
                Err(format!("/bin/true did not succeed: {outcome}").into())
            }
        };
        match self {
            Client::SdbusAsync {
                runtime,
                local,
                bus,
            } => local.block_on(runtime, async {
                for _ in 0..n {
                    succeeded(bus.run(Run::new(["/bin/true"])).await?)?;
                }
                Ok(())
            }),
            Client::SdbusBlocking(bus) => {
                for _ in 0..n {
                    succeeded(Run::new(["/bin/true"]).bus(bus).start()?.wait()?)?;
                }
                Ok(())
            }
            Client::Zbus { .. } => Err("zbus has no transient-unit API".into()),
        }
    }
}

/// Transient runs, async against blocking, alternating; prints the rates.
fn run_pass(async_client: &Client, blocking: &Client, rounds: usize, per_round: usize) -> Res<()> {
    async_client.runs(1)?;
    blocking.runs(1)?;
    let mut rates = [Vec::new(), Vec::new()];
    let mut cpu = [Vec::new(), Vec::new()];
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let mut this_round = [0.0; 2];
        for k in 0..2 {
            let i = (k + round) % 2;
            let client = [async_client, blocking][i];
            let (wall0, cpu0) = (Instant::now(), process_cpu());
            client.runs(per_round)?;
            let (wall, used) = (wall0.elapsed(), process_cpu() - cpu0);
            this_round[i] = per_round as f64 / wall.as_secs_f64();
            rates[i].push(this_round[i]);
            cpu[i].push(used.as_secs_f64() * 1e6 / per_round as f64);
        }
        ratios.push(this_round[0] / this_round[1]);
    }
    let [async_rate, blocking_rate] = rates.map(median);
    let [async_cpu, blocking_cpu] = cpu.map(median);
    println!();
    println!(
        "Transient runs of /bin/true, {per_round} per client and round, {rounds} rounds, medians: \
         sdbus async (AsyncBus::run) {async_rate:.0} runs/s, {async_cpu:.0} µs CPU/run; \
         blocking (Run::start + wait) {blocking_rate:.0} runs/s, {blocking_cpu:.0} µs CPU/run; \
         async/blocking rate {:.3} (median of the rounds' ratios)",
        median(ratios)
    );
    Ok(())
}

fn check(got: &str, version: &str) -> Res<()> {
    if got != version {
        return Err(format!("Get returned {got:?}, not {version:?}").into());
    }
    Ok(())
}

/// The process's user + system CPU time so far.
fn process_cpu() -> Duration {
    // SAFETY: an all-zero `rusage` is valid, and getrusage fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid out pointer.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Res<()> {
    let benching = std::env::args().any(|a| a == "--bench");
    let rounds = if benching {
        env_usize("SDBUS_BENCH_ROUNDS", 50).max(1)
    } else {
        1
    };
    let only = std::env::var("SDBUS_BENCH_ONLY").ok();
    let version: String =
        Bus::open_user()?.get_property(SYSTEMD, MANAGER_PATH, MANAGER, "Version")?;
    let current_thread = || Builder::new_current_thread().enable_all().build();
    type Open<'a> = Box<dyn Fn() -> Res<Client> + 'a>;
    let all: [(&str, Open<'_>); 5] = [
        (SDBUS_ASYNC, Box::new(Client::sdbus_async)),
        (
            SDBUS_BLOCKING,
            Box::new(|| Ok(Client::SdbusBlocking(Bus::open_user()?))),
        ),
        (
            ZBUS_CURRENT,
            Box::new(|| Client::zbus(current_thread()?, true)),
        ),
        (
            ZBUS_MULTI,
            Box::new(|| Client::zbus(Builder::new_multi_thread().enable_all().build()?, true)),
        ),
        (
            "zbus default runtime",
            Box::new(|| Client::zbus(current_thread()?, false)),
        ),
    ];
    let mut clients = Vec::new();
    for (name, open) in &all {
        if only.as_deref().is_none_or(|word| name.contains(word)) {
            clients.push((*name, open()?));
        }
    }
    // Warm-up: connections set up, caches filled.
    for (_, client) in &clients {
        client.batch(&version)?;
    }

    let mut rates = vec![Vec::new(); clients.len()];
    let mut cpu = vec![Vec::new(); clients.len()];
    for round in 0..rounds {
        for k in 0..clients.len() {
            let i = (k + round) % clients.len();
            let client = &clients[i].1;
            let (wall0, cpu0) = (Instant::now(), process_cpu());
            let check = client.batch(&version)?;
            let (wall, used) = (wall0.elapsed(), process_cpu() - cpu0);
            assert_eq!(check, PIPELINE * version.len());
            let calls = PIPELINE as f64;
            rates[i].push(calls / wall.as_secs_f64());
            cpu[i].push(used.as_secs_f64() * 1e6 / calls);
        }
    }

    let rates: Vec<f64> = rates.into_iter().map(median).collect();
    let cpu: Vec<f64> = cpu.into_iter().map(median).collect();
    println!();
    println!(
        "{PIPELINE} pipelined Properties.Get of Version per batch, {rounds} rounds, medians ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!();
    println!(
        "| client | calls/s | CPU µs/call (process) | rate vs sdbus async | CPU vs sdbus async |"
    );
    println!("|---|---:|---:|---:|---:|");
    let base = clients.iter().position(|(name, _)| *name == SDBUS_ASYNC);
    let ratio = |values: &[f64], i: usize| match base {
        Some(base) => format!("{:.2}×", values[i] / values[base]),
        None => "—".to_owned(),
    };
    for (i, (name, _)) in clients.iter().enumerate() {
        println!(
            "| {name} | {:.0} | {:.2} | {} | {} |",
            rates[i],
            cpu[i],
            ratio(&rates, i),
            ratio(&cpu, i)
        );
    }
    let of = |name: &str| clients.iter().position(|(n, _)| *n == name);
    if let (Some(a), Some(b), Some(zc), Some(zm)) = (
        of(SDBUS_ASYNC),
        of(SDBUS_BLOCKING),
        of(ZBUS_CURRENT),
        of(ZBUS_MULTI),
    ) {
        println!();
        println!(
            "sdbus async is {:.2}× zbus tokio (current thread) and {:.2}× zbus tokio (multi-thread) in calls/s; \
             async costs {:.2}× the blocking pipelined calls' CPU",
            rates[a] / rates[zc],
            rates[a] / rates[zm],
            cpu[a] / cpu[b]
        );
    }
    if let (Some(a), Some(b)) = (of(SDBUS_ASYNC), of(SDBUS_BLOCKING)) {
        let (run_rounds, per_round) = if benching {
            (env_usize("SDBUS_BENCH_RUN_ROUNDS", 10).max(1), 20)
        } else {
            (1, 1)
        };
        run_pass(&clients[a].1, &clients[b].1, run_rounds, per_round)?;
    }
    Ok(())
}

/// Tokio as zbus's runtime, through zbus's runtime trait: what zbus's own
/// `tokio` feature does, without turning that feature on for every
/// benchmark of the package.
#[derive(Clone, Debug)]
struct TokioRuntime(Handle);

impl traits::Runtime for TokioRuntime {
    type RegisteredIoSource = Registered;
    type Sleep = tokio::time::Sleep;
    type Task<T>
        = Task<T>
    where
        T: Send + 'static;

    fn register_io_source(&self, source: IoSource) -> io::Result<Registered> {
        let _runtime = self.0.enter();
        // SAFETY: the `AsyncFd` owns `source`, which owns its descriptor:
        // open, and the same, until the `AsyncFd` is dropped.
        Ok(Registered(unsafe { AsyncFd::register(source) }?))
    }

    fn sleep(&self, duration: Duration) -> tokio::time::Sleep {
        let _runtime = self.0.enter();
        tokio::time::sleep(duration)
    }

    fn spawn<T>(&self, _name: &str, future: impl Future<Output = T> + Send + 'static) -> Task<T>
    where
        T: Send + 'static,
    {
        Task(Some(self.0.spawn(future)))
    }

    fn connect_tcp(
        &self,
        _address: std::net::SocketAddr,
    ) -> impl Future<Output = io::Result<IoSource>> + Send {
        std::future::ready(Err(io::Error::from(io::ErrorKind::Unsupported)))
    }

    fn connect_unix(&self, path: &Path) -> impl Future<Output = io::Result<IoSource>> + Send {
        // Connecting a local socket does not block.
        let stream = std::os::unix::net::UnixStream::connect(path).and_then(|stream| {
            stream.set_nonblocking(true)?;
            Ok(IoSource::from(std::os::fd::OwnedFd::from(stream)))
        });
        std::future::ready(stream)
    }

    fn spawn_process(
        &self,
        _command: Command,
        _stdin: Stdio,
        _stdout: Stdio,
        _stderr: Stdio,
    ) -> io::Result<Pin<Box<dyn Future<Output = io::Result<ExitStatus>> + Send + 'static>>> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

/// A socket registered with tokio's reactor, for zbus.
#[derive(Debug)]
struct Registered(AsyncFd<IoSource>);

impl traits::PollIo for Registered {
    fn poll_io<T>(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        mut operation: impl FnMut() -> io::Result<T>,
    ) -> Poll<io::Result<T>> {
        loop {
            let mut guard = match interest {
                Interest::Readable => std::task::ready!(self.0.poll_read_ready(cx))?,
                _ => std::task::ready!(self.0.poll_write_ready(cx))?,
            };
            match operation() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => guard.clear_ready(),
                result => return Poll::Ready(result),
            }
        }
    }
}

/// A task spawned for zbus: aborted when dropped, unless detached.
struct Task<T>(Option<JoinHandle<T>>);

impl<T: Send + 'static> traits::TaskHandle<T> for Task<T> {
    fn detach(mut self) {
        self.0.take();
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

impl<T> Future for Task<T> {
    type Output = io::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let Some(task) = self.get_mut().0.as_mut() else {
            return Poll::Ready(Err(io::Error::other("task polled after detach")));
        };
        Pin::new(task).poll(cx).map(|result| match result {
            Ok(value) => Ok(value),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(io::Error::other(e)),
        })
    }
}
