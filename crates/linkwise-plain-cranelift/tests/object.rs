//! The plain cranelift-object module as `linkwise bench codegen` needs it: a COFF x86_64 object defining
//! `fun0` .. `funN-1` in `.text`, importing `__imp_imported` (the hand-spelled DLL import) and `linked`.
//! (This integration test also makes `cargo test --workspace` build the `plain-cranelift-object` executable,
//! which tests/codegen_bench.rs runs.)

use object::{Object, ObjectSection, ObjectSymbol};

#[test]
fn the_module_defines_every_function_and_imports_both_callees() {
    let bytes = linkwise_plain_cranelift::build(4, 10).expect("the module builds");
    let file = object::File::parse(&*bytes).expect("an object");
    assert_eq!(file.format(), object::BinaryFormat::Coff);
    assert_eq!(file.architecture(), object::Architecture::X86_64);
    let text = file.section_by_name(".text").expect("a .text section").index();
    for i in 0..4 {
        let name = format!("fun{i}");
        let symbol =
            file.symbols().find(|s| s.name() == Ok(name.as_str())).unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(symbol.section_index(), Some(text), "{name}");
    }
    for import in ["__imp_imported", "linked"] {
        let symbol = file.symbols().find(|s| s.name() == Ok(import)).unwrap_or_else(|| panic!("no {import}"));
        assert!(symbol.is_undefined(), "{import}");
    }
    // Ten calls in each of four functions: five through the hand-spelled slot, five to `linked`, each with
    // its relocation (the slot's address is loaded once per function, so at least 4 + 20).
    let relocations = file.section_by_name(".text").unwrap().relocations().count();
    assert!(relocations >= 24, "{relocations} relocations");
}
