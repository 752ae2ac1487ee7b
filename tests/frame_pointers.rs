//! Frame pointers (`--force-frame-pointers=yes|no`, `Options::force_frame_pointers`, issue 10 item 5): a leaf
//! function's prologue on each setting and target default, as Cranelift 0.135 emits it (docs/codegen.md
//! "Frame pointers").

mod support;

use linkwise::SourceFile;

const LEAF: &str = "pub fn leaf(x: i32) -> i32 { return x * 3 + 1; }\n";

/// aarch64 `stp x29, x30, [sp, #-16]!`: the frame record push.
const STP_FP_LR: [u8; 4] = 0xa9bf_7bfdu32.to_le_bytes();

/// The machine code of `leaf` for `triple`, with or without forced frame pointers.
fn leaf_code(triple: &str, force: bool) -> Vec<u8> {
    let file = SourceFile::new("leaf.lw", LEAF);
    let mut options = support::options(triple, &[]);
    options.force_frame_pointers = force;
    let compiled = linkwise::compile(&file, &options).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    compiled.object.functions[0].code.clone()
}

/// aarch64 Linux and Windows (rustc's `NonLeaf`): a leaf has no frame record by default and one when forced.
#[test]
fn aarch64_leaf_has_a_frame_record_only_when_forced() {
    for triple in ["aarch64-unknown-linux-gnu", "aarch64-pc-windows-msvc"] {
        assert_ne!(leaf_code(triple, false)[..4], STP_FP_LR, "{triple}: default");
        assert_eq!(leaf_code(triple, true)[..4], STP_FP_LR, "{triple}: forced");
    }
}

/// Apple arm64 (rustc's `Always`): the leaf keeps its frame record by default, and `no` does not remove it.
#[test]
fn apple_arm64_leaf_always_has_a_frame_record() {
    assert_eq!(leaf_code("aarch64-apple-darwin", false)[..4], STP_FP_LR);
    assert_eq!(leaf_code("aarch64-apple-darwin", true)[..4], STP_FP_LR);
}

/// x86_64: Cranelift 0.135's x64 ABI gives every function `push rbp; mov rbp, rsp` (its frame layout's setup
/// area is always 16 bytes), so the setting changes nothing there; this pins that fact down.
#[test]
fn x86_64_leaf_pushes_rbp_on_either_setting() {
    for triple in ["x86_64-pc-windows-msvc", "x86_64-unknown-linux-gnu"] {
        for force in [false, true] {
            assert_eq!(leaf_code(triple, force)[..4], [0x55, 0x48, 0x89, 0xe5], "{triple} {force}");
        }
    }
}

/// The command line: `--force-frame-pointers=yes` on `build` changes the object as the option does, `no` is
/// the default, anything else is a usage error.
#[test]
fn command_line_flag_reaches_the_object() {
    let dir = support::TempDir::new("frame-pointers");
    let input = dir.join("leaf.lw");
    std::fs::write(&input, LEAF).unwrap();
    let build = |flag: Option<&str>, out: &str| {
        let out = dir.join(out);
        let mut args = vec!["build", "--target", "aarch64-unknown-linux-gnu", input.to_str().unwrap()];
        args.extend(flag);
        args.extend(["-o", out.to_str().unwrap()]);
        let (status, _, stderr) = support::linkwise(&args);
        assert_eq!(status, 0, "{stderr}");
        std::fs::read(out).unwrap()
    };
    let (default, no, yes) = (
        build(None, "default.o"),
        build(Some("--force-frame-pointers=no"), "no.o"),
        build(Some("--force-frame-pointers=yes"), "yes.o"),
    );
    assert_eq!(default, no);
    assert_ne!(default, yes);
    let (status, _, stderr) =
        support::linkwise(&["explain", "--force-frame-pointers=maybe", input.to_str().unwrap()]);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("--force-frame-pointers"), "{stderr}");
}
