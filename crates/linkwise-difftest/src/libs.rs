//! Building the simulated libraries of docs/difftest.md for one target: lwsim.c compiled by clang three times
//! (one prefix and starting counter for each library), then a DLL with its import library, a static
//! library and a `raw-dylib` DLL on Windows, or two shared objects and an archive on Linux. Nothing else is
//! needed: the C uses no headers and no C runtime.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use linkwise_bench::process::run;

use crate::target::Target;

/// The C source of the three libraries.
pub const SOURCE: &str = include_str!("lwsim.c");

/// One simulated library: its name, its symbols' prefix and the value its `X_counter` starts at.
struct Library {
    name: &'static str,
    prefix: &'static str,
    counter: i32,
    shared: bool,
}

/// The three libraries, as docs/difftest.md's table has them.
const LIBRARIES: [Library; 3] = [
    Library { name: "lwsim_dyn", prefix: "d", counter: 7, shared: true },
    Library { name: "lwsim_st", prefix: "s", counter: 11, shared: false },
    Library { name: "lwsim_raw", prefix: "r", counter: 13, shared: true },
];

/// How long one compile or link may take before it counts as hung.
pub const TOOL_DEADLINE: Duration = Duration::from_secs(120);

/// The LLVM tools the libraries need: on PATH, else in Debian's `/usr/lib/llvm-19/bin`.
pub fn llvm_tool(name: &str) -> Result<PathBuf, String> {
    let on_path = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()));
    on_path.or_else(|| Some(Path::new("/usr/lib/llvm-19/bin").join(name)).filter(|p| p.is_file())).ok_or_else(
        || format!("cannot find `{name}` on PATH or in /usr/lib/llvm-19/bin (scripts/setup installs it)"),
    )
}

/// Builds the three libraries for `target` into `dir`, which must exist, from `c` (normally [`SOURCE`]).
/// `clang` is the C compiler.
pub fn build(target: Target, dir: &Path, clang: &Path, c: &str) -> Result<(), String> {
    let source = dir.join("lwsim.c");
    std::fs::write(&source, c).map_err(|e| format!("cannot write `{}`: {e}", source.display()))?;
    let object_ext = if target.is_windows() { "obj" } else { "o" };
    if target.is_windows() {
        kernel32(dir)?;
    }
    for library in &LIBRARIES {
        let object = dir.join(format!("{}.{object_ext}", library.name));
        let mut cc = Command::new(clang);
        // -ffp-contract=off: clang would otherwise fuse `a * 0.5 + b` into one fmadd on aarch64, which rounds
        // once where the IR (and the interpreter) round twice.
        cc.arg(format!("--target={}", target.clang_triple()))
            .args(["-O2", "-ffp-contract=off", "-fno-stack-protector", "-c"])
            .arg(format!("-DPFX={}", library.prefix))
            .arg(format!("-DCOUNTER={}", library.counter));
        if !target.is_windows() {
            cc.arg("-fPIC");
        }
        if !library.shared {
            cc.arg("-DLWSIM_STATIC");
        }
        cc.arg(&source).arg("-o").arg(&object);
        run(&mut cc, TOOL_DEADLINE, dir)?;
        let mut link = match (target.is_windows(), library.shared) {
            (true, true) => {
                let mut link = Command::new(llvm_tool("lld-link")?);
                link.args(["/nologo", "/dll", "/noentry", "/nodefaultlib", "/machine:x64", "/Brepro"])
                    .arg(&object)
                    .arg(dir.join("kernel32.lib"))
                    .arg(format!("/out:{}", dir.join(target.shared_name(library.name)).display()));
                // lwsim_raw is `raw-dylib`: linkwise writes its import library from the program's block.
                if library.name == "lwsim_raw" {
                    link.arg("/noimplib");
                } else {
                    link.arg(format!("/implib:{}", dir.join(format!("{}.lib", library.name)).display()));
                }
                link
            }
            (true, false) => {
                let mut link = Command::new(llvm_tool("llvm-lib")?);
                link.arg("/nologo")
                    .arg(format!("/out:{}", dir.join(format!("{}.lib", library.name)).display()));
                link.arg(&object);
                link
            }
            (false, true) => {
                let file_name = target.shared_name(library.name);
                let mut link = Command::new(llvm_tool("ld.lld")?);
                link.args(["-shared", "-soname", &file_name, "-o"]).arg(dir.join(&file_name)).arg(&object);
                link
            }
            (false, false) => {
                let mut link = Command::new(llvm_tool("llvm-ar")?);
                link.arg("rcs").arg(dir.join(format!("lib{}.a", library.name))).arg(&object);
                link
            }
        };
        run(&mut link, TOOL_DEADLINE, dir)?;
    }
    Ok(())
}

/// kernel32's import library for the two functions the C uses (`GetStdHandle`, `WriteFile`), written by
/// llvm-dlltool, so that no Windows SDK or MinGW is needed.
fn kernel32(dir: &Path) -> Result<(), String> {
    let def = dir.join("kernel32.def");
    std::fs::write(&def, "LIBRARY kernel32.dll\nEXPORTS\n    GetStdHandle\n    WriteFile\n")
        .map_err(|e| format!("cannot write `{}`: {e}", def.display()))?;
    let mut dlltool = Command::new(llvm_tool("llvm-dlltool")?);
    dlltool.args(["-m", "i386:x86-64", "-d"]).arg(&def).arg("-l").arg(dir.join("kernel32.lib"));
    run(&mut dlltool, TOOL_DEADLINE, dir).map(|_| ())
}
