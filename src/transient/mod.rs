//! Transient units: unit properties in unit-file syntax or typed Rust form.

mod parse;
mod property;
mod pty;
mod run;
mod spawn;
mod stdio;
mod table;
mod wait;

pub use property::{CollectMode, PropertyError, ServiceType, UnitProperty, UnitType};
pub use pty::PtyTerminal;
pub use run::{run, Exit, Run, RunOutcome, RunningUnit, UnitResult};
pub use stdio::Stdio;
pub use table::PropertyInfo;
