//! Embedding linkwise: a module built entirely in code (no text, no spans), compiled with a section of the
//! embedder's own added to the object, linked by linkwise's driver (ld.lld) and run (issue 13, item 4).
//!
//! `cargo run --example embed` prints what the program printed and its exit status. tests/embed_example.rs
//! runs the same steps ([`build`] and [`check`]) in `cargo test`, with the test suite's hang-proof runner.
//! docs/api.md walks through it.

use linkwise::ir::ast::{BinaryOp, ExternBlock, FnDef, Module, Type};
use linkwise::ir::build::{binary, call, expr_stmt, for_range, int, name, ret, str_lit};
use linkwise::ir::{LinkKind, Modifier};
use linkwise::link::{Image, Link, LinkRequest};
use linkwise::object::write::{Object, SectionKind};
use linkwise::{LinkSpec, Options};
use std::error::Error;
use std::path::{Path, PathBuf};

/// The host target this example runs on natively.
pub const TRIPLE: &str = "x86_64-unknown-linux-gnu";
/// The section the embedder adds to the object (allocated, so it is kept in the program).
pub const SECTION: &str = ".linkwise_embed";
/// What the embedder puts in it.
pub const SECTION_BYTES: &[u8] = b"built by examples/embed.rs";
/// What the program prints.
pub const EXPECTED_STDOUT: &str = "hello, embedder\n012\n";
/// Its exit status: `square(6)`.
pub const EXPECTED_STATUS: i32 = 36;

/// The module, as the text form would say:
///
/// ```text
/// target x86_64-unknown-linux-gnu
/// #[link(name = "c", kind = "dylib")]
/// extern { fn puts(ptr) -> i32; fn putchar(i32) -> i32; }
/// fn square(x: i32) -> i32 { return x * x; }
/// pub fn main() -> i32 { puts("hello, embedder\0"); for i in 0..3 { putchar(48 + i); } putchar(10); return square(6); }
/// ```
pub fn module() -> Module {
    let libc = ExternBlock::link("c", LinkKind::Dylib)
        .function("puts", &[Type::Ptr], Some(Type::I32))
        .function("putchar", &[Type::I32], Some(Type::I32));
    let square = FnDef::new("square").param("x", Type::I32).returns(Type::I32).stmt(ret(binary(
        BinaryOp::Mul,
        name("x"),
        name("x"),
    )));
    let digits = for_range(
        "i",
        int(0),
        int(3),
        vec![expr_stmt(call("putchar", [binary(BinaryOp::Add, int(48), name("i"))]))],
    );
    let main = FnDef::new("main")
        .public()
        .returns(Type::I32)
        .call("puts", [str_lit("hello, embedder\0")])
        .stmt(digits)
        .call("putchar", [int(10)])
        .stmt(ret(call("square", [int(6)])));
    Module::builder().target(TRIPLE).extern_block(libc).function(square).function(main).build()
}

/// Compiles [`module`] with [`SECTION`] added to its object, links it in `dir` and returns the program's path.
/// Every error, linkwise's or the linker's, comes back through `?` as a `Box<dyn Error>`.
pub fn build(dir: &Path) -> Result<PathBuf, Box<dyn Error>> {
    // A typed `-l`: what `-l dylib:+as-needed=m` says on the command line (libm, dropped when unused).
    let options =
        Options::new().link_spec(LinkSpec::new(LinkKind::Dylib, "m").modifier(Modifier::AsNeeded, true))?;
    let mut add_section = |obj: &mut Object<'static>| {
        let id = obj.add_section(Vec::new(), SECTION.as_bytes().to_vec(), SectionKind::ReadOnlyData);
        obj.append_section_data(id, SECTION_BYTES, 1);
        Ok(())
    };
    let compiled = linkwise::compile_module_with(&module(), &options, &mut add_section)?;
    let request = LinkRequest {
        image: Image::Executable,
        output: dir.join("embed"),
        file_name: "embed".to_owned(),
        import_library: None,
        search_paths: Vec::new(),
        linker: None,
        sdk_root: None,
    };
    Link::prepare(&compiled, &request)?.run()?;
    Ok(request.output)
}

/// Whether the program did what [`module`] says: printed [`EXPECTED_STDOUT`] and exited with
/// [`EXPECTED_STATUS`].
pub fn check(stdout: &str, status: Option<i32>) -> Result<(), String> {
    if stdout != EXPECTED_STDOUT || status != Some(EXPECTED_STATUS) {
        return Err(format!(
            "the program printed {stdout:?} and exited with {status:?}; expected {EXPECTED_STDOUT:?} and {EXPECTED_STATUS}"
        ));
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("linkwise-embed-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = (|| {
        let exe = build(&dir)?;
        let output = std::process::Command::new(&exe).output()?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        check(&stdout, output.status.code())?;
        print!("{stdout}");
        println!("exit status: {}", EXPECTED_STATUS);
        Ok::<(), Box<dyn Error>>(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
