//! `linkwise doctor`: reads COFF objects, static libraries and import libraries (short and MinGW long format),
//! works out which C runtime each was built for and what it imports through `__imp_`, and predicts, before any
//! link, the failures and warnings the linker would give, each with its evidence and fix.
//!
//! Stages: [`read`] (inputs → facts, memory-mapped) → [`predict`](mod@predict) (symbol resolution as lld-link
//! does it, then one check per finding) → [`report`] (human text or JSON). [`crt`] infers C runtime modes.
#![deny(missing_docs)]

pub mod crt;
pub mod linkline;
pub mod predict;
pub mod read;
pub mod report;
#[cfg(test)]
mod testing;

pub use predict::{
    Definition, Finding, Fix, LinkOptions, Location, Outcome, Prediction, Reference, Severity, Side, lib_key,
    predict, wanted_default_libraries,
};
pub use read::{
    Directive, Import, Input, Machine, Member, ReadError, ReadErrorKind, Site, read_bytes, read_file,
};
