//! Where `linkwise build` writes, checked on the real binary as a user runs it: `-o -`, devices, FIFOs,
//! symbolic links, atomic replacement, default names in the current directory, and refusing to overwrite an
//! input (issue 7, "What to build" item 4). The file types are checked after every build.
//!
//! These tests live in linkwise-cli, not in the workspace's tests/, because only a package's own tests get
//! its binary (`CARGO_BIN_EXE_linkwise`); they share the workspace's test support.
#![cfg(unix)]

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{Ran, TempDir, names_in, run};

/// The binary under test.
const LINKWISE: &str = env!("CARGO_BIN_EXE_linkwise");

fn hello() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello.lw")
}

fn mathlib() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/mathlib.lw")
}

/// Runs `linkwise ARGS` in `dir`.
fn linkwise(dir: &Path, args: &[&str]) -> Ran {
    run(Command::new(LINKWISE).args(args).current_dir(dir), Duration::from_secs(60))
}

/// Runs a shell script in `dir` with `$0` set to the linkwise binary (for pipes and redirections).
fn shell(dir: &Path, script: &str) -> Ran {
    run(Command::new("sh").arg("-c").arg(script).arg(LINKWISE).current_dir(dir), Duration::from_secs(60))
}

/// The object (or library) `linkwise build ARGS -o FILE` writes to a fresh regular file: what every other
/// way of writing it must deliver byte for byte.
fn reference(args: &[&str]) -> Vec<u8> {
    let dir = TempDir::new("paths-reference");
    let out = dir.join("reference.out");
    let mut all = args.to_vec();
    all.extend(["-o", out.to_str().unwrap()]);
    linkwise(dir.path(), &all).assert_ok();
    let bytes = std::fs::read(&out).unwrap();
    let magic: &[u8] = if args.contains(&"lib") { b"!<arch>\n" } else { &[0x64, 0x86] }; // AMD64 COFF
    assert!(bytes.starts_with(magic), "{args:?}");
    bytes
}

/// `od -An -v -tx1` output back to bytes.
fn from_hex(text: &str) -> Vec<u8> {
    text.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
}

#[test]
fn dash_writes_the_object_to_standard_output() {
    let hello = hello();
    let expected = reference(&["build", hello.to_str().unwrap()]);
    let dir = TempDir::new("paths-dash");
    // Piped into a reader, as `linkwise build x.lw -o - | consumer` would be.
    let ran = shell(dir.path(), &format!("\"$0\" build '{}' -o - | od -An -v -tx1", hello.display()));
    assert!(ran.ok() && ran.stderr.is_empty(), "{ran}");
    assert_eq!(from_hex(&ran.stdout), expected);
    assert_eq!(names_in(dir.path()), Vec::<String>::new(), "no file named `-`");
    // A library too.
    let lib = reference(&["build", "--emit", "lib", hello.to_str().unwrap()]);
    let ran =
        shell(dir.path(), &format!("\"$0\" build --emit lib '{}' -o - | od -An -v -tx1", hello.display()));
    assert!(ran.ok(), "{ran}");
    assert_eq!(from_hex(&ran.stdout), lib);
}

#[test]
fn dash_refuses_a_terminal() {
    let Some(script) = support::tool("script") else { return };
    let dir = TempDir::new("paths-tty");
    // util-linux `script` runs the command on a new pseudo-terminal; -e passes its exit status on.
    // `--color never`: on a terminal diagnostics are coloured by default (issue 13).
    let command = format!("'{LINKWISE}' build '{}' -o - --color never", hello().display());
    let ran = run(
        Command::new(script).args(["-q", "-e", "-c", &command, "/dev/null"]).current_dir(dir.path()),
        Duration::from_secs(60),
    );
    assert_eq!(ran.status, Some(1), "{ran}");
    assert!(
        ran.stdout.contains("error[LW0701]: refusing to write binary output to a terminal (`-o -`)"),
        "{ran}"
    );
    assert!(ran.stdout.contains("redirect standard output to a file or a pipe"), "{ran}");
    assert!(
        !ran.stdout.contains("\u{0}") && !ran.stdout.contains("\u{fffd}"),
        "object bytes on the terminal: {ran}"
    );
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
    // Through the library API the caller says whether its stdout is a terminal.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let streams = linkwise_cli::Streams {
        stdout: &mut out,
        stdout_is_terminal: true,
        stderr: &mut err,
        stderr_is_terminal: false,
    };
    let hello = hello();
    let status = linkwise_cli::run_with(["linkwise", "build", hello.to_str().unwrap(), "-o", "-"], streams);
    assert_eq!(status, 1);
    assert!(out.is_empty());
    assert!(String::from_utf8_lossy(&err).contains("refusing to write binary output to a terminal"));
}

#[test]
fn a_fifo_is_written_into_and_stays_a_fifo() {
    let hello = hello();
    let expected = reference(&["build", hello.to_str().unwrap()]);
    let dir = TempDir::new("paths-fifo");
    let fifo = dir.join("pipe.obj");
    run(Command::new("mkfifo").arg(&fifo), Duration::from_secs(10)).assert_ok();
    // A read-write handle held over the build (Linux allows O_RDWR on a FIFO without blocking) lets the
    // reader's open return at once and keeps its read from ending before linkwise has written. Dropped after
    // the build, it ends the reader's read whatever linkwise did, so the test cannot hang even when the FIFO
    // is replaced rather than written into. The read end is opened here, while `hold` is a writer: opened in
    // the thread, it could come after `hold` is gone and block forever with no writer left.
    let hold = OpenOptions::new().read(true).write(true).open(&fifo).unwrap();
    let mut read_end = std::fs::File::open(&fifo).unwrap();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        read_end.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let ran = linkwise(dir.path(), &["build", hello.to_str().unwrap(), "-o", fifo.to_str().unwrap()]);
    drop(hold);
    let received = reader.join().unwrap();
    assert!(ran.ok(), "{ran}");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
    assert_eq!(received, expected, "the reader got other bytes than `-o FILE` writes");
    assert_eq!(names_in(dir.path()), ["pipe.obj"], "no temporary file left beside it");
}

#[test]
fn a_character_device_is_written_into_and_stays_a_device() {
    let hello = hello();
    let dir = TempDir::new("paths-device");
    // A private copy of /dev/null (major 1, minor 3) when we may make one: the device an older linkwise
    // replaced is then not the machine's. /dev/null itself is checked too, after it.
    let private = dir.join("null");
    let made = run(Command::new("mknod").arg(&private).args(["c", "1", "3"]), Duration::from_secs(10)).ok();
    let mut devices = vec![PathBuf::from("/dev/null")];
    if made {
        devices.insert(0, private.clone());
    }
    for device in devices {
        let before = std::fs::symlink_metadata(&device).unwrap();
        assert!(before.file_type().is_char_device());
        let ran = linkwise(dir.path(), &["build", hello.to_str().unwrap(), "-o", device.to_str().unwrap()]);
        assert!(ran.ok(), "{ran}");
        let after = std::fs::symlink_metadata(&device).unwrap();
        assert!(after.file_type().is_char_device(), "{} was replaced", device.display());
        assert_eq!((after.ino(), after.rdev()), (before.ino(), before.rdev()), "{}", device.display());
    }
    let expected: Vec<String> = if made { vec!["null".into()] } else { vec![] };
    assert_eq!(names_in(dir.path()), expected);
}

#[test]
fn dev_stdout_is_written_into_and_stays_a_link() {
    let hello = hello();
    let expected = reference(&["build", hello.to_str().unwrap()]);
    let dir = TempDir::new("paths-stdout");
    let link_before = std::fs::read_link("/dev/stdout").unwrap();
    // Standard output redirected to a file by the shell, and then a pipe.
    let ran =
        shell(dir.path(), &format!("\"$0\" build '{}' -o /dev/stdout > redirected.obj", hello.display()));
    assert!(ran.ok(), "{ran}");
    assert_eq!(std::fs::read(dir.join("redirected.obj")).unwrap(), expected);
    let ran =
        shell(dir.path(), &format!("\"$0\" build '{}' -o /dev/stdout | od -An -v -tx1", hello.display()));
    assert!(ran.ok(), "{ran}");
    assert_eq!(from_hex(&ran.stdout), expected);
    let meta = std::fs::symlink_metadata("/dev/stdout").unwrap();
    assert!(meta.file_type().is_symlink(), "/dev/stdout was replaced");
    assert_eq!(std::fs::read_link("/dev/stdout").unwrap(), link_before);
    assert_eq!(names_in(dir.path()), ["redirected.obj"]);
}

#[test]
fn a_symbolic_link_stays_a_link_and_its_target_gets_the_object() {
    let hello = hello();
    let expected = reference(&["build", hello.to_str().unwrap()]);
    let dir = TempDir::new("paths-symlink");
    std::fs::create_dir(dir.join("real")).unwrap();
    let target = dir.join("real/target.obj");
    std::fs::write(&target, b"earlier").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.join("link.obj");
    std::os::unix::fs::symlink("real/target.obj", &link).unwrap();
    let ran = linkwise(dir.path(), &["build", hello.to_str().unwrap(), "-o", "link.obj"]);
    assert!(ran.ok(), "{ran}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("real/target.obj"));
    let meta = std::fs::symlink_metadata(&target).unwrap();
    assert!(meta.is_file());
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640, "the replaced file keeps its mode");
    assert_eq!(std::fs::read(&target).unwrap(), expected);
    assert_eq!(names_in(&dir.join("real")), ["target.obj"], "no temporary file left beside the target");
    // A dangling link: its target is created (as clang does) and the link kept.
    let dangling = dir.join("dangling.obj");
    std::os::unix::fs::symlink("real/new.obj", &dangling).unwrap();
    let ran = linkwise(dir.path(), &["build", hello.to_str().unwrap(), "-o", "dangling.obj"]);
    assert!(ran.ok(), "{ran}");
    assert!(std::fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink(), "the link was replaced");
    assert_eq!(std::fs::read(dir.join("real/new.obj")).unwrap(), expected);
    assert_eq!(names_in(dir.path()), ["dangling.obj", "link.obj", "real"]);
}

#[test]
fn a_regular_file_is_replaced_and_kept_intact_by_a_failed_build() {
    let hello = hello();
    let expected = reference(&["build", hello.to_str().unwrap()]);
    let dir = TempDir::new("paths-regular");
    let out = dir.join("out.obj");
    let earlier: Vec<u8> = (0..=255).collect();
    std::fs::write(&out, &earlier).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o604)).unwrap();
    let bad = dir.join("bad.lw");
    std::fs::write(&bad, "pub fn main() -> i32 { return missing; }\n").unwrap();
    let ran = linkwise(dir.path(), &["build", "bad.lw", "-o", "out.obj"]);
    assert_eq!(ran.status, Some(1), "{ran}");
    assert!(ran.stderr.contains("cannot find value `missing`"), "{ran}");
    assert_eq!(std::fs::read(&out).unwrap(), earlier, "a failed build changed the earlier file");
    // A good build replaces it by a rename: a new inode, the old mode.
    let inode = std::fs::metadata(&out).unwrap().ino();
    let ran = linkwise(dir.path(), &["build", hello.to_str().unwrap(), "-o", "out.obj"]);
    assert!(ran.ok(), "{ran}");
    let meta = std::fs::symlink_metadata(&out).unwrap();
    assert!(meta.is_file());
    assert_ne!(meta.ino(), inode, "written in place, not replaced atomically");
    assert_eq!(meta.permissions().mode() & 0o7777, 0o604);
    assert_eq!(std::fs::read(&out).unwrap(), expected);
    assert_eq!(names_in(dir.path()), ["bad.lw", "out.obj"]);
    // A directory is not an output.
    let ran = linkwise(dir.path(), &["build", hello.to_str().unwrap(), "-o", "."]);
    assert_eq!(ran.status, Some(1), "{ran}");
    assert!(ran.stderr.contains("cannot write `.`: it is a directory"), "{ran}");
}

#[test]
fn a_planted_temporary_name_is_never_followed() {
    let hello = hello();
    let expected = reference(&["build", hello.to_str().unwrap()]);
    let dir = TempDir::new("paths-plant");
    let victim = dir.join("victim");
    std::fs::write(&victim, b"not linkwise's").unwrap();
    // Run in this process, so its process id (the old temporary name's only variable part) is known: a link
    // to the victim and a plain file wait at `.OUT.linkwise-PID.tmp` for the two outputs.
    let pid = std::process::id();
    let planted_link = dir.join(&format!(".a.obj.linkwise-{pid}.tmp"));
    std::os::unix::fs::symlink(&victim, &planted_link).unwrap();
    let planted_file = dir.join(&format!(".b.obj.linkwise-{pid}.tmp"));
    std::fs::write(&planted_file, b"someone else's").unwrap();
    for out in ["a.obj", "b.obj"] {
        let out = dir.join(out);
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let args = ["linkwise", "build", hello.to_str().unwrap(), "-o", out.to_str().unwrap()];
        let status = linkwise_cli::run(args, &mut stdout, &mut stderr);
        assert_eq!(status, 0, "{}", String::from_utf8_lossy(&stderr));
        assert!(
            std::fs::symlink_metadata(&out).unwrap().is_file(),
            "{} is not a regular file",
            out.display()
        );
        assert_eq!(std::fs::read(&out).unwrap(), expected);
    }
    assert_eq!(std::fs::read(&victim).unwrap(), b"not linkwise's", "the planted link was followed");
    assert_eq!(std::fs::read_link(&planted_link).unwrap(), victim);
    assert_eq!(std::fs::read(&planted_file).unwrap(), b"someone else's");
    let names = names_in(dir.path());
    assert_eq!(names.len(), 5, "{names:?}");
}

#[test]
fn default_outputs_go_to_the_current_directory_named_by_target() {
    let src = TempDir::new("paths-src");
    let build = TempDir::new("paths-build");
    std::fs::copy(mathlib(), src.join("prog.lw")).unwrap();
    let input = src.join("prog.lw");
    let input = input.to_str().unwrap();
    let cases: [(&[&str], &str, &str); 6] = [
        (&["--target", "x86_64-pc-windows-msvc"], "prog.obj", ""),
        (&["--target", "x86_64-pc-windows-msvc", "--emit", "lib"], "prog.lib", "prog.obj"),
        (&["--target", "x86_64-unknown-linux-gnu"], "prog.o", ""),
        (&["--target", "x86_64-unknown-linux-gnu", "--emit", "lib"], "libprog.a", "prog.o"),
        (&["--target", "aarch64-apple-darwin"], "prog.o", ""),
        (&["--target", "aarch64-apple-darwin", "--emit", "lib"], "libprog.a", "prog.o"),
    ];
    for (options, name, member) in cases {
        let mut args = vec!["build", input];
        args.extend(options);
        let ran = linkwise(build.path(), &args);
        assert!(ran.ok() && ran.stderr.is_empty(), "{ran}");
        assert_eq!(names_in(build.path()), [name], "{options:?}");
        assert_eq!(names_in(src.path()), ["prog.lw"], "{options:?}: written beside the source");
        if !member.is_empty()
            && let Some(ar) = support::tool("llvm-ar")
        {
            let ran =
                run(Command::new(ar).arg("t").arg(name).current_dir(build.path()), Duration::from_secs(60));
            assert_eq!(ran.assert_ok().stdout, format!("{member}\n"), "{options:?}");
        }
        std::fs::remove_file(build.join(name)).unwrap();
    }
    // `libprog.a` is the name a linker's `-lprog` looks for: ld.lld finds it and takes `add3` from it.
    linkwise(build.path(), &["build", input, "--target", "x86_64-unknown-linux-gnu", "--emit", "lib"])
        .assert_ok();
    let (Some(ld), Some(nm)) = (support::tool("ld.lld"), support::tool("llvm-nm")) else { return };
    let ran = run(
        Command::new(ld)
            .args(["-m", "elf_x86_64", "-r", "-o", "linked.o", "-L", ".", "-lprog", "-u", "add3"])
            .current_dir(build.path()),
        Duration::from_secs(60),
    );
    assert!(ran.ok(), "ld.lld -lprog did not find the library:\n{ran}");
    let ran = run(
        Command::new(nm).args(["--defined-only", "linked.o"]).current_dir(build.path()),
        Duration::from_secs(60),
    );
    assert!(ran.assert_ok().stdout.lines().any(|l| l.ends_with(" T add3")), "add3 not taken from libprog.a");
}

#[test]
fn an_output_that_would_overwrite_an_input_is_refused() {
    let dir = TempDir::new("paths-self");
    let source = std::fs::read(hello()).unwrap();
    std::fs::write(dir.join("self.lw"), &source).unwrap();
    std::os::unix::fs::symlink("self.lw", dir.join("alias.obj")).unwrap();
    std::fs::hard_link(dir.join("self.lw"), dir.join("hard.obj")).unwrap();
    let absolute = dir.join("self.lw");
    for out in ["self.lw", "./self.lw", absolute.to_str().unwrap(), "alias.obj", "hard.obj"] {
        let ran = linkwise(dir.path(), &["build", "self.lw", "-o", out]);
        assert_eq!(ran.status, Some(1), "-o {out}: {ran}");
        assert!(
            ran.stderr.contains(&format!(
                "error[LW0701]: the input file `self.lw` would be overwritten by the output `{out}`"
            )),
            "{ran}"
        );
        assert_eq!(std::fs::read(dir.join("self.lw")).unwrap(), source, "-o {out} overwrote the input");
    }
    // An input named like its default output, built where it lies.
    std::fs::write(dir.join("x.obj"), &source).unwrap();
    let ran = linkwise(dir.path(), &["build", "x.obj"]);
    assert_eq!(ran.status, Some(1), "{ran}");
    assert!(
        ran.stderr.contains("the input file `x.obj` would be overwritten by the output `x.obj`"),
        "{ran}"
    );
    assert_eq!(std::fs::read(dir.join("x.obj")).unwrap(), source);
    assert_eq!(names_in(dir.path()), ["alias.obj", "hard.obj", "self.lw", "x.obj"]);
}

/// A linked program goes where an object would: into a pipe for `-o -` (the same bytes as in a file), into
/// /dev/null without replacing it, and by default into the current directory under the target's name;
/// nothing temporary is left in the directory.
#[test]
fn a_linked_program_is_written_like_any_output() {
    let Some(lld_link) = support::tool("lld-link") else { return };
    let dir = TempDir::new("paths-exe");
    // A Windows program: the default target is the host (issue 13).
    let program = "target x86_64-pc-windows-msvc\npub fn mainCRTStartup() -> i32 { return 7; }\n";
    std::fs::write(dir.join("ret.lw"), program).unwrap();
    let linker = lld_link.to_str().unwrap();
    let ran = linkwise(dir.path(), &["build", "ret.lw", "--emit", "exe", "--linker", linker]);
    assert!(ran.ok() && ran.stderr.is_empty(), "{ran}");
    assert_eq!(names_in(dir.path()), ["ret.exe", "ret.lw"]);
    let file = std::fs::read(dir.join("ret.exe")).unwrap();
    assert_eq!(&file[..2], b"MZ");
    assert_ne!(std::fs::metadata(dir.join("ret.exe")).unwrap().permissions().mode() & 0o111, 0, "executable");
    let ran = shell(
        dir.path(),
        &format!("\"$0\" build ret.lw --emit exe --linker '{linker}' -o - | od -An -v -tx1"),
    );
    assert!(ran.ok() && ran.stderr.is_empty(), "{ran}");
    // The driver asks lld-link for a reproducible image (/Brepro), so the bytes are the same as in the file.
    assert!(from_hex(&ran.stdout) == file, "`-o -` wrote other bytes than the file holds");
    let before = std::fs::symlink_metadata("/dev/null").unwrap();
    let ran =
        linkwise(dir.path(), &["build", "ret.lw", "--emit", "exe", "--linker", linker, "-o", "/dev/null"]);
    assert!(ran.ok(), "{ran}");
    let after = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(after.file_type().is_char_device() && after.ino() == before.ino(), "/dev/null was replaced");
    assert_eq!(names_in(dir.path()), ["ret.exe", "ret.lw"], "nothing left behind");
}

/// `fmt -w` on a FIFO: refused before anything is read, so it neither consumes the FIFO's text nor blocks
/// reopening it for writing (review of issue 13: it hung); the run has a deadline, and the FIFO stays one.
#[test]
fn fmt_write_refuses_a_fifo_without_blocking() {
    let dir = TempDir::new("paths-fmt-fifo");
    let fifo = dir.join("f.lw");
    run(Command::new("mkfifo").arg(&fifo), Duration::from_secs(10)).assert_ok();
    // A writer holding the FIFO open, so that reading it would not block on open: only the refusal stops it.
    let _hold = OpenOptions::new().read(true).write(true).open(&fifo).unwrap();
    let ran =
        run(Command::new(LINKWISE).args(["fmt", "-w", fifo.to_str().unwrap()]), Duration::from_secs(20));
    assert_eq!(ran.status, Some(1), "{}", ran.stderr);
    assert!(ran.stderr.contains("is not a regular file: `fmt -w` rewrites files only"), "{}", ran.stderr);
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}
