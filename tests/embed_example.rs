//! The embedder example (examples/embed.rs, issue 13 item 4) runs in `cargo test`: its module, built in code,
//! compiles with the embedder's section added, links with ld.lld through `linkwise::link`, and the program
//! prints and exits as the module says. The example file is included as a module, so what runs here is its
//! own code; only the program's run goes through `support::run` (hang-proof) rather than the example's `main`.

mod support;

#[path = "../examples/embed.rs"]
#[allow(dead_code)] // its `main` is the example's, not this test's
mod embed;

use object::{Object as _, ObjectSection as _};
use std::process::Command;
use std::time::Duration;

/// The example's program runs natively and does what its module says; the section its hook added is in the
/// linked program with the bytes it wrote.
#[test]
fn the_embedder_example_builds_links_and_runs() {
    let Some(_) = support::tool("ld.lld") else { return };
    let dir = support::TempDir::new("embed-example");
    let exe = embed::build(dir.path()).unwrap_or_else(|e| panic!("the example failed to build:\n{e}"));
    let ran = support::run(&mut Command::new(&exe), Duration::from_secs(60));
    assert!(!ran.timed_out, "{ran}");
    embed::check(&ran.stdout, ran.status).unwrap_or_else(|e| panic!("{e}\n{ran}"));
    let bytes = std::fs::read(&exe).unwrap();
    let image = object::File::parse(&*bytes).unwrap();
    let section = image.section_by_name(embed::SECTION).expect("the hook's section is in the program");
    assert_eq!(section.data().unwrap(), embed::SECTION_BYTES);
}

/// The module built in code is the one its text says (the builder's `==` ignores spans), so the example is
/// also a check of the builder on a whole program.
#[test]
fn the_example_module_equals_its_text() {
    let text = r#"target x86_64-unknown-linux-gnu
#[link(name = "c", kind = "dylib")]
extern { fn puts(ptr) -> i32; fn putchar(i32) -> i32; }
fn square(x: i32) -> i32 { return x * x; }
pub fn main() -> i32 {
    puts("hello, embedder\0");
    for i in 0..3 { putchar(48 + i); }
    putchar(10);
    return square(6);
}
"#;
    let parsed = linkwise::ir::text::parse(&linkwise::SourceFile::new("embed.lw", text)).unwrap();
    assert_eq!(embed::module(), parsed);
}

/// An object hook's error stops the compilation with a diagnostic naming it, and `?` carries linkwise's
/// errors into `Box<dyn Error>`.
#[test]
fn a_failing_hook_is_an_error() {
    fn compile() -> Result<linkwise::Compiled, Box<dyn std::error::Error>> {
        let mut fail = |_: &mut linkwise::object::write::Object<'static>| Err("no room".into());
        Ok(linkwise::compile_module_with(&embed::module(), &linkwise::Options::new(), &mut fail)?)
    }
    let error = compile().unwrap_err().to_string();
    assert!(error.contains("the object hook failed: no room"), "{error}");
}
