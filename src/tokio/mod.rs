//! Async D-Bus on [tokio](https://tokio.rs) (cargo feature `tokio`): calls,
//! signal streams, systemd jobs and unit states, and served methods whose
//! handlers are futures.
//!
//! ```
//! use sdbus::tokio::AsyncBus;
//!
//! let runtime = tokio::runtime::Builder::new_current_thread()
//!     .enable_all()
//!     .build()
//!     .expect("a tokio runtime");
//! // The bus lives in a `LocalSet`: its futures stay on this thread.
//! let local = tokio::task::LocalSet::new();
//! local.block_on(&runtime, async {
//!     let bus = AsyncBus::new(sdbus::Bus::open_user()?)?;
//!     // Each call is sent when made: all 100 are in flight together.
//!     let calls: Vec<_> = (0..100)
//!         .map(|_| {
//!             bus.call_method(
//!                 "org.freedesktop.DBus",
//!                 "/org/freedesktop/DBus",
//!                 "org.freedesktop.DBus.Peer",
//!                 "Ping",
//!                 &(),
//!             )
//!         })
//!         .collect();
//!     for call in calls {
//!         call.await?;
//!     }
//!     let version: String = bus
//!         .get_property(
//!             "org.freedesktop.systemd1",
//!             "/org/freedesktop/systemd1",
//!             "org.freedesktop.systemd1.Manager",
//!             "Version",
//!         )
//!         .await?;
//!     println!("systemd {version}");
//!     Ok::<(), sdbus::Error>(())
//! })?;
//! # Ok::<(), sdbus::Error>(())
//! ```
//!
//! # Design: the bus stays on its thread
//! A [`Bus`] is used from one thread at a time, and its messages borrow
//! it. An [`AsyncBus`] keeps it that way: it lives on one thread, inside a
//! tokio [`LocalSet`](::tokio::task::LocalSet) (or a `LocalRuntime`), where
//! [`AsyncBus::new`] spawns its *driver*, a local task that owns a share
//! of the bus and does what sd-bus asks of an event loop:
//!
//! - it registers the bus's socket ([`Bus::fd`]) with tokio's reactor
//!   ([`AsyncFd`]) and waits for what [`Bus::events`] asks for
//!   (`POLLIN`: readable, `POLLOUT`: writable, only while sd-bus has
//!   output queued);
//! - it sleeps until [`Bus::timeout_usec`], sd-bus's next deadline (an
//!   absolute `CLOCK_MONOTONIC` time, turned into a tokio
//!   [`Instant`] by its distance from now), and only then: there is no
//!   timer of its own, and nothing polls;
//! - whenever it wakes it runs [`Bus::process`] until sd-bus reports
//!   nothing left to do (yielding to other tasks after every
//!   [`PROCESS_BUDGET`] messages, so a flood of messages cannot starve them).
//!
//! The futures and streams of this module are woken by the sd-bus
//! callbacks the driver runs: a reply to a call stores the reply and wakes
//! the call's future, a signal queues itself and wakes its stream. There is
//! no channel and no copy between the connection and its users: a reply is
//! the `sd_bus_message` sd-bus received, handed over as a [`Message`]
//! borrowing the `AsyncBus`. That is the zero-overhead design, and the one
//! python-sdbus has with asyncio; its price is that the futures are not
//! [`Send`]: they run on the `LocalSet`'s thread. A multi-threaded program
//! gives the bus a thread of its own (a current-thread runtime with a
//! `LocalSet`) and talks to it with tokio's channels, decoding messages
//! into owned values before they cross — the second design, which this
//! module leaves to the application because the channel hop and the copy
//! are exactly the overhead the first avoids.
//!
//! # Cancellation
//! Dropping a [`PendingCall`] cancels the call: its sd-bus slot is
//! released at once, and a reply that arrives later is discarded by
//! sd-bus. Each pending call's state is owned jointly by the future and by
//! its sd-bus slot, released by the slot's destroy callback, so nothing is
//! freed while sd-bus can still reach it;
//! `AsyncBus::live_pending_calls` (hidden from the documentation, for
//! tests) counts those states. Dropping a [`SignalStream`] removes its
//! match; dropping a served method's future (such as when its task is
//! aborted) answers the caller with an error instead of leaving it
//! waiting.
//!
//! # The connection's end
//! When the connection fails or closes, sd-bus answers every pending call
//! with an error reply, streams end (`None`), and later calls fail. A panic
//! in a callback the driver runs (a closure given to [`Bus::add_match`]
//! through [`AsyncBus::bus`], for instance) ends the driver the same way
//! (the socket is shut down first, so that pending calls fail rather than
//! wait forever) and is then resumed in the driver task, where tokio
//! reports it. Messages sent through [`AsyncBus::bus`] rather than
//! [`AsyncBus::send`] are written at once as well; only if the socket is
//! full does the rest wait for the driver's next wake-up.
//!
//! # Serving
//! [`InterfaceExt::method_async`] adds a method whose handler returns a
//! future to an [`Interface`](crate::Interface): the call is answered when
//! the future completes (a deferred reply), while the connection keeps
//! serving other calls and making its own. See [`AsyncRequest`].
//!
//! # systemd
//! [`AsyncManager`] starts, stops and restarts units and creates transient
//! ones, returning [`AsyncJob`]s whose results are awaited
//! ([`AsyncJob::wait`]), and watches units' states as a
//! [`UnitStateStream`]. [`AsyncBus::run`] runs a command as a transient
//! unit ([`Run`](crate::transient::Run)) and awaits its end.

mod run;
mod server;
mod stream;
mod systemd1;

pub use server::{AsyncRequest, InterfaceExt};
pub use stream::SignalStream;
pub use systemd1::{AsyncJob, AsyncManager, UnitStateStream};

use std::any::Any;
use std::cell::{Cell, OnceCell, RefCell};
use std::ffi::{c_int, c_void};
use std::fmt;
use std::future::Future;
use std::os::fd::{AsRawFd, OwnedFd};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ::tokio::io::unix::AsyncFd;
use ::tokio::io::{Interest, Ready};
use ::tokio::sync::Notify;
use ::tokio::task::AbortHandle;
use ::tokio::time::Instant;
use libsystemd_sys as sys;

use crate::bus::{duration_usec, Bus};
use crate::callback;
use crate::error::{check, Error, InvalidKind, Result};
use crate::message::Message;
use crate::names::InterfaceName;
use crate::properties::Properties;
use crate::slot::Slot;
use crate::types::{AppendArgs, Read, Variant};

/// How many messages the driver processes before it lets other tasks run.
pub const PROCESS_BUDGET: usize = 64;

/// The standard properties interface.
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";

/// A connection driven by tokio, on the current thread: a [`Bus`] with a
/// driver task that processes it whenever its socket or its timeout says so
/// (see the [module documentation](self)).
///
/// Clones are handles on the same connection; the driver stops when the
/// last handle is dropped. Calls are sent when they are made and many can
/// be in flight at once; their futures are woken by their replies.
pub struct AsyncBus {
    shared: Rc<Shared>,
}

/// What the handles and the driver share.
struct Shared {
    // Fields drop in order: `discard`, a message of `bus`, goes first.
    /// A duplicate of the bus's socket, registered with tokio's reactor.
    fd: AsyncFd<OwnedFd>,
    /// See [`Shared::discard_reply`].
    discard: OnceCell<RawMessage>,
    /// Wakes the driver to look at sd-bus's events and timeout again.
    wake: Notify,
    /// The `CLOCK_MONOTONIC` µs the driver sleeps until while it waits
    /// (`u64::MAX`: no deadline), 0 while it is not waiting.
    armed: Cell<u64>,
    /// How many `AsyncBus` handles exist.
    handles: Cell<usize>,
    driver: Cell<Option<AbortHandle>>,
    /// Why the driver stopped, once it did.
    closed: RefCell<Option<Error>>,
    /// How many pending-call states are alive.
    live_calls: Rc<Cell<usize>>,
    /// Matches to wake when the driver stops.
    watchers: RefCell<Vec<Weak<dyn OnClose>>>,
    bus: Bus,
}

/// Something woken when the driver stops.
trait OnClose {
    fn closed(&self);
}

impl AsyncBus {
    /// Drives `bus` on the current thread: registers its socket with
    /// tokio's reactor and spawns the driver with
    /// [`spawn_local`](::tokio::task::spawn_local).
    ///
    /// Outside a tokio runtime this is an error. As for `spawn_local`, it
    /// must be called inside a [`LocalSet`](::tokio::task::LocalSet) (or a
    /// `LocalRuntime`), whose runtime has I/O and time enabled; the
    /// futures of this `AsyncBus` make progress while that `LocalSet` runs.
    ///
    /// # Panics
    /// Outside a `LocalSet`, or on a runtime built without I/O or time, as
    /// tokio's `spawn_local` and `AsyncFd` do.
    pub fn new(bus: Bus) -> Result<AsyncBus> {
        if ::tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::invalid(
                InvalidKind::Argument,
                "AsyncBus::new",
                "called outside a tokio runtime",
            ));
        }
        // A duplicate of sd-bus's socket, ours: registered with tokio for as
        // long as the `AsyncFd` lives, whatever sd-bus does with its own.
        let fd = bus
            .fd()?
            .try_clone_to_owned()
            .map_err(|e| io_error("fcntl(F_DUPFD_CLOEXEC)", &e))?;
        // SAFETY: `fd` is an open descriptor the `AsyncFd` owns, so it stays
        // open, and the same, until the `AsyncFd` is dropped.
        let fd =
            unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE | Interest::WRITABLE) }
                .map_err(|e| io_error("AsyncFd::register_with_interest", &e.into()))?;
        let shared = Rc::new(Shared {
            fd,
            discard: OnceCell::new(),
            wake: Notify::new(),
            armed: Cell::new(0),
            handles: Cell::new(1),
            driver: Cell::new(None),
            closed: RefCell::new(None),
            live_calls: Rc::new(Cell::new(0)),
            watchers: RefCell::new(Vec::new()),
            bus,
        });
        let driver = ::tokio::task::spawn_local(drive(Rc::clone(&shared)));
        shared.driver.set(Some(driver.abort_handle()));
        Ok(AsyncBus { shared })
    }

    /// A new handle on the connection of `shared`.
    fn from_shared(shared: Rc<Shared>) -> AsyncBus {
        shared.handles.set(shared.handles.get() + 1);
        AsyncBus { shared }
    }

    /// The `AsyncBus` whose driver is processing `bus` right now, on this
    /// thread: how handlers run by the driver find it.
    fn driving(bus: &Bus) -> Option<AsyncBus> {
        DRIVING.with(|driving| {
            let driving = driving.borrow();
            let shared = driving.as_ref()?;
            (shared.bus.as_ptr() == bus.as_ptr()).then(|| AsyncBus::from_shared(Rc::clone(shared)))
        })
    }

    /// The connection, for what has no async form: building messages,
    /// serving objects, owning names. Blocking calls on it block the
    /// thread, and with it every task of the `LocalSet`.
    pub fn bus(&self) -> &Bus {
        &self.shared.bus
    }

    /// Sends `call` and returns its reply's future; `timeout` as for
    /// [`Bus::call`] (`None`: the bus's default, 25 s unless changed).
    ///
    /// The call is sent now, not when the future is first polled, so calls
    /// made one after the other are all in flight together. Dropping the
    /// future cancels the call. An error reply is an [`Error::Bus`].
    pub fn call_with_timeout(
        &self,
        call: &Message<'_>,
        timeout: Option<Duration>,
    ) -> PendingCall<'_> {
        let (slot, state, error) = match self.start_call(call, timeout) {
            Ok((slot, state)) => (Some(slot), Some(state), None),
            Err(error) => (None, None, Some(error)),
        };
        PendingCall {
            slot,
            state,
            error,
            bus: self,
        }
    }

    /// Sends `call` with the bus's default timeout and returns its reply's
    /// future (see [`AsyncBus::call_with_timeout`]).
    pub fn call(&self, call: &Message<'_>) -> PendingCall<'_> {
        self.call_with_timeout(call, None)
    }

    /// Calls `interface.member` on `path` at `destination` with `args` (a
    /// tuple, `()` for none); the call is sent before this returns.
    ///
    /// ```no_run
    /// # async fn demo(bus: &sdbus::tokio::AsyncBus) -> sdbus::Result<()> {
    /// let reply = bus
    ///     .call_method(
    ///         "org.freedesktop.systemd1",
    ///         "/org/freedesktop/systemd1",
    ///         "org.freedesktop.systemd1.Manager",
    ///         "GetUnit",
    ///         &("dbus.service",),
    ///     )
    ///     .await?;
    /// let unit: sdbus::names::ObjectPath = reply.read()?;
    /// # Ok(()) }
    /// ```
    pub fn call_method<A: AppendArgs + ?Sized>(
        &self,
        destination: &str,
        path: &str,
        interface: &str,
        member: &str,
        args: &A,
    ) -> PendingCall<'_> {
        let call = self
            .bus()
            .new_method_call(destination, path, interface, member)
            .and_then(|mut call| {
                call.append_args(args)?;
                Ok(call)
            });
        match call {
            Ok(call) => self.call(&call),
            Err(error) => PendingCall {
                slot: None,
                state: None,
                error: Some(error),
                bus: self,
            },
        }
    }

    /// Reads a property with `org.freedesktop.DBus.Properties.Get`, as a
    /// `T` (see [`Bus::get_property`]).
    pub async fn get_property<T>(
        &self,
        destination: &str,
        path: &str,
        interface: &str,
        property: &str,
    ) -> Result<T>
    where
        T: for<'m> Read<'m>,
    {
        crate::properties::check_names(interface, property)?;
        let reply = self
            .call_method(destination, path, PROPERTIES, "Get", &(interface, property))
            .await?;
        let Variant(value) = reply.read::<Variant<T>>()?;
        Ok(value)
    }

    /// Reads every property of `interface` with
    /// `org.freedesktop.DBus.Properties.GetAll` (see [`Bus::get_all`]).
    pub async fn get_all(
        &self,
        destination: &str,
        path: &str,
        interface: &str,
    ) -> Result<Properties> {
        if !interface.is_empty() {
            InterfaceName::validate(interface)?;
        }
        let reply = self
            .call_method(destination, path, PROPERTIES, "GetAll", &(interface,))
            .await?;
        Ok(Properties::from(
            reply.read::<std::collections::HashMap<String, crate::Value>>()?,
        ))
    }

    /// Sends a message without waiting for a reply (a signal, or a call
    /// that expects none) and returns its cookie.
    pub fn send(&self, message: &Message<'_>) -> Result<u64> {
        let cookie = self.bus().send(message)?;
        self.kick();
        Ok(cookie)
    }

    /// Emits the signal `interface.member` from `path` with `args` (see
    /// [`Bus::emit_signal`]).
    pub fn emit_signal<A: AppendArgs + ?Sized>(
        &self,
        path: &str,
        interface: &str,
        member: &str,
        args: &A,
    ) -> Result<()> {
        self.bus().emit_signal(path, interface, member, args)?;
        self.kick();
        Ok(())
    }

    /// How many pending calls still have state alive: futures not yet
    /// completed or dropped, or slots sd-bus has not destroyed yet. For
    /// tests: 0 once every call is answered or cancelled.
    #[doc(hidden)]
    pub fn live_pending_calls(&self) -> usize {
        self.shared.live_calls.get()
    }

    /// Why the driver stopped, if it did.
    fn closed_error(&self) -> Option<Error> {
        self.shared.closed.borrow().clone()
    }

    /// Wakes the driver if what sd-bus waits for changed while it sleeps:
    /// output queued, or a deadline earlier than the one it sleeps until.
    /// Cheap: two reads of sd-bus's state.
    fn kick(&self) {
        let shared = &self.shared;
        let armed = shared.armed.get();
        if armed == 0 {
            // Not waiting: the driver looks again before it does.
            return;
        }
        // An error (the connection is gone) wakes the driver to find out.
        let output = !shared
            .bus
            .events()
            .is_ok_and(|events| events & libc::POLLOUT == 0);
        let sooner = !shared
            .bus
            .timeout_usec()
            .is_ok_and(|timeout| timeout.is_none_or(|t| t >= armed));
        if output || sooner {
            shared.wake.notify_one();
            // Woken: it looks again before it waits, so later kicks need
            // not wake it twice.
            shared.armed.set(0);
        }
    }

    /// Registers a pending call for `call` with sd-bus.
    fn start_call(
        &self,
        call: &Message<'_>,
        timeout: Option<Duration>,
    ) -> Result<(Slot<'_>, Rc<CallState>)> {
        if let Some(error) = self.closed_error() {
            return Err(error);
        }
        let state = CallState::new(&self.shared.live_calls);
        // The slot's own reference, released by `release_rc`.
        let userdata = Rc::into_raw(Rc::clone(&state)).cast_mut().cast::<c_void>();
        let mut raw = ptr::null_mut();
        // SAFETY: valid bus, message and out pointer; `userdata` is a
        // `CallState` that stays alive until the slot's destroy callback.
        let ret = unsafe {
            sys::sd_bus_call_async(
                self.bus().as_ptr(),
                &mut raw,
                call.as_ptr(),
                Some(reply_trampoline),
                userdata,
                duration_usec(timeout),
            )
        };
        // SAFETY: on success the slot's reference is ours (and non-NULL).
        let slot = (ret >= 0).then(|| unsafe { Slot::from_raw(raw) }).flatten();
        let Some(slot) = slot else {
            // SAFETY: no slot holds `userdata`: take its reference back.
            drop(unsafe { Rc::from_raw(userdata.cast::<CallState>()) });
            return Err(if ret < 0 {
                Error::from_negative_errno("sd_bus_call_async", ret)
            } else {
                Error::no_object("sd_bus_call_async")
            });
        };
        // SAFETY: valid slot; from now on sd-bus releases `userdata` when it
        // destroys the slot.
        unsafe {
            sys::sd_bus_slot_set_destroy_callback(slot.as_ptr(), Some(release_rc::<CallState>))
        };
        self.kick();
        Ok((slot, state))
    }
}

impl Clone for AsyncBus {
    fn clone(&self) -> Self {
        AsyncBus::from_shared(Rc::clone(&self.shared))
    }
}

impl Drop for AsyncBus {
    fn drop(&mut self) {
        let handles = self.shared.handles.get() - 1;
        self.shared.handles.set(handles);
        if handles == 0 {
            if let Some(driver) = self.shared.driver.take() {
                driver.abort();
            }
        }
    }
}

impl fmt::Debug for AsyncBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncBus")
            .field("bus", &self.shared.bus)
            .field("closed", &*self.shared.closed.borrow())
            .finish()
    }
}

impl Shared {
    /// A method return that sending discards: a reply to a local call that
    /// expects none. Served async methods swap it for the reply
    /// `Interface::method_dynamic` would send at once (see `server.rs`).
    fn discard_reply(&self) -> Result<*mut sys::sd_bus_message> {
        if let Some(message) = self.discard.get() {
            return Ok(message.as_ptr());
        }
        let mut call = self
            .bus
            .new_method_call(None, "/", "org.freedesktop.DBus.Peer", "Ping")?;
        // SAFETY: valid message, not sealed yet.
        check("sd_bus_message_set_expect_reply", unsafe {
            sys::sd_bus_message_set_expect_reply(call.as_ptr(), 0)
        })?;
        // Cookie 1: replies need one; the bus's own counter is untouched.
        call.seal(1)?;
        let mut reply = call.new_method_return()?;
        // Sealed now, so that sending it consumes no cookie of the bus.
        reply.seal(1)?;
        // SAFETY: the reference is handed over; the message belongs to
        // `self.bus`, which outlives `self.discard` (field order).
        let message = unsafe { RawMessage::from_raw(reply.into_raw()) }
            .ok_or_else(|| Error::no_object("sd_bus_message_new_method_return"))?;
        Ok(self.discard.get_or_init(|| message).as_ptr())
    }

    /// Registers `watcher` to be woken when the driver stops.
    fn watch_close(&self, watcher: Weak<dyn OnClose>) {
        let mut watchers = self.watchers.borrow_mut();
        watchers.retain(|w| w.strong_count() > 0);
        watchers.push(watcher);
    }

    /// Processes the bus until sd-bus has nothing left to do (`Ok(true)`)
    /// or [`PROCESS_BUDGET`] messages were processed (`Ok(false)`).
    fn process_batch(self: &Rc<Self>) -> std::result::Result<bool, Stop> {
        let _driving = Driving::enter(self);
        for _ in 0..PROCESS_BUDGET {
            match panic::catch_unwind(AssertUnwindSafe(|| self.bus.process())) {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => return Ok(true),
                Ok(Err(error)) => return Err(Stop::Error(error)),
                Err(payload) => return Err(Stop::Panic(payload)),
            }
        }
        Ok(false)
    }

    /// The driver's loop; returns why it stopped.
    async fn run(self: &Rc<Self>) -> Stop {
        let sleep = ::tokio::time::sleep_until(Instant::now());
        ::tokio::pin!(sleep);
        let mut idle = match self.process_batch() {
            Ok(idle) => idle,
            Err(stop) => return stop,
        };
        loop {
            if !idle {
                ::tokio::task::yield_now().await;
                idle = match self.process_batch() {
                    Ok(idle) => idle,
                    Err(stop) => return stop,
                };
                continue;
            }
            let (events, timeout) = match (self.bus.events(), self.bus.timeout_usec()) {
                (Ok(events), Ok(timeout)) => (events, timeout),
                (Err(error), _) | (_, Err(error)) => return Stop::Error(error),
            };
            let interest = if events & libc::POLLOUT != 0 {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            if let Some(usec) = timeout {
                sleep.as_mut().reset(instant_of(usec));
            }
            self.armed.set(timeout.unwrap_or(u64::MAX));
            let guard = ::tokio::select! {
                biased;
                ready = self.fd.ready(interest) => match ready {
                    Ok(guard) => Some(guard),
                    Err(error) => return Stop::Error(io_error("AsyncFd::ready", &error)),
                },
                () = &mut sleep, if timeout.is_some() => None,
                () = self.wake.notified() => None,
            };
            self.armed.set(0);
            idle = match self.process_batch() {
                Ok(idle) => idle,
                Err(stop) => return stop,
            };
            if let (Some(mut guard), true) = (guard, idle) {
                // sd-bus read until the socket had nothing more; it wrote
                // until it would block only if output is still queued.
                let mut consumed = Ready::READABLE;
                if self.bus.events().is_ok_and(|e| e & libc::POLLOUT != 0) {
                    consumed |= Ready::WRITABLE;
                }
                guard.clear_ready_matching(consumed);
            }
        }
    }

    /// Ends the connection after the driver stopped: pending calls fail,
    /// streams end. Returns a panic to resume.
    fn close(&self, stop: Stop) -> Option<Box<dyn Any + Send>> {
        let (error, mut panicked) = match stop {
            Stop::Error(error) => (error, None),
            Stop::Panic(payload) => (
                Error::Os {
                    operation: "sd_bus_process (a callback panicked)",
                    errno: libc::ECANCELED,
                },
                Some(payload),
            ),
        };
        // Hang up: our duplicate of the socket would otherwise keep the
        // connection open after sd-bus closed its own descriptor. If sd-bus
        // still runs the connection (after a panic, or an unexpected error),
        // it sees this as the peer hanging up and goes through its closing
        // state, which answers every pending call with an error reply,
        // instead of leaving them waiting forever.
        // SAFETY: shutdown of a socket we own; failure changes nothing.
        unsafe { libc::shutdown(self.fd.get_ref().as_raw_fd(), libc::SHUT_RDWR) };
        if self.bus.is_open() {
            // Each `process` answers one call, until sd-bus reports the
            // connection closed with an error.
            loop {
                match panic::catch_unwind(AssertUnwindSafe(|| self.bus.process())) {
                    Ok(Ok(true)) => {}
                    Ok(Ok(false) | Err(_)) => break,
                    Err(payload) => {
                        panicked.get_or_insert(payload);
                    }
                }
            }
        }
        *self.closed.borrow_mut() = Some(error);
        let watchers = std::mem::take(&mut *self.watchers.borrow_mut());
        for watcher in watchers.iter().filter_map(Weak::upgrade) {
            watcher.closed();
        }
        panicked
    }
}

/// Why the driver stopped.
enum Stop {
    Error(Error),
    Panic(Box<dyn Any + Send>),
}

/// The driver task.
async fn drive(shared: Rc<Shared>) {
    let stop = shared.run().await;
    if let Some(payload) = shared.close(stop) {
        panic::resume_unwind(payload);
    }
}

thread_local! {
    /// The connection whose driver is processing it on this thread.
    static DRIVING: RefCell<Option<Rc<Shared>>> = const { RefCell::new(None) };
}

/// Marks `Shared` as being processed by its driver, until dropped.
struct Driving(Option<Rc<Shared>>);

impl Driving {
    fn enter(shared: &Rc<Shared>) -> Driving {
        Driving(DRIVING.with(|driving| driving.replace(Some(Rc::clone(shared)))))
    }
}

impl Drop for Driving {
    fn drop(&mut self) {
        let previous = self.0.take();
        let current = DRIVING.with(|driving| driving.replace(previous));
        drop(current);
    }
}

/// The state of a pending call, shared by its future and its sd-bus slot.
struct CallState {
    reply: Cell<Option<RawMessage>>,
    waker: Cell<Option<Waker>>,
    live: Rc<Cell<usize>>,
}

impl CallState {
    fn new(live: &Rc<Cell<usize>>) -> Rc<CallState> {
        live.set(live.get() + 1);
        Rc::new(CallState {
            reply: Cell::new(None),
            waker: Cell::new(None),
            live: Rc::clone(live),
        })
    }
}

impl Drop for CallState {
    fn drop(&mut self) {
        self.live.set(self.live.get() - 1);
    }
}

/// Stores a pending call's reply and wakes its future.
unsafe extern "C" fn reply_trampoline(
    m: *mut sys::sd_bus_message,
    userdata: *mut c_void,
    _error: *mut sys::sd_bus_error,
) -> c_int {
    callback::catch(0, || {
        // SAFETY: `userdata` is the `CallState` the slot holds a reference
        // to until its destroy callback, which cannot run during this one.
        let state = unsafe { &*userdata.cast::<CallState>() };
        // SAFETY: sd-bus passes a valid message; we take our own reference.
        if let Some(reply) = unsafe { RawMessage::from_raw_borrowed(m) } {
            state.reply.set(Some(reply));
        }
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
        0
    })
}

/// Releases the reference to an `Rc<T>` that a slot held as its userdata.
///
/// # Safety
/// `userdata` must come from `Rc::<T>::into_raw`, released only here.
unsafe extern "C" fn release_rc<T>(userdata: *mut c_void) {
    // SAFETY: per the contract; sd-bus calls the destroy callback once.
    callback::catch((), || drop(unsafe { Rc::from_raw(userdata.cast::<T>()) }));
}

/// A method call in flight on an [`AsyncBus`]: a future for its reply.
///
/// Made by [`AsyncBus::call`] and friends, which send the call at once.
/// Dropping it cancels the call (its sd-bus slot is released).
#[must_use = "dropping a PendingCall cancels the call"]
pub struct PendingCall<'a> {
    // Declared first: released before anything else goes.
    slot: Option<Slot<'a>>,
    state: Option<Rc<CallState>>,
    /// Why the call could not be sent, reported by the first poll.
    error: Option<Error>,
    bus: &'a AsyncBus,
}

impl<'a> Future for PendingCall<'a> {
    type Output = Result<Message<'a>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(error) = this.error.take() {
            return Poll::Ready(Err(error));
        }
        let Some(state) = &this.state else {
            return Poll::Ready(Err(Error::Os {
                operation: "PendingCall polled after completion",
                errno: libc::EINVAL,
            }));
        };
        if let Some(reply) = state.reply.take() {
            this.slot = None;
            this.state = None;
            // SAFETY: the reply belongs to the bus of `this.bus`, which the
            // returned message borrows, on this thread.
            let reply = unsafe { reply.into_message::<'a>() };
            return Poll::Ready(match reply {
                Some(reply) => match reply.error() {
                    Some(error) => Err(Error::Bus(error)),
                    None => Ok(reply),
                },
                None => Err(Error::no_object("sd_bus_call_async")),
            });
        }
        if let Some(error) = this.bus.closed_error() {
            this.slot = None;
            this.state = None;
            return Poll::Ready(Err(error));
        }
        let waker = match state.waker.take() {
            Some(waker) if waker.will_wake(cx.waker()) => waker,
            _ => cx.waker().clone(),
        };
        state.waker.set(Some(waker));
        Poll::Pending
    }
}

impl fmt::Debug for PendingCall<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingCall")
            .field("in_flight", &self.slot.is_some())
            .field("error", &self.error)
            .finish()
    }
}

/// One reference to an `sd_bus_message`, without the lifetime of its bus:
/// kept only beside a handle that keeps the bus alive, on its thread, and
/// turned back into a [`Message`] borrowing that handle.
struct RawMessage(NonNull<sys::sd_bus_message>);

impl RawMessage {
    /// Takes ownership of one reference to `raw`.
    ///
    /// # Safety
    /// `raw` must be NULL or a valid message whose reference the caller
    /// hands over.
    unsafe fn from_raw(raw: *mut sys::sd_bus_message) -> Option<RawMessage> {
        NonNull::new(raw).map(RawMessage)
    }

    /// Takes a new reference to `raw`.
    ///
    /// # Safety
    /// `raw` must be NULL or a valid message.
    unsafe fn from_raw_borrowed(raw: *mut sys::sd_bus_message) -> Option<RawMessage> {
        let raw = NonNull::new(raw)?;
        // SAFETY: valid per the caller; the new reference is ours.
        unsafe { sys::sd_bus_message_ref(raw.as_ptr()) };
        Some(RawMessage(raw))
    }

    /// Takes over the reference of `message`. (Always `Some`.)
    fn of(message: Message<'_>) -> Option<RawMessage> {
        // SAFETY: `into_raw` hands over its (valid) reference.
        unsafe { RawMessage::from_raw(message.into_raw()) }
    }

    fn as_ptr(&self) -> *mut sys::sd_bus_message {
        self.0.as_ptr()
    }

    /// A new reference to the message, as one of a bus that lives for `'a`.
    ///
    /// # Safety
    /// As for [`RawMessage::into_message`].
    unsafe fn to_message<'a>(&self) -> Option<Message<'a>> {
        // SAFETY: a valid message; the rest per the caller.
        unsafe { Message::from_raw_borrowed(self.0.as_ptr()) }
    }

    /// The message, as one of a bus that lives for `'a`.
    ///
    /// # Safety
    /// The message's bus must outlive `'a` and be used only from the
    /// current thread meanwhile (as for [`Message::from_raw`]).
    /// (Always `Some`: the pointer is not NULL.)
    unsafe fn into_message<'a>(self) -> Option<Message<'a>> {
        let raw = self.0.as_ptr();
        std::mem::forget(self);
        // SAFETY: per the caller; the reference moves into the message.
        unsafe { Message::from_raw(raw) }
    }
}

impl Drop for RawMessage {
    fn drop(&mut self) {
        // SAFETY: we own one reference, released exactly once.
        unsafe { sys::sd_bus_message_unref(self.0.as_ptr()) };
    }
}

/// Turns the absolute `CLOCK_MONOTONIC` time sd-bus gives into a tokio
/// instant, by its distance from now.
fn instant_of(usec: u64) -> Instant {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid out pointer; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    let now_usec = (now.tv_sec as u64)
        .saturating_mul(1_000_000)
        .saturating_add(now.tv_nsec as u64 / 1_000);
    let base = Instant::now();
    // A deadline too far to represent is as good as none: a day at most.
    let wait = Duration::from_micros(usec.saturating_sub(now_usec).min(86_400_000_000));
    base + wait
}

/// An I/O error of tokio's, as an [`Error::Os`].
fn io_error(operation: &'static str, error: &std::io::Error) -> Error {
    Error::Os {
        operation,
        errno: error.raw_os_error().unwrap_or(libc::EIO),
    }
}
