//! Fixes in the right direction and in the user's build system (issue 12 item 4): which side of a C runtime
//! mismatch must change is read from the evidence (the objects given directly, or `--crt`, are the program;
//! library members are the libraries), and each change is spelled for every build system that sets it: Rust
//! (RUSTFLAGS, `.cargo/config.toml`), cargo-dist, cc-rs, CMake, vcpkg, MSBuild and plain cl.exe. A fix never
//! proposes what a side already does: the program is only told to switch to the libraries' runtime, and the
//! libraries to the program's.

use super::resolve::{Id, Resolution};
use super::{Fix, LinkOptions, Side};
use crate::crt::{self, Crt};
use crate::read::Machine;

/// The C runtime the program uses: `--crt` when given, else the one the objects given directly (not library
/// members) were built for, when they agree; `None` when nothing says or they disagree among themselves.
pub(super) fn program_crt(r: &Resolution<'_>, options: &LinkOptions) -> Option<Crt> {
    if let Some(crt) = options.crt {
        return Some(crt);
    }
    let mut found: Option<Crt> = None;
    for &id in r.loaded.iter().filter(|&&id| !r.inputs[id.0].is_library) {
        let Some(e) = crt::infer(r.member(id)) else { continue };
        match found {
            None => found = Some(e.crt),
            Some(f) if !f.compatible(e.crt) => return None,
            // Keep the more precise of two compatible modes (`/MD` over "/MD or /MDd").
            Some(f) if f.debug.is_none() => found = Some(e.crt),
            Some(_) => {}
        }
    }
    found
}

/// Whether member `id` comes from a library (rather than being an object of the program).
pub(super) fn in_library(r: &Resolution<'_>, id: Id) -> bool {
    r.inputs[id.0].is_library
}

/// The machine of the link: `/MACHINE`, else the first linked member's that names one (x64 when none does).
fn machine(r: &Resolution<'_>, options: &LinkOptions) -> String {
    options
        .machine
        .or_else(|| r.loaded.iter().find_map(|&id| r.member(id).machine))
        .map(Machine::lld_name)
        .unwrap_or_else(|| "x64".to_owned())
}

/// Rust's target triple for a machine (the `[target.<triple>]` table of `.cargo/config.toml`).
fn rust_triple(machine: &str) -> &'static str {
    match machine {
        "x86" => "i686-pc-windows-msvc",
        "arm64" | "arm64ec" | "arm64x" => "aarch64-pc-windows-msvc",
        _ => "x86_64-pc-windows-msvc",
    }
}

/// vcpkg's architecture prefix for a machine (`x64-windows`, `arm64-windows-static`, ...).
fn vcpkg_arch(machine: &str) -> &'static str {
    match machine {
        "x86" => "x86",
        "arm64" | "arm64ec" | "arm64x" => "arm64",
        "arm" => "arm",
        _ => "x64",
    }
}

/// `dynamic` or `static`, as the fix kinds spell the runtime they switch to.
fn mode(crt: Crt) -> &'static str {
    if crt.dynamic { "dynamic" } else { "static" }
}

/// cl.exe's flag for `crt`, with the debug build's beside it when the debugness is not known.
fn cl_flags(crt: Crt) -> String {
    match (crt.dynamic, crt.debug) {
        (_, Some(_)) => crt.flag().to_owned(),
        (true, None) => "/MD (/MDd in a debug build)".to_owned(),
        (false, None) => "/MT (/MTd in a debug build)".to_owned(),
    }
}

/// MSBuild's `RuntimeLibrary` value for `crt` (the release one, with the debug one beside it when unknown).
fn msbuild_value(crt: Crt) -> String {
    let (release, debug) = if crt.dynamic {
        ("MultiThreadedDLL", "MultiThreadedDebugDLL")
    } else {
        ("MultiThreaded", "MultiThreadedDebug")
    };
    match crt.debug {
        Some(true) => format!("<RuntimeLibrary>{debug}</RuntimeLibrary>"),
        Some(false) => format!("<RuntimeLibrary>{release}</RuntimeLibrary>"),
        None => format!("<RuntimeLibrary>{release}</RuntimeLibrary> ({debug} for Debug)"),
    }
}

/// CMake's `CMAKE_MSVC_RUNTIME_LIBRARY` value for `crt`, following the configuration's debugness.
fn cmake_value(crt: Crt) -> &'static str {
    if crt.dynamic {
        "MultiThreaded$<$<CONFIG:Debug>:Debug>DLL"
    } else {
        "MultiThreaded$<$<CONFIG:Debug>:Debug>"
    }
}

/// One fix record per build system that compiles C or C++ for `crt`, on `side`: cl.exe, CMake, MSBuild,
/// cc-rs, and (for a library, which vcpkg may have built) the vcpkg triplet.
fn c_build_fixes(crt: Crt, side: Side, machine: &str) -> Vec<Fix> {
    let m = mode(crt);
    let mut fixes = vec![
        Fix::new(kind("cl", m), side, format!("compile with {}", cl_flags(crt))).in_ecosystem("cl"),
        Fix::new(
            kind("cmake", m),
            side,
            format!(
                "set(CMAKE_MSVC_RUNTIME_LIBRARY \"{}\") before project(), with policy CMP0091 NEW \
                 (cmake_minimum_required(VERSION 3.15) or later); or that value in one target's \
                 MSVC_RUNTIME_LIBRARY property",
                cmake_value(crt)
            ),
        )
        .in_ecosystem("cmake"),
        Fix::new(
            kind("msbuild", m),
            side,
            format!("{} in the ClCompile item definition of the .vcxproj", msbuild_value(crt)),
        )
        .in_ecosystem("msbuild"),
        Fix::new(
            kind("cc-rs", m),
            side,
            format!(
                "in build.rs, `.static_crt({})` on the cc::Build (left unset, cc-rs follows the crt-static \
                 target feature)",
                !crt.dynamic
            ),
        )
        .in_ecosystem("cc-rs"),
    ];
    if side == Side::Library {
        let arch = vcpkg_arch(machine);
        let text = if crt.dynamic {
            format!(
                "install it with the triplet {arch}-windows-static-md (a static library on the dynamic C runtime) \
                 or {arch}-windows (a DLL on the dynamic C runtime)"
            )
        } else {
            format!(
                "install it with the triplet {arch}-windows-static (a static library on the static C runtime)"
            )
        };
        fixes.push(Fix::new(kind("vcpkg", m), side, text).in_ecosystem("vcpkg"));
    }
    fixes
}

/// A fix kind: `{ecosystem}-{dynamic|static}-crt`, one of the values docs/doctor.schema.json lists.
fn kind(ecosystem: &str, mode: &str) -> &'static str {
    match (ecosystem, mode) {
        ("cl", "dynamic") => "cl-dynamic-crt",
        ("cl", _) => "cl-static-crt",
        ("cmake", "dynamic") => "cmake-dynamic-crt",
        ("cmake", _) => "cmake-static-crt",
        ("msbuild", "dynamic") => "msbuild-dynamic-crt",
        ("msbuild", _) => "msbuild-static-crt",
        ("cc-rs", "dynamic") => "cc-rs-dynamic-crt",
        ("cc-rs", _) => "cc-rs-static-crt",
        ("vcpkg", "dynamic") => "vcpkg-dynamic-crt",
        ("vcpkg", _) => "vcpkg-static-crt",
        ("rust", "dynamic") => "rust-dynamic-crt",
        ("rust", _) => "rust-static-crt",
        ("cargo-dist", "dynamic") => "cargo-dist-dynamic-crt",
        _ => "cargo-dist-static-crt",
    }
}

/// The program's side of a switch to `crt`: Rust's target feature (RUSTFLAGS or `.cargo/config.toml`),
/// cargo-dist's setting, then the C build systems.
fn program_fixes(crt: Crt, machine: &str) -> Vec<Fix> {
    let m = mode(crt);
    let feature = if crt.dynamic { "-crt-static" } else { "+crt-static" };
    let mut fixes = vec![
        Fix::new(
            kind("rust", m),
            Side::Program,
            format!(
                "RUSTFLAGS=\"-C target-feature={feature}\", or in .cargo/config.toml `[target.{}] rustflags = \
                 [\"-C\", \"target-feature={feature}\"]`",
                rust_triple(machine)
            ),
        )
        .in_ecosystem("rust"),
        Fix::new(
            kind("cargo-dist", m),
            Side::Program,
            format!("set `msvc-crt-static = {}` in dist-workspace.toml", !crt.dynamic),
        )
        .in_ecosystem("cargo-dist"),
    ];
    fixes.extend(
        c_build_fixes(crt, Side::Program, machine).into_iter().filter(|f| f.ecosystem != Some("cc-rs")),
    );
    fixes
}

/// A C runtime mismatch between the program and some inputs: who was built for what.
pub(super) struct Mismatch<'s> {
    /// The inputs at odds with the program, as the report names them (`vendor.lib(vendor.obj)`).
    pub(super) inputs: Vec<&'s str>,
    /// Whether they are all objects of the program (given directly) rather than library members.
    pub(super) program_objects: bool,
    /// The runtime they were built for.
    pub(super) theirs: Crt,
    /// The runtime the program uses.
    pub(super) program: Crt,
    /// Why rebuilding them helps, appended to the headline (", so it calls `tolower` directly").
    pub(super) why: String,
}

/// The fixes of a mismatch, in order: rebuild the odd inputs for the program's runtime (their side, in every
/// build system), or else switch the program to theirs (the program's side). Each side starts with a headline
/// record (no ecosystem) the human report prints, the ecosystems' records under it.
pub(super) fn crt_fixes(r: &Resolution<'_>, options: &LinkOptions, m: &Mismatch<'_>) -> Vec<Fix> {
    let machine = machine(r, options);
    let side = if m.program_objects { Side::Program } else { Side::Library };
    let to = m.program;
    let mut fixes = vec![Fix::new(
        if to.dynamic { "rebuild-dynamic-crt" } else { "rebuild-static-crt" },
        side,
        format!("rebuild {} with {}, the {}{}", m.inputs.join(", "), to.flag(), describe(to), m.why),
    )];
    fixes.extend(c_build_fixes(to, side, &machine));
    // The program switching to the inputs' runtime; when the inputs are the program's own objects the
    // rebuild above is already the program's change, and "switch" would be what the program says it is not.
    if !m.program_objects {
        let theirs = m.theirs;
        fixes.push(Fix::new(
            if theirs.dynamic { "program-dynamic-crt" } else { "program-static-crt" },
            Side::Program,
            format!(
                "or build the program with {}, the {}, as {} was",
                theirs.flag(),
                describe(theirs),
                m.inputs.join(", ")
            ),
        ));
        fixes.extend(program_fixes(theirs, &machine));
    }
    fixes
}

/// When the program's runtime is known and linked library members were built for another: the fixes of that
/// mismatch (the members sharing the first odd member's runtime, one switch at a time). `None` when nothing
/// says which side is the program's, or no library member is at odds with it.
pub(super) fn library_mismatch(r: &Resolution<'_>, options: &LinkOptions) -> Option<Vec<Fix>> {
    let program = program_crt(r, options)?;
    let odd: Vec<(&str, Crt)> = r
        .loaded
        .iter()
        .filter(|&&id| in_library(r, id))
        .filter_map(|&id| {
            let e = crt::infer(r.member(id))?;
            (!e.crt.compatible(program)).then_some((r.member(id).name.as_str(), e.crt))
        })
        .collect();
    let &(_, theirs) = odd.first()?;
    let inputs = odd.iter().filter(|(_, c)| c.compatible(theirs)).map(|(n, _)| *n).collect();
    let mismatch = Mismatch { inputs, program_objects: false, theirs, program, why: String::new() };
    Some(crt_fixes(r, options, &mismatch))
}

/// "dynamic C runtime" or "static C runtime".
fn describe(crt: Crt) -> &'static str {
    if crt.dynamic { "dynamic C runtime" } else { "static C runtime" }
}

/// A DLL's data reached by an object's direct reference: `X` referenced, and an import library provides only
/// `__imp_X` (a DATA export has no thunk to call). The object must read it through the slot.
pub(super) fn dll_data_fix(symbol: &str, dll: &str, side: Side) -> Fix {
    Fix::new(
        "import-dll-data",
        side,
        format!(
            "`{symbol}` is data exported by {dll}: reach it through `__imp_{symbol}`: declare it \
             `extern __declspec(dllimport)` in C or C++ (the C runtime's headers do so under /MD), or in Rust and \
             linkwise put it in an extern block under `#[link(name = \"...\", kind = \"dylib\")]`"
        ),
    )
}
