//! Which C runtime an object was compiled for, and the evidence: `/DEFAULTLIB:` directives (`msvcrt`,
//! `msvcrtd`, `libcmt`, `libcmtd`), `/FAILIFMISMATCH:"RuntimeLibrary=..."` (added by MSVC's STL headers), and
//! `__imp_` references to C runtime functions (only `/MD` headers declare them dllimport).

use crate::read::{Directive, Member};
use std::fmt;

/// A C runtime mode: dynamic (`/MD`, `msvcrt.lib` + the CRT DLLs) or static (`/MT`, `libcmt.lib`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crt {
    /// `/MD`-style: the CRT lives in DLLs, its functions are reached through `__imp_` slots.
    pub dynamic: bool,
    /// Debug runtime (`/MDd`, `/MTd`), if known.
    pub debug: Option<bool>,
}

impl Crt {
    /// `/MD`
    pub const MD: Crt = Crt { dynamic: true, debug: Some(false) };
    /// `/MT`
    pub const MT: Crt = Crt { dynamic: false, debug: Some(false) };

    /// The compiler flag.
    pub(crate) fn flag(self) -> &'static str {
        match (self.dynamic, self.debug) {
            (true, Some(false)) => "/MD",
            (true, Some(true)) => "/MDd",
            (true, None) => "/MD or /MDd",
            (false, Some(false)) => "/MT",
            (false, Some(true)) => "/MTd",
            (false, None) => "/MT or /MTd",
        }
    }

    /// Whether two modes can be linked together (the same kind and, when both are known, the same debugness).
    pub(crate) fn compatible(self, other: Crt) -> bool {
        self.dynamic == other.dynamic
            && (self.debug.is_none() || other.debug.is_none() || self.debug == other.debug)
    }

    /// The mode a default library stands for, if it is a C runtime library.
    pub(crate) fn from_library(name: &str) -> Option<Crt> {
        let lower = name.to_ascii_lowercase();
        let stem = lower.strip_suffix(".lib").unwrap_or(&lower);
        Some(match stem {
            "msvcrt" => Crt::MD,
            "msvcrtd" => Crt { dynamic: true, debug: Some(true) },
            "libcmt" => Crt::MT,
            "libcmtd" => Crt { dynamic: false, debug: Some(true) },
            _ => return None,
        })
    }

    /// The mode of a `RuntimeLibrary` value of `/FAILIFMISMATCH` (`MD_DynamicRelease`, `MTd_StaticDebug`, ...).
    pub(crate) fn from_runtime_library(value: &str) -> Option<Crt> {
        let (flag, _) = value.split_once('_')?;
        Some(match flag {
            "MD" => Crt::MD,
            "MDd" => Crt { dynamic: true, debug: Some(true) },
            "MT" => Crt::MT,
            "MTd" => Crt { dynamic: false, debug: Some(true) },
            _ => return None,
        })
    }
}

impl fmt::Display for Crt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.dynamic { "dynamic" } else { "static" };
        write!(f, "{} ({kind} C runtime)", self.flag())
    }
}

/// A mode and the fact it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CrtEvidence {
    /// The mode.
    pub(crate) crt: Crt,
    /// What says so, e.g. "/DEFAULTLIB:msvcrt.lib".
    pub(crate) evidence: String,
}

/// C runtime functions commonly reached through `__imp_` by `/MD` code (the seed blog's list among them).
const CRT_FUNCTIONS: &[&str] = &[
    "tolower",
    "toupper",
    "ldexp",
    "_wsopen_s",
    "_fstat64i32",
    "_sopen_s",
    "malloc",
    "free",
    "calloc",
    "realloc",
    "memcpy",
    "memmove",
    "memset",
    "strlen",
    "strcmp",
    "strcpy",
    "printf",
    "puts",
    "fopen",
    "fclose",
    "fread",
    "fwrite",
    "exit",
    "abort",
    "getenv",
    "qsort",
    "atoi",
    "strtol",
    "sprintf",
    "snprintf",
    "_errno",
    "__acrt_iob_func",
];

/// Whether `symbol` is a C runtime function (by name, for explanations only).
pub(crate) fn is_crt_function(symbol: &str) -> bool {
    CRT_FUNCTIONS.contains(&symbol)
}

/// The C runtime `member` was compiled for, strongest evidence first.
pub(crate) fn infer(member: &Member) -> Option<CrtEvidence> {
    for d in &member.directives {
        if let Directive::FailIfMismatch(key, value) = d
            && key == "RuntimeLibrary"
            && let Some(crt) = Crt::from_runtime_library(value)
        {
            return Some(CrtEvidence {
                crt,
                evidence: format!("/FAILIFMISMATCH:\"RuntimeLibrary={value}\""),
            });
        }
    }
    for d in &member.directives {
        if let Directive::DefaultLib(lib) = d
            && let Some(crt) = Crt::from_library(lib)
        {
            return Some(CrtEvidence { crt, evidence: format!("/DEFAULTLIB:{lib}") });
        }
    }
    let imported: Vec<&str> = member
        .references
        .iter()
        .filter_map(|r| r.strip_prefix("__imp_"))
        .filter(|s| is_crt_function(s))
        .collect();
    if !imported.is_empty() {
        let crt = Crt { dynamic: true, debug: None };
        return Some(CrtEvidence {
            crt,
            evidence: format!("imports C runtime functions through __imp_: {}", imported.join(", ")),
        });
    }
    None
}
