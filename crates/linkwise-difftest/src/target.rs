//! The three targets the differential runner can run on this machine, and what differs between them: the
//! triple, how a program is started, which `-l` the programs need, and the file names of images.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A target whose programs run here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// x86_64 Windows: COFF linked by lld-link, run under wine.
    WindowsX64,
    /// x86_64 Linux: ELF linked by ld.lld, run natively.
    LinuxX64,
    /// aarch64 Linux: ELF linked by ld.lld, run under qemu-aarch64.
    LinuxArm64,
}

/// Every target, in the order reports list them.
pub const ALL: [Target; 3] = [Target::WindowsX64, Target::LinuxX64, Target::LinuxArm64];

impl Target {
    /// The name `--targets` takes and reports print.
    pub fn name(self) -> &'static str {
        match self {
            Target::WindowsX64 => "windows-x64",
            Target::LinuxX64 => "linux-x64",
            Target::LinuxArm64 => "linux-arm64",
        }
    }

    /// The target for a `--targets` word.
    pub fn parse(word: &str) -> Option<Target> {
        ALL.into_iter().find(|t| t.name() == word)
    }

    /// The triple linkwise compiles for.
    pub fn triple(self) -> &'static str {
        match self {
            Target::WindowsX64 => "x86_64-pc-windows-msvc",
            Target::LinuxX64 => "x86_64-unknown-linux-gnu",
            Target::LinuxArm64 => "aarch64-unknown-linux-gnu",
        }
    }

    /// clang's `--target` for the simulated libraries' C.
    pub fn clang_triple(self) -> &'static str {
        match self {
            Target::WindowsX64 => "x86_64-pc-windows-msvc",
            Target::LinuxX64 => "x86_64-linux-gnu",
            Target::LinuxArm64 => "aarch64-linux-gnu",
        }
    }

    /// Whether this is a Windows target (`raw-dylib` allowed, `mainCRTStartup`, DLLs).
    pub fn is_windows(self) -> bool {
        self == Target::WindowsX64
    }

    /// The `-l` overrides every program needs here: `raw-dylib` is Windows only (docs/ir.md), so elsewhere
    /// the `lwsim_raw` block links as an ordinary shared library (docs/difftest.md).
    pub fn link_specs(self) -> &'static [&'static str] {
        if self.is_windows() { &[] } else { &["dylib=lwsim_raw"] }
    }

    /// The file name of the program `stem`.
    pub fn exe_name(self, stem: &str) -> String {
        if self.is_windows() { format!("{stem}.exe") } else { stem.to_owned() }
    }

    /// The file name of the shared library `name` (`name.dll`, `libname.so`).
    pub fn shared_name(self, name: &str) -> String {
        if self.is_windows() { format!("{name}.dll") } else { format!("lib{name}.so") }
    }

    /// The command that runs `exe`, whose shared libraries are beside it in `dir`.
    pub fn command(self, exe: &Path, dir: &Path, wine: &Wine) -> Command {
        let mut cmd = match self {
            Target::WindowsX64 => {
                // A DLL is found in the program's own directory first, so the libraries beside it are used.
                let mut cmd = Command::new(&wine.wine);
                cmd.arg(exe).env("WINEPREFIX", &wine.prefix).env("WINEDEBUG", "-all");
                cmd
            }
            Target::LinuxX64 => {
                let mut cmd = Command::new(exe);
                cmd.env("LD_LIBRARY_PATH", dir);
                cmd
            }
            Target::LinuxArm64 => {
                // binfmt_misc is not set up here (../shared/notes/toolchain.md): start qemu explicitly.
                let mut cmd = Command::new("qemu-aarch64");
                cmd.arg("-L").arg("/usr/aarch64-linux-gnu").arg(exe).env("LD_LIBRARY_PATH", dir);
                cmd
            }
        };
        cmd.current_dir(dir);
        cmd
    }
}

/// Where wine is and which prefix it runs in.
#[derive(Clone, Debug)]
pub struct Wine {
    /// The `wine` program.
    pub wine: PathBuf,
    /// `WINEPREFIX`: `LINKWISE_WINEPREFIX`, else `~/.cache/linkwise-wine`, as the tests and the benchmarks use.
    pub prefix: PathBuf,
}
