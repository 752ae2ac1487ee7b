//! The C runtime mode (`--crt`): which of the MSVC C runtime's four builds a `#[crt]` extern block links, and
//! the directives that tell the linker, as clang-cl and MSVC write them for `/MD`, `/MT`, `/MDd` and `/MTd`.

use crate::target::Format;
use linkwise_ir::LinkKind;
use std::fmt;

/// One build of the C runtime. Rust's MSVC targets link the dynamic one unless `crt-static` is on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CrtMode {
    /// `/MD`: the C runtime's DLLs, reached through `__imp_` slots (`msvcrt.lib`).
    #[default]
    Dynamic,
    /// `/MT`: the C runtime's static library, reached directly (`libcmt.lib`).
    Static,
    /// `/MDd`: the debug DLLs (`msvcrtd.lib`).
    DynamicDebug,
    /// `/MTd`: the debug static library (`libcmtd.lib`).
    StaticDebug,
}

impl CrtMode {
    /// Every mode, in the order they are listed to users.
    pub const ALL: [CrtMode; 4] =
        [CrtMode::Dynamic, CrtMode::Static, CrtMode::DynamicDebug, CrtMode::StaticDebug];

    /// The spelling of `--crt`.
    pub fn as_str(self) -> &'static str {
        match self {
            CrtMode::Dynamic => "dynamic",
            CrtMode::Static => "static",
            CrtMode::DynamicDebug => "dynamic-debug",
            CrtMode::StaticDebug => "static-debug",
        }
    }

    /// Parses a `--crt` value.
    pub fn from_name(s: &str) -> Option<CrtMode> {
        CrtMode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The MSVC compiler switch that selects this build (`/MD`, ...).
    pub fn msvc_switch(self) -> &'static str {
        match self {
            CrtMode::Dynamic => "/MD",
            CrtMode::Static => "/MT",
            CrtMode::DynamicDebug => "/MDd",
            CrtMode::StaticDebug => "/MTd",
        }
    }

    /// The value MSVC's headers give `/FAILIFMISMATCH:"RuntimeLibrary=..."` for this build.
    pub fn runtime_library(self) -> &'static str {
        match self {
            CrtMode::Dynamic => "MD_DynamicRelease",
            CrtMode::Static => "MT_StaticRelease",
            CrtMode::DynamicDebug => "MDd_DynamicDebug",
            CrtMode::StaticDebug => "MTd_StaticDebug",
        }
    }

    /// The libraries (names without `.lib`) clang-cl names in `/DEFAULTLIB:` directives for this build, in
    /// its order: the C runtime's entry library, then `oldnames` (the POSIX-name aliases).
    pub fn default_libraries(self) -> [&'static str; 2] {
        match self {
            CrtMode::Dynamic => ["msvcrt", "oldnames"],
            CrtMode::Static => ["libcmt", "oldnames"],
            CrtMode::DynamicDebug => ["msvcrtd", "oldnames"],
            CrtMode::StaticDebug => ["libcmtd", "oldnames"],
        }
    }

    /// The library a `#[crt]` block's symbols come from on `format`, and its kind: on Windows the mode's
    /// entry library (a DLL's import library or a static library); elsewhere the system C library, `c` on
    /// ELF and `System` on Mach-O, which the mode does not change.
    pub fn library(self, format: Format) -> (&'static str, LinkKind) {
        match format {
            Format::Coff => {
                let kind = match self {
                    CrtMode::Dynamic | CrtMode::DynamicDebug => LinkKind::Dylib,
                    CrtMode::Static | CrtMode::StaticDebug => LinkKind::Static,
                };
                (self.default_libraries()[0], kind)
            }
            Format::Elf => ("c", LinkKind::Dylib),
            Format::MachO => ("System", LinkKind::Dylib),
        }
    }
}

impl fmt::Display for CrtMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
