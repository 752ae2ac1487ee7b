//! Shared helpers for end-to-end tests: finding lld-link, llvm-dlltool, llvm-lib and wine, scratch
//! directories, and running a tool with its output captured. Under `CI=true` a missing tool fails the test
//! (it must never silently skip in CI); elsewhere the test says what is missing and skips.
#![allow(dead_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Where Debian's LLVM 19 puts its unsuffixed tools (see ../shared/notes/toolchain.md).
const LLVM_BIN: &str = "/usr/lib/llvm-19/bin";

/// Whether missing tools must fail tests rather than skip them.
pub fn tools_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true") || std::env::var_os("LINKWISE_REQUIRE_TOOLS").is_some()
}

/// Finds `name` in LLVM's directory, then on PATH (also as `name-19`).
fn find(name: &str) -> Option<PathBuf> {
    let llvm = Path::new(LLVM_BIN).join(name);
    if llvm.is_file() {
        return Some(llvm);
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for candidate in [name.to_owned(), format!("{name}-19")] {
            let p = dir.join(&candidate);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The path of tool `name`, or `None` (with a message) when it is missing and tests may skip.
///
/// # Panics
/// When the tool is missing and [`tools_required`] (CI): a CI run without its tools must fail.
pub fn tool(name: &str) -> Option<PathBuf> {
    static FOUND: OnceLock<std::sync::Mutex<std::collections::HashMap<String, Option<PathBuf>>>> =
        OnceLock::new();
    let cache = FOUND.get_or_init(Default::default);
    let found = cache.lock().unwrap().entry(name.to_owned()).or_insert_with(|| find(name)).clone();
    require(name, found, tools_required())
}

/// The decision behind [`tool`], separate so it can be tested without touching the environment.
pub fn require(name: &str, found: Option<PathBuf>, required: bool) -> Option<PathBuf> {
    match found {
        Some(p) => Some(p),
        None if required => panic!("`{name}` is required (CI=true) but not installed: run scripts/setup"),
        None => {
            eprintln!("skipping: `{name}` not found; run scripts/setup to install it");
            None
        }
    }
}

/// A scratch directory, removed when dropped unless `LINKWISE_KEEP_TEMP` is set (then its path is printed).
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new, empty directory under the system temp directory.
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("linkwise-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch directory");
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside it.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("LINKWISE_KEEP_TEMP").is_some() {
            eprintln!("kept {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// What a finished command did.
pub struct Ran {
    /// The command line, for messages.
    pub command: String,
    /// Exit status; `None` if killed by a signal or the timeout.
    pub status: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Ran {
    /// Whether it exited with status 0.
    pub fn ok(&self) -> bool {
        self.status == Some(0)
    }

    /// Panics with the whole record unless it exited with status 0.
    pub fn assert_ok(self) -> Ran {
        assert!(self.ok(), "command failed:\n{self}");
        self
    }
}

impl fmt::Display for Ran {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ {}", self.command)?;
        writeln!(f, "status: {:?}", self.status)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}

/// Runs `cmd` with no standard input, killing it after `timeout`.
pub fn run(cmd: &mut Command, timeout: Duration) -> Ran {
    let command = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status.code();
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ran { command, status, stdout: out_reader.join().unwrap(), stderr: err_reader.join().unwrap() }
}

/// Writes a module definition for `dll` exporting `exports` (a name ending in ` DATA` is a data export) and
/// builds its x86_64 import library with llvm-dlltool.
pub fn import_library(dlltool: &Path, dir: &Path, dll: &str, exports: &[&str]) -> PathBuf {
    let stem = dll.trim_end_matches(".dll");
    let def = dir.join(format!("{stem}.def"));
    let lib = dir.join(format!("{stem}.lib"));
    let mut text = format!("LIBRARY {dll}\nEXPORTS\n");
    for e in exports {
        text.push_str(&format!("    {e}\n"));
    }
    std::fs::write(&def, text).unwrap();
    run(
        Command::new(dlltool).args(["-m", "i386:x86-64", "-d"]).arg(&def).arg("-l").arg(&lib),
        Duration::from_secs(60),
    )
    .assert_ok();
    lib
}

/// Links a console program with lld-link: entry `mainCRTStartup`, no default libraries (no CRT start-up code).
pub fn lld_link(lld_link: &Path, inputs: &[&Path], out: &Path) -> Ran {
    let mut cmd = Command::new(lld_link);
    cmd.args(["/nologo", "/entry:mainCRTStartup", "/subsystem:console", "/nodefaultlib"]);
    cmd.args(inputs).arg(format!("/out:{}", out.display()));
    run(&mut cmd, Duration::from_secs(60))
}

/// Runs a Windows program under wine in the shared prefix that scripts/setup creates.
pub fn wine(wine: &Path, exe: &Path) -> Ran {
    let prefix = std::env::var_os("LINKWISE_WINEPREFIX").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/linkwise-wine")
    });
    // Wine creates a missing prefix on first use; serialize that so parallel tests do not race on it.
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = std::fs::create_dir_all(&prefix);
        let wineboot = wine.with_file_name("wineboot");
        let mut cmd = Command::new(if wineboot.is_file() { wineboot } else { wine.to_path_buf() });
        if cmd.get_program() == wine.as_os_str() {
            cmd.arg("wineboot");
        }
        cmd.arg("-i").env("WINEPREFIX", &prefix).env("WINEDEBUG", "-all");
        run(&mut cmd, Duration::from_secs(300));
    });
    run(
        Command::new(wine).arg(exe).env("WINEPREFIX", &prefix).env("WINEDEBUG", "-all"),
        Duration::from_secs(120),
    )
}

/// The ELF targets this machine can link (and run: natively, or with qemu-aarch64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfTarget {
    /// x86_64-unknown-linux-gnu, run natively.
    X86_64,
    /// aarch64-unknown-linux-gnu, run with `qemu-aarch64 -L /usr/aarch64-linux-gnu`.
    Aarch64,
}

/// Links a C-runtime program (entry in glibc's Scrt1.o, which calls `main`) as a PIE with ld.lld, against
/// the glibc of the target (the arm64 cross glibc for aarch64), as ../shared/notes/toolchain.md records.
pub fn ld_lld_pie(ld_lld: &Path, target: ElfTarget, objects: &[&Path], out: &Path) -> Ran {
    let (lib, emulation, loader) = match target {
        ElfTarget::X86_64 => ("/usr/lib/x86_64-linux-gnu", "elf_x86_64", "/lib64/ld-linux-x86-64.so.2"),
        ElfTarget::Aarch64 => ("/usr/aarch64-linux-gnu/lib", "aarch64linux", "/lib/ld-linux-aarch64.so.1"),
    };
    let mut cmd = Command::new(ld_lld);
    cmd.args(["-m", emulation, "-pie", "--eh-frame-hdr", "-dynamic-linker", loader, "-o"]).arg(out);
    cmd.arg(format!("{lib}/Scrt1.o")).arg(format!("{lib}/crti.o"));
    cmd.args(objects);
    cmd.arg(format!("-L{lib}")).arg("-lc").arg(format!("{lib}/crtn.o"));
    run(&mut cmd, Duration::from_secs(60))
}

/// Runs a linked ELF program: natively for x86_64, under qemu-aarch64 (binfmt_misc is not set up here) for
/// aarch64. `None` when qemu is missing outside CI.
pub fn run_elf(target: ElfTarget, exe: &Path) -> Option<Ran> {
    match target {
        ElfTarget::X86_64 => Some(run(&mut Command::new(exe), Duration::from_secs(60))),
        ElfTarget::Aarch64 => {
            let qemu = tool("qemu-aarch64")?;
            Some(run(
                Command::new(qemu).args(["-L", "/usr/aarch64-linux-gnu"]).arg(exe),
                Duration::from_secs(60),
            ))
        }
    }
}

/// Compiles the repository file `path` (relative to the workspace root) with `options` and returns the object
/// bytes; a compile error fails the test with the rendered diagnostics.
pub fn compile(path: &str, options: &linkwise::Options) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file = linkwise::SourceFile::new(path, text);
    linkwise::compile(&file, options).unwrap_or_else(|d| panic!("{}", d.render(&file))).object.bytes
}
