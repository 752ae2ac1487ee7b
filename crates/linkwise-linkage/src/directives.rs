//! What an object says about its own linking: the libraries to link (autolink), the symbols to export from
//! the DLL built from it, and the C runtime it was built for. Decided here from the link plan and the program,
//! written in each format's way by linkwise-codegen's object writers (COFF `.drectve`, ELF `.deplibs`, Mach-O
//! `LC_LINKER_OPTION`).

use crate::plan::LinkPlan;
use crate::target::Format;
use linkwise_ir::checked::{Program, SymbolDef};
use std::collections::HashSet;

/// One directive, format-neutral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    /// Link library `name`: COFF `/DEFAULTLIB:NAME.lib`, ELF `.deplibs` `NAME`, Mach-O `-lNAME`. With
    /// `verbatim`, `name` is the file name as written, with nothing added.
    Library {
        /// The library's name after `-l` renames.
        name: String,
        /// `+verbatim`.
        verbatim: bool,
    },
    /// COFF `/EXPORT:NAME` (`/EXPORT:NAME=SYMBOL` when they differ, `,DATA` for data).
    Export {
        /// The name the DLL exports.
        name: String,
        /// The symbol in the object that the export refers to.
        symbol: String,
        /// Whether it is data (no thunk in the import library).
        data: bool,
    },
    /// COFF `/FAILIFMISMATCH:"KEY=VALUE"`: every object of the link must agree on KEY.
    FailIfMismatch {
        /// The key (`RuntimeLibrary`).
        key: String,
        /// This object's value.
        value: String,
    },
}

/// What the caller decides about directives.
#[derive(Clone, Debug, Default)]
pub struct DirectiveOptions {
    /// `--no-autolink`: write no `Library` directive.
    pub no_autolink: bool,
    /// Libraries whose members are bundled into the static library being built, so that no directive names
    /// them (their code is already there).
    pub bundled: Vec<String>,
}

/// The directives of the object compiled from `program` under `plan`, in the order they are written:
/// libraries (plan order, after `-l` renames and additions), then the C runtime's `/FAILIFMISMATCH`, then
/// exports (program order).
///
/// - A library gets a `Library` directive unless `options.no_autolink`, or it is in `options.bundled` (its
///   members are in the static library being built). Each name is written once, at its first place (on COFF
///   compared case-insensitively, as the Windows linkers compare file names).
/// - The C runtime (the library of `#[crt]` blocks, [`LibraryRow::crt`](crate::LibraryRow::crt)) is, on
///   COFF, the whole `/DEFAULTLIB:` set clang-cl writes for the mode ([`crate::CrtMode::default_libraries`]),
///   so that a linkwise object and a clang-cl one of the same mode ask for the same libraries; elsewhere it is
///   its one library (`c`, `System`).
/// - A COFF object of a module with a `#[crt]` block carries `/FAILIFMISMATCH:"RuntimeLibrary=VALUE"` with
///   MSVC's value for the mode, whatever `no_autolink` says: the check protects the link from mixing modes,
///   it does not ask for anything.
/// - Every exported symbol (`#[export]`, `#[export_name]`) gets an `Export` (data for statics), always: the
///   COFF writer spells them `/EXPORT:`; ELF and Mach-O carry exports as symbol visibility instead.
pub fn directives(program: &Program, plan: &LinkPlan, options: &DirectiveOptions) -> Vec<Directive> {
    let format = plan.target.format;
    let has_crt_block = program.blocks.iter().any(|b| b.crt);
    let mut out = Vec::new();
    if !options.no_autolink {
        let mut seen = HashSet::new();
        // A set: `bundled` can hold every library of the plan (`--emit lib` of a module of raw-dylib blocks).
        let bundled: HashSet<&str> = options.bundled.iter().map(String::as_str).collect();
        let mut push = |name: &str, verbatim: bool, out: &mut Vec<Directive>| {
            // On COFF names are compared as lld-link and link.exe compare the files they name,
            // case-insensitively (Windows file names: `foo.lib` and `FOO.lib` are one library); ELF and Mach-O
            // file names are case-sensitive.
            let key = match format {
                Format::Coff => (name.to_ascii_lowercase(), verbatim),
                Format::Elf | Format::MachO => (name.to_owned(), verbatim),
            };
            if seen.insert(key) {
                out.push(Directive::Library { name: name.to_owned(), verbatim });
            }
        };
        for row in &plan.libraries {
            if bundled.contains(row.name.as_str()) {
                continue;
            }
            match (row.crt, format) {
                // The C runtime's row stands for clang-cl's whole set for the mode (its entry library, then
                // `oldnames`); elsewhere it is the one system C library the plan named.
                (true, Format::Coff) => {
                    plan.crt.default_libraries().iter().for_each(|name| push(name, false, &mut out))
                }
                _ => push(&row.name, row.verbatim(), &mut out),
            }
        }
    }
    if has_crt_block && format == Format::Coff {
        out.push(Directive::FailIfMismatch {
            key: "RuntimeLibrary".to_owned(),
            value: plan.crt.runtime_library().to_owned(),
        });
    }
    for (_, symbol) in program.symbols() {
        let Some(name) = &symbol.export else { continue };
        let data = match symbol.def {
            SymbolDef::Fn { .. } => false,
            SymbolDef::Static { .. } => true,
            // Only definitions are exported (the checker allows `#[export]` on nothing else).
            SymbolDef::ImportFn { .. } | SymbolDef::ImportStatic { .. } | SymbolDef::Str { .. } => continue,
        };
        out.push(Directive::Export { name: name.clone(), symbol: symbol.link_name.clone(), data });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CrtMode, LinkSpec, ResolveOptions, Target};
    use linkwise_ir::SourceFile;

    fn directives_of(src: &str, triple: &str, specs: &[&str], options: &DirectiveOptions) -> Vec<Directive> {
        directives_crt(src, triple, specs, options, CrtMode::Dynamic)
    }

    fn directives_crt(
        src: &str,
        triple: &str,
        specs: &[&str],
        options: &DirectiveOptions,
        crt: CrtMode,
    ) -> Vec<Directive> {
        let file = SourceFile::new("d.lw", src);
        let module = linkwise_ir::text::parse(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)));
        let program = linkwise_ir::check::check(&module).unwrap_or_else(|d| panic!("{}", d.render(&file)));
        let specs: Vec<LinkSpec> = specs.iter().map(|s| LinkSpec::parse(s).unwrap()).collect();
        let target = Target::parse(triple).unwrap();
        let resolve = ResolveOptions { crt, ..ResolveOptions::default() };
        let plan = crate::resolve(&program, &target, &specs, resolve).unwrap();
        directives(&program, &plan, options)
    }

    fn lib(name: &str) -> Directive {
        Directive::Library { name: name.to_owned(), verbatim: false }
    }

    const TWO: &str = "#[link(name = \"foo\")]\nextern { fn f(); }\n#[link(name = \"bar\", kind = \"static\")]\n\
                       extern { fn g(); }\npub fn main() { f(); g(); }\n";

    #[test]
    fn libraries_follow_the_plan_after_renames_and_additions() {
        let none = DirectiveOptions::default();
        assert_eq!(directives_of(TWO, "x86_64-pc-windows-msvc", &[], &none), [lib("foo"), lib("bar")]);
        // `-l` moves the library it names to the end (the plan's order), renames it, and adds new ones.
        assert_eq!(
            directives_of(TWO, "x86_64-unknown-linux-gnu", &["foo:newfoo", "extra"], &none),
            [lib("bar"), lib("newfoo"), lib("extra")]
        );
    }

    /// lld-link and link.exe open `Foo.lib` and `foo.lib` as one file, so a COFF object names it once (the
    /// first spelling); ELF's `.deplibs` names are file names on a case-sensitive file system, so both stay.
    #[test]
    fn coff_library_names_are_written_once_whatever_their_case() {
        let src = "#[link(name = \"Foo\")]\nextern { fn f(); }\n#[link(name = \"foo\")]\nextern { fn g(); }\n\
                   #[link(name = \"FOO\")]\nextern { fn h(); }\npub fn main() { f(); g(); h(); }\n";
        let none = DirectiveOptions::default();
        assert_eq!(directives_of(src, "x86_64-pc-windows-msvc", &[], &none), [lib("Foo")]);
        assert_eq!(
            directives_of(src, "x86_64-unknown-linux-gnu", &[], &none),
            [lib("Foo"), lib("foo"), lib("FOO")]
        );
    }

    #[test]
    fn no_autolink_and_bundled_libraries_write_no_library() {
        let off = DirectiveOptions { no_autolink: true, bundled: Vec::new() };
        assert_eq!(directives_of(TWO, "x86_64-pc-windows-msvc", &[], &off), []);
        let bundled = DirectiveOptions { no_autolink: false, bundled: vec!["bar".to_owned()] };
        assert_eq!(directives_of(TWO, "x86_64-pc-windows-msvc", &[], &bundled), [lib("foo")]);
    }

    /// Issue 9 review: `bundled` was searched by a scan for each library of the plan, quadratic when it holds
    /// them all (`--emit lib` of a module of raw-dylib or bundled static libraries). 80,000 libraries, every
    /// one bundled but the last: one directive. The guard is the algorithm (a set, not a scan); a quadratic one shows in the suite's time, not as a timed assertion (speed lives in benchmarks).
    #[test]
    fn eighty_thousand_bundled_libraries_are_left_out() {
        let n = 80_000;
        let src: String =
            (0..n).map(|i| format!("#[link(name = \"lib{i}\")]\nextern {{ fn g{i}(); }}\n")).collect();
        let file = SourceFile::new("d.lw", src);
        let module = linkwise_ir::text::parse(&file).unwrap();
        let program = linkwise_ir::check::check(&module).unwrap();
        let plan =
            crate::resolve(&program, &Target::default_target(), &[], ResolveOptions::default()).unwrap();
        let bundled = (0..n - 1).map(|i| format!("lib{i}")).collect();
        let options = DirectiveOptions { no_autolink: false, bundled };
        let got = directives(&program, &plan, &options);
        assert_eq!(got, [lib(&format!("lib{}", n - 1))]);
    }

    #[test]
    fn exports_are_listed_with_their_symbols_and_kinds() {
        let src = "#[export] pub fn add(a: i32) -> i32 { return a; }\n\
                   #[export_name = \"lw_sub\"] pub fn sub() {}\n\
                   #[export] pub static mut COUNT: i32 = 0;\npub fn hidden() {}\n";
        let off = DirectiveOptions { no_autolink: true, bundled: Vec::new() };
        let export = |name: &str, symbol: &str, data| Directive::Export {
            name: name.to_owned(),
            symbol: symbol.to_owned(),
            data,
        };
        assert_eq!(
            directives_of(src, "x86_64-unknown-linux-gnu", &[], &off),
            [export("add", "add", false), export("lw_sub", "sub", false), export("COUNT", "COUNT", true)]
        );
    }

    #[test]
    fn the_c_runtime_is_clang_cls_set_on_coff_and_the_system_library_elsewhere() {
        let src = "#[crt]\nextern { fn puts(ptr) -> i32; }\n#[link(name = \"k\")]\nextern { fn k(); }\n\
                   pub fn main() { puts(\"x\\0\"); k(); }\n";
        let none = DirectiveOptions::default();
        for mode in CrtMode::ALL {
            let got = directives_crt(src, "x86_64-pc-windows-msvc", &[], &none, mode);
            let mismatch = Directive::FailIfMismatch {
                key: "RuntimeLibrary".to_owned(),
                value: mode.runtime_library().to_owned(),
            };
            let mut libraries: Vec<Directive> =
                got.iter().filter(|d| matches!(d, Directive::Library { .. })).cloned().collect();
            libraries.sort_by_key(|d| format!("{d:?}"));
            let mut want = vec![lib("k"), lib(mode.default_libraries()[0]), lib("oldnames")];
            want.sort_by_key(|d| format!("{d:?}"));
            assert_eq!(libraries, want, "{mode}");
            assert_eq!(got.last(), Some(&mismatch), "{mode}");
            // --no-autolink drops the libraries, not the mismatch check.
            let off = DirectiveOptions { no_autolink: true, bundled: Vec::new() };
            assert_eq!(directives_crt(src, "x86_64-pc-windows-msvc", &[], &off, mode), [mismatch]);
        }
        let elf = directives_of(src, "x86_64-unknown-linux-gnu", &[], &none);
        assert!(elf.contains(&lib("c")) && elf.contains(&lib("k")) && elf.len() == 2, "{elf:?}");
        let macho = directives_of(src, "aarch64-apple-darwin", &[], &none);
        assert!(macho.contains(&lib("System")) && macho.len() == 2, "{macho:?}");
    }

    #[test]
    fn a_module_without_crt_block_carries_no_runtime_check() {
        let got = directives_of(TWO, "x86_64-pc-windows-msvc", &[], &DirectiveOptions::default());
        assert!(!got.iter().any(|d| matches!(d, Directive::FailIfMismatch { .. })), "{got:?}");
    }
}
