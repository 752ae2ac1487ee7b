//! Target triples as users spell them: every common alias of a supported triple normalised to linkwise's
//! spelling with target-lexicon (`x86_64-linux-gnu`, `arm64-apple-macosx14.0`, `x86_64-windows-msvc`), the
//! host as the command line's default target (rustc's rule), and an unknown triple refused with the supported
//! ones and the closest of them (issue 13, item 3; docs/cli.md "Targets").

use linkwise_ir::Diagnostic;
use linkwise_linkage::Target;
use linkwise_linkage::target::SUPPORTED;
use std::str::FromStr;
use target_lexicon::{Architecture, Environment, OperatingSystem, Triple, Vendor};

/// Parses `text` as a target triple in any common spelling of a supported one.
///
/// The architecture is `x86_64` (also `amd64`) or `aarch64` (also `arm64`); the rest decides the target:
/// Windows with the MSVC environment or none (`x86_64-pc-windows-msvc`, `x86_64-windows-msvc`,
/// `x86_64-pc-windows`), Linux with GNU or none (`x86_64-pc-linux-gnu`, `x86_64-linux-gnu`,
/// `x86_64-unknown-linux`), any Apple macOS spelling (`x86_64-apple-macosx14.0`, `arm64-apple-darwin23.1.0`,
/// `aarch64-apple-macos`). The MinGW environment (`x86_64-pc-windows-gnu`, `x86_64-w64-mingw32`) is refused:
/// its libraries and C runtime are not the MSVC toolchain's that linkwise's objects name (docs/cli.md).
pub fn parse(text: &str) -> Result<Target, Diagnostic> {
    match canonical(text) {
        Some(Ok(triple)) => Target::parse(triple),
        Some(Err(d)) => Err(d),
        None => Err(unsupported(text)),
    }
}

/// The canonical spelling of `text`: `None` if it is no alias of a supported triple, `Some(Err)` when it is
/// one linkwise refuses on purpose (MinGW).
fn canonical(text: &str) -> Option<Result<&'static str, Diagnostic>> {
    if let Some(&exact) = SUPPORTED.iter().find(|s| **s == text) {
        return Some(Ok(exact));
    }
    // Spellings target-lexicon does not take: `amd64` (FreeBSD's, Debian's and Windows' name for x86_64) and
    // MinGW's own triple, `ARCH-w64-mingw32`.
    let (first, rest) = text.split_once('-')?;
    let first = if first.eq_ignore_ascii_case("amd64") || first == "x64" { "x86_64" } else { first };
    if rest.split('-').any(|part| part == "mingw32") {
        let arch = if first == "x86_64" { "x86_64" } else { "aarch64" };
        return Some(Err(mingw(text, arch)));
    }
    // `macos` and `macos14.0` (clang's and Apple's spelling) are not target-lexicon's; `macosx` is.
    let rest: String = rest
        .split('-')
        .map(|part| match part.strip_prefix("macos") {
            Some(version) if !version.starts_with('x') => format!("macosx{version}"),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("-");
    let triple = Triple::from_str(&format!("{first}-{rest}")).ok()?;
    let arch = match triple.architecture {
        Architecture::X86_64 => "x86_64",
        Architecture::Aarch64(_) => "aarch64",
        _ => return None,
    };
    let rest = match (triple.operating_system, triple.environment) {
        (OperatingSystem::Windows, Environment::Msvc | Environment::Unknown) if !matches!(&triple.vendor, Vendor::Custom(v) if v.as_str() == "w64") => {
            "pc-windows-msvc"
        }
        (OperatingSystem::Windows, _) => return Some(Err(mingw(text, arch))),
        (OperatingSystem::Linux, Environment::Gnu | Environment::Unknown) => "unknown-linux-gnu",
        (OperatingSystem::Darwin(_) | OperatingSystem::MacOSX(_), _)
            if matches!(triple.vendor, Vendor::Apple | Vendor::Unknown) =>
        {
            "apple-darwin"
        }
        _ => return None,
    };
    let canonical = format!("{arch}-{rest}");
    SUPPORTED.iter().find(|s| **s == canonical).map(|s| Ok(*s))
}

/// MinGW (`-windows-gnu`, `-w64-mingw32`): the same machine code as MSVC's x64 and arm64, but another
/// toolchain: libraries are `libNAME.a`, the C runtime is mingw-w64's, and an object names its libraries as
/// `-l` options rather than MSVC's `/DEFAULTLIB:NAME.lib`. linkwise writes objects for the MSVC toolchain (its
/// `#[crt]` blocks link msvcrt.lib or libcmt.lib), so it does not pretend to target MinGW.
fn mingw(text: &str, arch: &str) -> Diagnostic {
    Diagnostic::error(format!("unsupported target `{text}`: MinGW (the `gnu` environment on Windows)"))
        .note(format!("linkwise supports: {}", SUPPORTED.join(", ")))
        .note(
            "linkwise writes objects for the MSVC toolchain: `/DEFAULTLIB:NAME.lib` directives and the MSVC C \
             runtimes (msvcrt.lib, libcmt.lib), which MinGW's libraries and linker do not provide",
        )
        .help(format!(
            "for the same machine code, linked by lld-link or link.exe, target `{arch}-pc-windows-msvc`"
        ))
}

/// The error for a triple that is no spelling of a supported one: linkwise-linkage's (which says why: an
/// architecture without code generation, a triple target-lexicon cannot read, one not implemented), with the
/// closest supported triple when it looks like a misspelling of one.
fn unsupported(text: &str) -> Diagnostic {
    let d = match Target::parse(text) {
        Err(d) => d,
        // Not reached (`canonical` accepts every supported triple), but never an `Ok` from an error path.
        Ok(_) => Diagnostic::error(format!("unsupported target `{text}`")),
    };
    match closest(text) {
        Some(closest) => d.help(format!("did you mean `{closest}`?")),
        None => d,
    }
}

/// The supported triple nearest to `text` by edit distance, if it is near enough to be a misspelling (at most
/// a sixth of its length away: four edits for `x86_64-unknown-linux-gnu`, so another architecture
/// (`riscv64gc-unknown-linux-gnu`, seven from `aarch64-unknown-linux-gnu`) gets no suggestion).
pub fn closest(text: &str) -> Option<&'static str> {
    let (best, distance) = SUPPORTED
        .iter()
        .map(|s| (*s, linkwise_ir::similar::edit_distance(text, s)))
        .min_by_key(|&(_, d)| d)?;
    (distance * 6 <= best.len()).then_some(best)
}

/// The host's target, if linkwise supports it: the command line's default, as rustc's (`rustc -vV` prints
/// it as `host:`). From the architecture and operating system linkwise itself was built for.
pub fn host() -> Option<Target> {
    parse(host_triple()?).ok()
}

/// The supported triple of the machine linkwise was built for, if it is one.
pub fn host_triple() -> Option<&'static str> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "aarch64" => "aarch64",
        _ => return None,
    };
    let rest = match std::env::consts::OS {
        "windows" => "pc-windows-msvc",
        "linux" => "unknown-linux-gnu",
        "macos" => "apple-darwin",
        _ => return None,
    };
    let triple = format!("{arch}-{rest}");
    SUPPORTED.iter().find(|s| **s == triple).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_normalise_to_the_supported_spelling() {
        let cases = [
            ("x86_64-pc-linux-gnu", "x86_64-unknown-linux-gnu"),
            ("x86_64-linux-gnu", "x86_64-unknown-linux-gnu"),
            ("x86_64-unknown-linux", "x86_64-unknown-linux-gnu"),
            ("aarch64-linux-gnu", "aarch64-unknown-linux-gnu"),
            ("arm64-linux-gnu", "aarch64-unknown-linux-gnu"),
            ("x86_64-apple-macosx14.0", "x86_64-apple-darwin"),
            ("x86_64-apple-macos14.0", "x86_64-apple-darwin"),
            ("arm64-apple-macos11", "aarch64-apple-darwin"),
            ("arm64-apple-macos", "aarch64-apple-darwin"),
            ("x86_64-apple-darwin23.1.0", "x86_64-apple-darwin"),
            ("arm64-apple-darwin", "aarch64-apple-darwin"),
            ("arm64-apple-macosx", "aarch64-apple-darwin"),
            ("x86_64-windows-msvc", "x86_64-pc-windows-msvc"),
            ("x86_64-pc-windows", "x86_64-pc-windows-msvc"),
            ("aarch64-windows-msvc", "aarch64-pc-windows-msvc"),
            ("arm64-pc-windows-msvc", "aarch64-pc-windows-msvc"),
            ("amd64-pc-windows-msvc", "x86_64-pc-windows-msvc"),
        ];
        for (alias, want) in cases {
            let got = parse(alias).map(|t| t.triple).map_err(|d| d.to_string());
            assert_eq!(got.as_deref(), Ok(want), "{alias}");
        }
    }

    #[test]
    fn mingw_is_refused_with_the_msvc_triple_suggested() {
        for text in ["x86_64-pc-windows-gnu", "x86_64-w64-mingw32", "aarch64-pc-windows-gnullvm"] {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.contains("MinGW"), "{text}: {error}");
            assert!(error.contains("-pc-windows-msvc`"), "{text}: {error}");
        }
    }

    #[test]
    fn an_unknown_triple_lists_the_supported_ones_and_the_closest() {
        let error = parse("x86_64-unknown-linux-gnux").unwrap_err().to_string();
        assert!(error.contains("did you mean `x86_64-unknown-linux-gnu`?"), "{error}");
        assert!(error.contains("linkwise supports: x86_64-pc-windows-msvc, "), "{error}");
        let error = parse("riscv64gc-unknown-linux-gnu").unwrap_err().to_string();
        assert!(error.contains("no code generation for architecture `riscv64gc`"), "{error}");
        assert!(!parse("wasm32-wasip1").unwrap_err().to_string().contains("did you mean"));
    }
}
