//! Served methods whose handlers are futures, answered with deferred
//! replies.
//!
//! sd-bus lets a method handler return without replying, keeping a
//! reference to the call, and reply later. [`Interface::method_dynamic`]
//! always sends the reply it hands its handler when the handler returns
//! `Ok`; [`InterfaceExt::method_async`] builds on it by taking that reply
//! away and putting in its place a method return that sending discards (a
//! reply to a local call that expects none, made once per connection,
//! which sd-bus's `sd_bus_send` drops unsent). The real reply and a
//! reference to the call go to a local task that runs the handler's
//! future, fills the reply and sends it.

use std::fmt;
use std::future::Future;

use super::{AsyncBus, RawMessage};
use crate::error::{BusError, Error, Result};
use crate::message::Message;
use crate::names::ErrorName;
use crate::server::Interface;
use crate::types::{AppendArgs, ReadArgs, SignatureBuf};

/// The error name of a handler's failure that is not a D-Bus error.
const FAILED: &str = "org.freedesktop.DBus.Error.Failed";

/// Async methods for [`Interface`]: `use sdbus::tokio::InterfaceExt`.
pub trait InterfaceExt {
    /// Adds a method whose handler returns a future, as
    /// [`Interface::method`] does for a synchronous one: the signatures come
    /// from the argument tuple `A` (owned values) and the result tuple `R`.
    ///
    /// The handler runs when the call arrives, on the driver of the
    /// [`AsyncBus`] serving it, and its future is spawned as a local task;
    /// the caller gets its reply when the future completes (a
    /// [`BusError`] becomes the error reply). Meanwhile the connection
    /// serves other calls, this method's included, and makes its own: the
    /// future may await calls on [`AsyncRequest::bus`]. If the future is
    /// dropped before it completes (its task aborted, the `LocalSet`
    /// dropped) or panics, the caller gets an
    /// `org.freedesktop.DBus.Error.Failed` reply.
    ///
    /// The handler itself must be [`Send`] (an `Interface` is), its future
    /// need not be. A connection not driven by an `AsyncBus` answers the
    /// method with an `org.freedesktop.DBus.Error.Failed` error.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// use sdbus::server::Interface;
    /// use sdbus::tokio::{AsyncBus, InterfaceExt};
    ///
    /// # async fn demo(bus: &AsyncBus) -> sdbus::Result<()> {
    /// let iface = Interface::new("com.example.Slow").method_async(
    ///     "Double",
    ///     |request, (x,): (u32,)| async move {
    ///         tokio::time::sleep(Duration::from_millis(10)).await;
    ///         // The same connection, while it serves this call.
    ///         let id: String = request
    ///             .bus()
    ///             .call_method("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId", &())
    ///             .await?
    ///             .read()?;
    ///         Ok((x * 2, id))
    ///     },
    /// );
    /// let _object = bus.bus().serve("/com/example/Slow", iface)?;
    /// # Ok(()) }
    /// ```
    fn method_async<A, R, F, Fut>(self, name: &str, handler: F) -> Interface
    where
        A: for<'m> ReadArgs<'m> + 'static,
        R: AppendArgs + 'static,
        F: FnMut(AsyncRequest, A) -> Fut + Send + 'static,
        Fut: Future<Output = std::result::Result<R, BusError>> + 'static;
}

impl InterfaceExt for Interface {
    fn method_async<A, R, F, Fut>(self, name: &str, mut handler: F) -> Interface
    where
        A: for<'m> ReadArgs<'m> + 'static,
        R: AppendArgs + 'static,
        F: FnMut(AsyncRequest, A) -> Fut + Send + 'static,
        Fut: Future<Output = std::result::Result<R, BusError>> + 'static,
    {
        let input = signature(<A as ReadArgs<'static>>::write_read_args_signature);
        let output = signature(R::write_args_signature);
        self.method_dynamic(name, &input, &output, move |request, reply| {
            let bus = AsyncBus::driving(request.bus()).ok_or_else(|| {
                BusError::new(
                    FAILED,
                    "this method is async: its connection must be driven by an sdbus::tokio::AsyncBus",
                )
            })?;
            let args = request.message().read_args::<A>()?;
            let future = handler(AsyncRequest::new(bus.clone(), request.message())?, args);
            // Last, as nothing can fail after it: from here on the deferred
            // reply answers the call, and the error of this handler (which
            // sd-bus would send too) must not.
            let deferred = Deferred::take_reply(&bus, request.message(), reply)?;
            // The driver runs this handler inside its `LocalSet` task.
            ::tokio::task::spawn_local(deferred.complete(future));
            Ok(())
        })
    }
}

/// A signature written by `write`; one that grew past 255 bytes comes out
/// invalid, so that serving the interface reports it.
fn signature(write: fn(&mut SignatureBuf)) -> String {
    let mut signature = SignatureBuf::new();
    write(&mut signature);
    let complete = signature.as_cstr().is_ok();
    let text = signature.as_str().to_owned();
    if complete {
        text
    } else {
        text + " (longer than 255 bytes)"
    }
}

/// A method call served by an async handler: what the handler's future
/// knows about the call, and the connection.
///
/// It owns a reference to the call and a handle on the [`AsyncBus`], so
/// the future can keep it as long as it runs.
pub struct AsyncRequest {
    // Declared before `bus`, which keeps the message's bus alive.
    call: Message<'static>,
    bus: AsyncBus,
}

impl AsyncRequest {
    fn new(bus: AsyncBus, call: &Message<'_>) -> Result<AsyncRequest> {
        let raw = call.clone().into_raw();
        // SAFETY: the reference is handed over. `'static` never leaves this
        // type: `call` is only lent out as `&Message<'_>` bounded by a
        // borrow of `self`, and `bus`, dropped after it, keeps the
        // message's bus alive; `AsyncRequest` is not `Send` (`AsyncBus` is
        // not), so both stay on the bus's thread.
        let call = unsafe { Message::from_raw(raw) }
            .ok_or_else(|| Error::no_object("sd_bus_message_ref"))?;
        Ok(AsyncRequest { call, bus })
    }

    /// The call message: headers, or a body to read by hand.
    pub fn message(&self) -> &Message<'_> {
        &self.call
    }

    /// The connection the call came on, to make calls, emit signals or
    /// serve more objects while the call is served.
    pub fn bus(&self) -> &AsyncBus {
        &self.bus
    }

    /// The caller's unique name (absent on peer-to-peer connections).
    pub fn sender(&self) -> Option<&str> {
        self.call.sender()
    }

    /// The object path called (for a fallback, the actual object's).
    pub fn path(&self) -> &str {
        // Method calls always carry a path.
        self.call.path().unwrap_or("/")
    }

    /// The interface called; D-Bus lets callers leave it out.
    pub fn interface(&self) -> Option<&str> {
        self.call.interface()
    }

    /// The method called.
    pub fn member(&self) -> &str {
        // Method calls always carry a member.
        self.call.member().unwrap_or_default()
    }
}

impl fmt::Debug for AsyncRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncRequest")
            .field("message", &self.call)
            .finish_non_exhaustive()
    }
}

/// A call whose reply is deferred: sent when the handler's future
/// completes, or as an error if it never does.
struct Deferred {
    // Declared before `bus`, which keeps their bus alive.
    call: RawMessage,
    reply: Option<RawMessage>,
    bus: AsyncBus,
}

impl Deferred {
    /// Takes the reply `method_dynamic` made for `call`, leaving in its
    /// place one that sending discards.
    fn take_reply(bus: &AsyncBus, call: &Message<'_>, reply: &mut Message<'_>) -> Result<Deferred> {
        let discard = bus.shared.discard_reply()?;
        // SAFETY: `discard` is a valid message of `bus`'s connection, the
        // one processing this call (as `AsyncBus::driving` checked), which
        // outlives the handler's run.
        let discard = unsafe { Message::from_raw_borrowed(discard) }
            .ok_or_else(|| Error::no_object("sd_bus_message_ref"))?;
        let reply = std::mem::replace(reply, discard);
        let (Some(call), Some(reply)) = (RawMessage::of(call.clone()), RawMessage::of(reply))
        else {
            return Err(Error::no_object("sd_bus_message_ref"));
        };
        Ok(Deferred {
            call,
            reply: Some(reply),
            bus: bus.clone(),
        })
    }

    /// Runs the handler's future, then replies with its result.
    async fn complete<R, Fut>(mut self, future: Fut)
    where
        R: AppendArgs,
        Fut: Future<Output = std::result::Result<R, BusError>>,
    {
        let result = future.await;
        let Some(reply) = self.reply.take() else {
            return;
        };
        // SAFETY: the reply belongs to the connection of `self.bus`, which
        // outlives this function's borrow of `self`, on this thread.
        let sent = match (result, unsafe { reply.into_message() }) {
            (Ok(values), Some(mut reply)) => reply
                .append_args(&values)
                .and_then(|reply| reply.send())
                .map(drop)
                .map_err(BusError::from),
            (Ok(_), None) => Err(BusError::from(Error::no_object("sd_bus_message_ref"))),
            (Err(error), _) => Err(error),
        };
        if let Err(error) = sent {
            self.fail(&error);
        }
        self.bus.kick();
    }

    /// Answers the call with `error` (or `Failed`, if `error` cannot be
    /// sent as it is).
    fn fail(&mut self, error: &BusError) {
        // SAFETY: as in `complete`: a message of `self.bus`'s connection.
        let Some(call) = (unsafe { self.call.to_message() }) else {
            return;
        };
        let error = if ErrorName::is_valid(error.name()) {
            BusError::new(error.name(), error.message().replace('\0', "\u{fffd}"))
        } else {
            BusError::new(
                FAILED,
                format!(
                    "the handler failed with an invalid error name {:?}: {}",
                    error.name(),
                    error.message()
                )
                .replace('\0', "\u{fffd}"),
            )
        };
        // Nothing more can be done for a caller whose connection is gone.
        if let Ok(reply) = call.new_method_error(&error) {
            let _ = reply.send();
        }
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        if self.reply.take().is_some() {
            self.fail(&BusError::new(
                FAILED,
                "the method's handler was cancelled before it replied",
            ));
            self.bus.kick();
        }
    }
}
