//! Shared helpers for end-to-end tests: finding lld-link, llvm-dlltool, llvm-lib and wine, scratch
//! directories, running a tool with its output captured, compiling a module to an object file, reading its
//! relocations back, running the CLI in process, a stand-in macOS SDK, and one test per corpus file. Under `CI=true` a missing tool
//! fails the test (it must never silently skip in CI); elsewhere the test says what is missing and skips.
#![allow(dead_code)]

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
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

/// The names of the entries of `dir`, sorted: what a test expects a directory to hold, and nothing else.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// What a finished command did.
pub struct Ran {
    /// The command line, for messages.
    pub command: String,
    /// Exit status; `None` if killed by a signal or the timeout.
    pub status: Option<i32>,
    /// Standard output (up to the deadline, when it fired).
    pub stdout: String,
    /// Standard error (up to the deadline, when it fired).
    pub stderr: String,
    /// How long it ran.
    pub elapsed: Duration,
    /// Whether the deadline fired and its process group was killed.
    pub timed_out: bool,
}

impl Ran {
    /// Whether it exited with status 0.
    pub fn ok(&self) -> bool {
        self.status == Some(0)
    }

    /// Panics with the whole record unless it exited with status 0.
    pub fn assert_ok(self) -> Ran {
        if self.timed_out {
            panic!("command timed out after {:.2} s:\n{self}", self.elapsed.as_secs_f64());
        }
        assert!(self.ok(), "command failed:\n{self}");
        self
    }
}

impl fmt::Display for Ran {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ {}", self.command)?;
        let secs = self.elapsed.as_secs_f64();
        if self.timed_out {
            writeln!(f, "status: timed out after {secs:.2} s; its process group was killed; output so far:")?;
        } else {
            writeln!(f, "status: {:?} after {secs:.2} s", self.status)?;
        }
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}

/// Runs `cmd` with no standard input, in a process group of its own, killing the whole group after `timeout`.
///
/// Output goes to unlinked files, not pipes: a pipe reaches EOF only when every process holding its write end
/// has exited, and a command's descendants can outlive it (wine's services inherit the streams of the wine
/// program that starts them and, under a persistent wineserver, never exit; issue 7). A file is read once
/// the command itself has exited, whoever else still holds it. When the command exits, whatever it left
/// behind in its group is killed too, so no test leaves processes running; daemons that detach themselves
/// (`setsid`, as wineserver and wine's services do) are in other groups and are not touched.
pub fn run(cmd: &mut Command, timeout: Duration) -> Ran {
    let command = format!("{cmd:?}");
    let (mut out, mut err) = (capture_file("stdout"), capture_file("stderr"));
    cmd.stdin(Stdio::null()).stdout(out.try_clone().expect("dup stdout file"));
    cmd.stderr(err.try_clone().expect("dup stderr file"));
    let (status, elapsed, timed_out) = run_in_group(cmd, &command, timeout, Leftovers::Kill);
    Ran { command, status, stdout: read_back(&mut out), stderr: read_back(&mut err), elapsed, timed_out }
}

/// Starts `cmd` with all three standard streams on /dev/null, in a process group of its own, and waits up to
/// `timeout` for it (not for anything it leaves running): for starting daemons that must outlive the test and
/// must never hold a test's output (see [`wine`]). At the deadline its group is killed.
pub fn run_detached(cmd: &mut Command, timeout: Duration) -> Ran {
    let command = format!("{cmd:?}");
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    let (status, elapsed, timed_out) = run_in_group(cmd, &command, timeout, Leftovers::Keep);
    let stderr = "(standard streams on /dev/null)".to_owned();
    Ran { command, status, stdout: String::new(), stderr, elapsed, timed_out }
}

/// What to do with processes still in a command's group after it exits normally.
#[derive(Clone, Copy, PartialEq)]
enum Leftovers {
    Kill,
    Keep,
}

/// Spawns `cmd` as the leader of a new process group and waits for it until `timeout`; returns its exit code
/// (`None` for a signal or the deadline), how long it ran, and whether the deadline fired.
fn run_in_group(
    cmd: &mut Command,
    command: &str,
    timeout: Duration,
    leftovers: Leftovers,
) -> (Option<i32>, Duration, bool) {
    use std::os::unix::process::CommandExt;
    let start = Instant::now();
    // Group id = the child's pid, so one kill(-pid) reaches everything it started that did not detach.
    let mut child = cmd.process_group(0).spawn().unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits pid_t");
    let timed_out = loop {
        if has_exited(pid) {
            break false;
        }
        if start.elapsed() >= timeout {
            break true;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // The child has not been reaped yet (`has_exited` uses WNOWAIT), so its pid still names its group and
    // cannot have been reused: this kill cannot reach an unrelated process.
    if timed_out || leftovers == Leftovers::Kill {
        // SAFETY: kill(2) with a negative pid signals a process group; it touches no memory of ours.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
    let status = child.wait().unwrap_or_else(|e| panic!("cannot wait for {command}: {e}"));
    let elapsed = start.elapsed();
    (if timed_out { None } else { status.code() }, elapsed, timed_out)
}

/// Whether child `pid` has exited, without reaping it (`WNOWAIT`), so its pid stays reserved for
/// [`run_in_group`]'s group kill. `std::process::Child::try_wait` would reap it.
fn has_exited(pid: libc::pid_t) -> bool {
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value (waitid leaves si_pid 0 when nothing changed).
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        // SAFETY: `info` is a valid, writable siginfo_t for the duration of the call.
        let r = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags) };
        if r == 0 {
            // SAFETY: waitid filled `info` (or left it zeroed); si_pid is defined for SIGCHLD records.
            return unsafe { info.si_pid() } != 0;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "waitid on child {pid}: {e}");
    }
}

/// A new, exclusively created file in the temp directory, already unlinked: nothing to clean up, and a process
/// that keeps it open after the command exits holds only an anonymous inode.
fn capture_file(stream: &str) -> File {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("linkwise-run-{}-{n}.{stream}", std::process::id()));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
    let _ = std::fs::remove_file(&path);
    file
}

/// Everything written to `file` so far, as text.
fn read_back(file: &mut File) -> String {
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0)).and_then(|_| file.read_to_end(&mut bytes)).expect("read captured output");
    String::from_utf8_lossy(&bytes).into_owned()
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

/// Writes a text stub (`.tbd`, TAPI version 4, for x86_64 and arm64 macOS) into `dir` (created if need be)
/// for each `(install name, exported symbols)` dylib, named after the install name's file up to its first dot
/// (`/usr/lib/libSystem.B.dylib`: `libSystem.tbd`), which is what ld64.lld's `-lNAME` looks for. Nothing on
/// this machine has Apple's SDK, so these stand in for its dylibs (../shared/notes/toolchain.md).
pub fn tbd_stubs(dir: &Path, dylibs: &[(&str, &[&str])]) {
    std::fs::create_dir_all(dir).unwrap();
    for (install_name, symbols) in dylibs {
        let file = install_name.rsplit('/').next().unwrap_or(install_name);
        let stem = file.split('.').next().unwrap_or(file);
        let targets = "[ x86_64-macos, arm64-macos ]";
        let text = format!(
            "--- !tapi-tbd\ntbd-version:     4\ntargets:         {targets}\ninstall-name:    '{install_name}'\n\
             current-version: 1\nexports:\n  - targets:         {targets}\n    symbols:         [ {} ]\n...\n",
            symbols.join(", ")
        );
        std::fs::write(dir.join(format!("{stem}.tbd")), text).unwrap();
    }
}

/// A stand-in macOS SDK at `dir/sdk`, for ld64.lld's `-syslibroot` and linkwise's `--sdk-root`: a libSystem
/// exporting `symbols` and `dyld_stub_binder` (ld64.lld binds lazily through it unless `-fixup_chains`).
/// Returns the SDK's root.
pub fn macos_sdk(dir: &Path, symbols: &[&str]) -> PathBuf {
    let sdk = dir.join("sdk");
    let exports: Vec<&str> = symbols.iter().copied().chain(["dyld_stub_binder"]).collect();
    tbd_stubs(&sdk.join("usr/lib"), &[("/usr/lib/libSystem.B.dylib", &exports)]);
    sdk
}

/// Links a console program with lld-link: entry `mainCRTStartup`, no default libraries (no CRT start-up code).
pub fn lld_link(lld_link: &Path, inputs: &[&Path], out: &Path) -> Ran {
    let mut cmd = Command::new(lld_link);
    cmd.args(["/nologo", "/entry:mainCRTStartup", "/subsystem:console", "/nodefaultlib"]);
    cmd.args(inputs).arg(format!("/out:{}", out.display()));
    run(&mut cmd, Duration::from_secs(60))
}

/// The wine prefix the tests share: `LINKWISE_WINEPREFIX`, or `~/.cache/linkwise-wine` (as scripts/setup).
pub fn wine_prefix() -> PathBuf {
    std::env::var_os("LINKWISE_WINEPREFIX").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/linkwise-wine")
    })
}

/// How long a wineserver the tests start stays up after its last wine program exits. Longer than any pause
/// between two wine runs of one suite (which must stay under 10 minutes); each test binary checks again anyway.
const WINESERVER_PERSIST_SECS: u32 = 600;

/// Runs a Windows program under wine in the shared prefix, once [`start_wine`] has made sure the prefix,
/// the wineserver and wine's services exist.
pub fn wine(wine: &Path, exe: &Path) -> Ran {
    let prefix = wine_prefix();
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| start_wine(wine, &prefix));
    run(
        Command::new(wine).arg(exe).env("WINEPREFIX", &prefix).env("WINEDEBUG", "-all"),
        Duration::from_secs(120),
    )
}

/// Makes sure `prefix` exists and its wineserver and services run detached, before any test captures a wine
/// program's output (issue 7; docs/testing.md, "How tests start wine, and why").
///
/// The first wine program under a wineserver starts wine's services (services.exe, winedevice.exe,
/// plugplay.exe, ...); they detach into sessions of their own but keep that program's standard error, and
/// under a persistent server they never exit. Started here, from a program whose streams are all /dev/null,
/// they hold /dev/null. The wineserver is started first, the same way (it would otherwise keep the standard
/// error of whichever test started it), and made persistent so it does not exit between two tests and come
/// back attached to one of them. A server that is already running is left as it is (`wineserver -p` then
/// exits with status 2); `wine wineboot` then starts the services if that server has none yet (a server
/// started by hand with `wineserver -p` on a new prefix: the hang the issue reports), creates the prefix if
/// it is new (8-15 s), and otherwise returns in about 0.1 s.
///
/// A lock file in the prefix serializes this across test binaries, so two of them never create one prefix at
/// once; within a binary, [`wine`] calls it once.
pub fn start_wine(wine: &Path, prefix: &Path) {
    std::fs::create_dir_all(prefix)
        .unwrap_or_else(|e| panic!("cannot create wine prefix {}: {e}", prefix.display()));
    let lock_path = prefix.join(".linkwise-start.lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", lock_path.display()));
    // Poll rather than block, so that a stuck holder fails this test instead of hanging it. The holder's
    // own steps have deadlines (60 + 300 s), so waiting longer than their sum means something is wrong.
    let start = Instant::now();
    loop {
        match lock.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < Duration::from_secs(420) => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("cannot lock {} after {:?}: {e}", lock_path.display(), start.elapsed()),
        }
    }
    let server =
        Some(wine.with_file_name("wineserver")).filter(|p| p.is_file()).or_else(|| find("wineserver"));
    if let Some(server) = server {
        let ran = run_detached(
            Command::new(server).arg(format!("-p{WINESERVER_PERSIST_SECS}")).env("WINEPREFIX", prefix),
            Duration::from_secs(60),
        );
        // 0: started (the command returns once the server is ready); 2: one is already running.
        assert!(
            matches!(ran.status, Some(0 | 2)),
            "cannot start the wineserver for {}:\n{ran}",
            prefix.display()
        );
    }
    let ran = run_detached(
        Command::new(wine).arg("wineboot").env("WINEPREFIX", prefix).env("WINEDEBUG", "-all"),
        Duration::from_secs(300),
    );
    let hint = format!("to see why, run: WINEPREFIX={} wine wineboot", prefix.display());
    assert!(!ran.timed_out, "wineboot timed out after {:.1} s ({hint}):\n{ran}", ran.elapsed.as_secs_f64());
    assert!(ran.ok(), "wineboot failed ({hint}):\n{ran}");
    // Dropping `lock` closes it, which releases the lock.
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

/// The repository file `path` (relative to the workspace root), named by that path in diagnostics.
pub fn source(path: &str) -> linkwise::SourceFile {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    linkwise::SourceFile::new(path, text)
}

/// Options for `triple` with the `-l` specs `specs` (each the text after `-l`), as the command line builds them.
pub fn options(triple: &str, specs: &[&str]) -> linkwise::Options {
    let mut options = linkwise::Options::new().target(triple).unwrap_or_else(|d| panic!("{triple}: {d}"));
    for spec in specs {
        options = options.link(spec).unwrap_or_else(|d| panic!("-l {spec}: {d}"));
    }
    options
}

/// Compiles `file` with `options` and returns the object bytes; a compile error fails the test with the
/// rendered diagnostics.
pub fn compile_source(file: &linkwise::SourceFile, options: &linkwise::Options) -> Vec<u8> {
    linkwise::compile(file, options).unwrap_or_else(|d| panic!("{}", d.render(file))).object.bytes
}

/// Compiles the repository file `path` (relative to the workspace root) with `options` and returns the object
/// bytes; a compile error fails the test with the rendered diagnostics.
pub fn compile(path: &str, options: &linkwise::Options) -> Vec<u8> {
    compile_source(&source(path), options)
}

/// Compiles `file` with `options` into `dir/name`, for a linker or another tool to read; returns the object's
/// path and bytes. A compile error fails the test with the rendered diagnostics.
pub fn compile_to(
    dir: &TempDir,
    name: &str,
    file: &linkwise::SourceFile,
    options: &linkwise::Options,
) -> (PathBuf, Vec<u8>) {
    let bytes = compile_source(file, options);
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    (path, bytes)
}

/// One relocation as the object file records it, read back with `object::read`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Relocation {
    /// Offset of the patched field in its section.
    pub offset: u64,
    /// The format's own type number: COFF `IMAGE_REL_*`, ELF `R_*`, Mach-O `r_type` (whose meaning also
    /// depends on `r_pcrel` and `r_length`, which this leaves out).
    pub r_type: u32,
    /// The target symbol's name; a section symbol (ELF gives it no name) is named by its section.
    pub symbol: String,
    /// The explicit addend (ELF `RELA`); 0 where the format keeps it in the section's bytes (COFF, Mach-O).
    pub addend: i64,
}

/// Every relocation of section `section` of the object `bytes`, in the order the object lists them.
///
/// # Panics
/// When the object does not parse, has no such section, or a relocation has no symbol as its target (linkwise
/// writes none of those).
pub fn relocations(bytes: &[u8], section: &str) -> Vec<Relocation> {
    use object::{Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget};
    let file = object::File::parse(bytes).unwrap_or_else(|e| panic!("not an object file: {e}"));
    let found = file.section_by_name(section).unwrap_or_else(|| panic!("no section {section}"));
    found
        .relocations()
        .map(|(offset, r)| {
            let r_type = match r.flags() {
                RelocationFlags::Coff { typ } => u32::from(typ.0),
                RelocationFlags::Elf { r_type } => r_type.0,
                RelocationFlags::MachO { r_type, .. } => u32::from(r_type.0),
                other => panic!("{section}+{offset:#x}: unexpected relocation flags {other:?}"),
            };
            let RelocationTarget::Symbol(index) = r.target() else {
                panic!("{section}+{offset:#x}: relocation without a symbol: {r:?}")
            };
            let target = file.symbol_by_index(index).expect("relocation symbol index in range");
            let symbol = match target.section_index() {
                Some(s) if target.kind() == object::SymbolKind::Section => {
                    file.section_by_index(s).and_then(|s| s.name().map(str::to_owned)).expect("section name")
                }
                _ => target.name().expect("symbol name").to_owned(),
            };
            Relocation { offset, r_type, symbol, addend: r.addend() }
        })
        .collect()
}

/// (type, symbol) of every relocation of `section`, in order: what a call-site test compares.
pub fn relocation_targets(bytes: &[u8], section: &str) -> Vec<(u32, String)> {
    relocations(bytes, section).into_iter().map(|r| (r.r_type, r.symbol)).collect()
}

/// Runs the `linkwise` command line in this process with `args` (after the program name): (exit status,
/// standard output, standard error). Both streams must be UTF-8, whatever the input was.
pub fn linkwise<S: AsRef<str>>(args: &[S]) -> (i32, String, String) {
    let argv: Vec<&str> = std::iter::once("linkwise").chain(args.iter().map(AsRef::as_ref)).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = linkwise_cli::run(&argv, &mut out, &mut err);
    let text = |bytes: Vec<u8>, stream: &str| {
        String::from_utf8(bytes)
            .unwrap_or_else(|e| panic!("linkwise {argv:?} wrote non-UTF-8 to {stream}: {e}"))
    };
    (status, text(out, "stdout"), text(err, "stderr"))
}

/// One `#[test]` per file of a corpus directory, named after the file, so that one case runs alone
/// (`cargo test --test corpus hello`) and a failure names it: `file_tests!(check; a, b)` defines
/// `fn a() { check("a") }`, `fn b() { check("b") }` and `const LISTED: &[&str] = &["a", "b"]`, which
/// [`assert_listed`] compares with the directory so that a file nobody listed fails instead of being skipped.
#[allow(unused_macros)] // each test binary includes this module; two use the macro
macro_rules! file_tests {
    ($check:ident; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $check(stringify!($name));
            }
        )*
        /// The files this test binary has a test for, by stem.
        const LISTED: &[&str] = &[$(stringify!($name)),*];
    };
}
#[allow(unused_imports)]
pub(crate) use file_tests;

/// Fails unless the `.EXTENSION` files of `dir` (relative to the workspace root, not its subdirectories) are
/// exactly `listed` (by stem, sorted), naming each file that has no test and each test that has no file.
pub fn assert_listed(dir: &str, extension: &str, listed: &[&str], test_file: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<String> = std::fs::read_dir(root.join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == extension))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let unlisted: Vec<&String> = found.iter().filter(|f| !listed.contains(&f.as_str())).collect();
    let missing: Vec<&&str> = listed.iter().filter(|l| !found.iter().any(|f| f == *l)).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "{dir}/*.{extension} and the list in {test_file} differ: files without a test {unlisted:?}, tests \
         without a file {missing:?} (list each file by its stem, in sorted order, in the `file_tests!` call)"
    );
    let mut sorted = listed.to_vec();
    sorted.sort_unstable();
    assert_eq!(listed, sorted, "keep the `file_tests!` list in {test_file} sorted");
}

/// The COFF fixtures doctor's tests build in a scratch directory: C compiled by clang in cl mode, static
/// libraries by llvm-lib (or llvm-ar for any format), import libraries by llvm-dlltool, and lld-link as the
/// oracle. `None` when a tool is missing outside CI.
pub struct CoffFixtures {
    pub dir: TempDir,
    pub clang: PathBuf,
    pub llvm_lib: PathBuf,
    pub llvm_ar: PathBuf,
    pub dlltool: PathBuf,
    pub lld_link: PathBuf,
}

impl CoffFixtures {
    pub fn new(label: &str) -> Option<CoffFixtures> {
        Some(CoffFixtures {
            dir: TempDir::new(label),
            clang: tool("clang")?,
            llvm_lib: tool("llvm-lib")?,
            llvm_ar: tool("llvm-ar")?,
            dlltool: tool("llvm-dlltool")?,
            lld_link: tool("lld-link")?,
        })
    }

    /// NAME.obj from C `src`, compiled by clang in cl mode with `flags`.
    pub fn cl(&self, name: &str, flags: &[&str], src: &str) -> PathBuf {
        let c = self.dir.join(&format!("{name}.c"));
        std::fs::write(&c, src).unwrap();
        let obj = self.dir.join(&format!("{name}.obj"));
        let mut cmd = Command::new(&self.clang);
        cmd.args(["--driver-mode=cl", "/nologo", "/c"])
            .args(flags)
            .arg(&c)
            .arg(format!("/Fo{}", obj.display()));
        run(&mut cmd, Duration::from_secs(60)).assert_ok();
        obj
    }

    /// NAME.lib in the scratch directory holding `objects`, written by llvm-lib.
    pub fn lib(&self, name: &str, objects: &[&Path]) -> PathBuf {
        self.library(&self.dir.join(&format!("{name}.lib")), objects)
    }

    /// A static library at `path` (its directory created) holding `objects`, written by llvm-lib.
    pub fn library(&self, path: &Path, objects: &[&Path]) -> PathBuf {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut cmd = Command::new(&self.llvm_lib);
        cmd.arg("/nologo").arg(format!("/out:{}", path.display())).args(objects);
        run(&mut cmd, Duration::from_secs(60)).assert_ok();
        path.to_owned()
    }

    /// An archive NAME of `files` as llvm-ar writes it (whatever their format).
    pub fn ar(&self, name: &str, files: &[&Path]) -> PathBuf {
        let out = self.dir.join(name);
        let mut cmd = Command::new(&self.llvm_ar);
        cmd.arg("rc").arg(&out).args(files);
        run(&mut cmd, Duration::from_secs(60)).assert_ok();
        out
    }

    /// An import library NAME.lib for `dll` exporting `exports`, for dlltool's `machine` (`i386:x86-64`, `arm64`).
    pub fn import_lib(&self, name: &str, machine: &str, dll: &str, exports: &[&str]) -> PathBuf {
        let def = self.dir.join(&format!("{name}.def"));
        std::fs::write(&def, format!("LIBRARY {dll}\nEXPORTS\n{}\n", exports.join("\n"))).unwrap();
        let lib = self.dir.join(&format!("{name}.lib"));
        let mut cmd = Command::new(&self.dlltool);
        cmd.args(["-m", machine, "-d"]).arg(&def).arg("-l").arg(&lib);
        run(&mut cmd, Duration::from_secs(60)).assert_ok();
        lib
    }
}
