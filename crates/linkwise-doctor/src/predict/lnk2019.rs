//! LNK2019: a reference nothing linked defines. For `__imp_X` (code compiled to call `X` from a DLL) that is
//! no import library providing it and no local `X` the linker could build the slot from (that case is
//! LNK4217's); the evidence then names the C runtimes on both sides, the usual cause.

use super::dllimport::DllImports;
use super::fixes;
use super::resolve::{Id, Resolution};
use super::{Definition, location};
use super::{
    Finding, Fix, LinkOptions, Reference, Severity, Side, link_exe_unresolved, referenced_by, references,
};
use crate::crt;

/// What stays undefined after resolution, one finding per symbol in name order.
pub(super) fn undefined_symbols(r: &Resolution<'_>, options: &LinkOptions) -> Vec<Finding> {
    let dllimports = DllImports::new(r, options);
    r.undefined
        .iter()
        .filter_map(|(symbol, users)| match symbol.strip_prefix("__imp_") {
            // lld-link and link.exe synthesize the slot from the local definition: a warning, LNK4217.
            Some(target) if r.defined.contains_key(target) => None,
            Some(target) => Some(unresolved_import(r, &dllimports, target, users)),
            None => Some(undefined(r, symbol, users)),
        })
        .collect()
}

/// Each user's references to `symbol`, and link.exe's line for each user, in load order.
fn referrers(r: &Resolution<'_>, symbol: &str, users: &[Id]) -> (Vec<Reference>, Vec<String>) {
    let mut all = Vec::new();
    let mut link_exe = Vec::new();
    for &u in users {
        let refs = references(r, u, symbol);
        link_exe.extend(link_exe_unresolved(symbol, &refs));
        all.extend(refs);
    }
    (all, link_exe)
}

/// The import member providing `__imp_{symbol}` but not `symbol` (a DATA export), and its DLL.
fn dll_data(r: &Resolution<'_>, symbol: &str) -> Option<(Id, String)> {
    let slot = format!("__imp_{symbol}");
    let &id = r.lazy.get(slot.as_str()).or_else(|| r.defined.get(slot.as_str()))?;
    let member = r.member(id);
    let import = member.import.as_ref()?;
    (!member.defines.iter().any(|d| d == symbol))
        .then(|| (id, import.dll.clone().unwrap_or_else(|| "its DLL".to_owned())))
}

fn undefined(r: &Resolution<'_>, symbol: &str, users: &[Id]) -> Finding {
    let mut fixes = Vec::new();
    let mut data_evidence = None;
    if symbol.starts_with("__std_") {
        fixes.push(Fix::new(
            "newer-toolset",
            Side::Both,
            "`__std_*` helpers come from the MSVC STL of Visual Studio 2022 17.13 or later (msvcprt.lib for /MD, \
             libcpmt.lib for /MT): build with a newer toolset, or rebuild the library with the one you link with",
        ));
    } else if let Some((id, dll)) = dll_data(r, symbol) {
        // Data a DLL exports has only its `__imp_` slot in the import library: no thunk defines `symbol`, so
        // "add the library that defines it" would send the user looking for something that does not exist.
        let side = if users.iter().all(|&u| fixes::in_library(r, u)) { Side::Library } else { Side::Program };
        fixes.push(fixes::dll_data_fix(symbol, &dll, side));
        data_evidence = Some(format!(
            "{} provides only `__imp_{symbol}`: `{symbol}` is data exported by {dll}, with no code to call, and \
             a reference to `{symbol}` itself is not resolved by the slot",
            r.member(id).name
        ));
    } else if !r.lazy.contains_key(symbol) {
        fixes.push(Fix::new(
            "add-library",
            Side::Program,
            format!("add the library that defines `{symbol}`"),
        ));
    }
    let (references, link_exe) = referrers(r, symbol, users);
    let mut f = Finding::new(Severity::Error, "LNK2019", format!("undefined symbol: {symbol}"));
    f.symbols = vec![symbol.to_owned()];
    f.evidence = references
        .iter()
        .map(referenced_by)
        .chain(r.link_references.get(symbol).map(|why| format!("asked for by {why}")))
        .chain(data_evidence)
        .collect();
    f.definitions = r
        .lazy
        .get(symbol)
        .map(|&id| Definition { symbol: symbol.to_owned(), at: location(r, id), linked: false })
        .into_iter()
        .collect();
    // DLL data: the import member defines the slot, `__imp_X`, which is what there is to link.
    if let Some((id, _)) = dll_data(r, symbol) {
        let slot = format!("__imp_{symbol}");
        let linked = r.defined.contains_key(slot.as_str());
        f.definitions.push(Definition { symbol: slot, at: location(r, id), linked });
    }
    f.references = references;
    f.link_exe = link_exe;
    f.fixes = fixes;
    f
}

/// `__imp_X` is referenced (the code was compiled expecting X from a DLL) but no import library provides it.
fn unresolved_import(r: &Resolution<'_>, dllimports: &DllImports<'_>, target: &str, users: &[Id]) -> Finding {
    let mut d = dllimports.describe(target, users);
    let symbol = format!("__imp_{target}");
    let (references, link_exe) = referrers(r, &symbol, users);
    // lld-link's lines first, as it prints them; then who asked for the import and what the link was built for.
    let mut evidence: Vec<String> = references.iter().map(referenced_by).collect();
    evidence.append(&mut d.evidence);
    d.evidence = evidence;
    let mut definitions = Vec::new();
    if let Some(&id) = r.lazy.get(target) {
        definitions.push(Definition { symbol: target.to_owned(), at: location(r, id), linked: false });
        d.evidence.push(format!(
            "`{target}` is defined only statically, in {}, and an `__imp_` reference does not pull that member in",
            r.member(id).name
        ));
    } else {
        d.evidence.push(format!("nothing among the inputs defines `__imp_{target}` or `{target}`"));
    }
    if !crt::is_crt_function(target) && !d.program_static {
        d.fixes.push(Fix::new(
            "add-import-library",
            Side::Program,
            format!("add the import library of the DLL that exports `{target}`"),
        ));
    }
    let mut f =
        Finding::new(Severity::Error, "LNK2019", format!("undefined symbol: __declspec(dllimport) {target}"));
    f.symbols = vec![symbol];
    f.references = references;
    f.definitions = definitions;
    f.link_exe = link_exe;
    f.evidence = d.evidence;
    f.fixes = d.fixes;
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crt::Crt;
    use crate::predict::resolve::resolve;
    use crate::read::Input;
    use crate::testing::{Coff, import_library, library_input, object_input, render};

    fn fix_texts(f: &Finding) -> Vec<&str> {
        f.fixes.iter().map(|x| x.text.as_str()).collect()
    }

    /// Each fix's kind, side and build system.
    fn fix_kinds(f: &Finding) -> Vec<(&str, &str, Option<&str>)> {
        f.fixes.iter().map(|x| (x.kind, x.side.name(), x.ecosystem)).collect()
    }

    /// The blog's direction: the `/MD` library rebuilt `/MT` in every C build system, or the program switched
    /// to the dynamic runtime (Rust, cargo-dist and the C build systems), never the other way round.
    const LIBRARY_TO_STATIC: [(&str, &str, Option<&str>); 12] = [
        ("rebuild-static-crt", "library", None),
        ("cl-static-crt", "library", Some("cl")),
        ("cmake-static-crt", "library", Some("cmake")),
        ("msbuild-static-crt", "library", Some("msbuild")),
        ("cc-rs-static-crt", "library", Some("cc-rs")),
        ("vcpkg-static-crt", "library", Some("vcpkg")),
        ("program-dynamic-crt", "program", None),
        ("rust-dynamic-crt", "program", Some("rust")),
        ("cargo-dist-dynamic-crt", "program", Some("cargo-dist")),
        ("cl-dynamic-crt", "program", Some("cl")),
        ("cmake-dynamic-crt", "program", Some("cmake")),
        ("msbuild-dynamic-crt", "program", Some("msbuild")),
    ];

    fn check(inputs: &[Input], options: &LinkOptions) -> Vec<Finding> {
        let findings = undefined_symbols(&resolve(inputs), options);
        for f in &findings {
            assert_eq!((f.code, f.severity, f.lld_reports), ("LNK2019", Severity::Error, true), "{f:?}");
        }
        findings
    }

    /// Plain references: one finding per name, users in load order; `__std_*` gets the toolset note instead
    /// of "add the library".
    #[test]
    fn undefined_plain_symbols() {
        let inputs = [
            object_input(
                "a.obj",
                &Coff::new().define(&["main"]).reference(&["vendor_init", "__std_find_trivial_1"]),
            ),
            object_input("b.obj", &Coff::new().reference(&["vendor_init", "main"])),
        ];
        assert_eq!(
            render(&check(&inputs, &LinkOptions::default())),
            "error LNK2019 (lld-link: reports): undefined symbol: __std_find_trivial_1
  symbols: __std_find_trivial_1
  - referenced by a.obj:(main)
  fix: `__std_*` helpers come from the MSVC STL of Visual Studio 2022 17.13 or later (msvcprt.lib for /MD, \
libcpmt.lib for /MT): build with a newer toolset, or rebuild the library with the one you link with
error LNK2019 (lld-link: reports): undefined symbol: vendor_init
  symbols: vendor_init
  - referenced by a.obj:(main)
  - referenced by b.obj
  fix: add the library that defines `vendor_init`
"
        );
    }

    /// The seed blog's failure: an `/MD` library calls `__imp_tolower`, the program links libcmt's static
    /// `tolower`, which an `__imp_` reference does not pull in. An import library exporting it resolves it.
    #[test]
    fn a_dllimport_the_static_c_runtime_does_not_satisfy() {
        let md = Coff::new()
            .define(&["vendor_lower"])
            .reference(&["__imp_tolower"])
            .directives("/DEFAULTLIB:msvcrt.lib");
        let inputs = [
            object_input(
                "main.obj",
                &Coff::new()
                    .define(&["main"])
                    .reference(&["vendor_lower"])
                    .directives("/DEFAULTLIB:libcmt.lib"),
            ),
            library_input("vendor.lib", &[("vendor.obj", &md)]),
            library_input("libcmt.lib", &[("tolower.obj", &Coff::new().define(&["tolower"]))]),
        ];
        let findings = check(&inputs, &LinkOptions::default());
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!(f.title, "undefined symbol: __declspec(dllimport) tolower");
        assert_eq!(f.symbols, ["__imp_tolower"]);
        assert_eq!(
            f.evidence,
            [
                "referenced by vendor.lib(vendor.obj):(vendor_lower)",
                "vendor.lib(vendor.obj) calls it through `__imp_tolower` (dllimport), built for /MD (dynamic C \
                 runtime) (/DEFAULTLIB:msvcrt.lib)",
                "main.obj was built for the /MT (static C runtime) (/DEFAULTLIB:libcmt.lib): this link uses the \
                 static C runtime",
                "`tolower` is defined only statically, in libcmt.lib(tolower.obj), and an `__imp_` reference does \
                 not pull that member in",
            ]
        );
        assert_eq!(fix_kinds(f), LIBRARY_TO_STATIC);
        let texts = fix_texts(f);
        assert_eq!(
            texts[0],
            "rebuild vendor.lib(vendor.obj) with /MT, the static C runtime, so it calls `tolower` directly"
        );
        assert_eq!(
            texts[7],
            "RUSTFLAGS=\"-C target-feature=-crt-static\", or in .cargo/config.toml `[target.x86_64-pc-windows-msvc] \
             rustflags = [\"-C\", \"target-feature=-crt-static\"]`"
        );
        assert_eq!(
            texts[5],
            "install it with the triplet x64-windows-static (a static library on the static C runtime)"
        );
        assert!(texts.iter().all(|t| !t.contains("+crt-static")), "{texts:?}");
        // link.exe's line, and the records tools read: who refers from which function, who defines it.
        assert_eq!(
            f.link_exe,
            [
                "vendor.lib(vendor.obj) : error LNK2019: unresolved external symbol __imp_tolower referenced in \
              function vendor_lower"
            ]
        );
        let site = f.references[0].site.as_ref().unwrap();
        assert_eq!(
            (f.references.len(), f.references[0].at.display().as_str(), site.symbol.as_str(), site.function),
            (1, "vendor.lib(vendor.obj)", "vendor_lower", true)
        );
        assert_eq!(f.definitions.len(), 1);
        assert_eq!(
            (
                f.definitions[0].symbol.as_str(),
                f.definitions[0].at.display().as_str(),
                f.definitions[0].linked
            ),
            ("tolower", "libcmt.lib(tolower.obj)", false)
        );
        assert_eq!(f.definitions[0].at.member.as_deref(), Some("tolower.obj"));
        let with_import = [
            &inputs[..],
            &[crate::read_bytes("msvcrt.lib", &import_library("msvcrt.dll", &["tolower"])).unwrap()],
        ]
        .concat();
        assert!(check(&with_import, &LinkOptions::default()).is_empty());
    }

    /// A dllimport of a function that is no C runtime's, in a program whose runtime nobody states: the fix
    /// is the DLL's import library. With `--crt static` the C runtime fixes come instead.
    #[test]
    fn a_dllimport_nothing_provides() {
        let inputs = [object_input("app.obj", &Coff::new().define(&["main"]).reference(&["__imp_png_read"]))];
        let f = &check(&inputs, &LinkOptions::default())[0];
        assert_eq!(
            (f.title.as_str(), &f.evidence[..], &fix_texts(f)[..]),
            (
                "undefined symbol: __declspec(dllimport) png_read",
                &[
                    "referenced by app.obj:(main)".to_owned(),
                    "app.obj calls it through `__imp_png_read` (dllimport)".to_owned(),
                    "nothing among the inputs defines `__imp_png_read` or `png_read`".to_owned(),
                ][..],
                &["add the import library of the DLL that exports `png_read`"][..],
            )
        );
        let static_crt = LinkOptions { crt: Some(Crt::MT), ..LinkOptions::default() };
        let f = &check(&inputs, &static_crt)[0];
        assert_eq!(f.evidence[2], "the program uses the /MT (static C runtime) (--crt)");
        // app.obj is the program's own object: rebuilding it is the program's change, and nothing tells the
        // program to switch to the runtime it says it does not use.
        let kinds = fix_kinds(f);
        assert_eq!(kinds[0], ("rebuild-static-crt", "program", None));
        assert_eq!(
            fix_texts(f)[0],
            "rebuild app.obj with /MT, the static C runtime, so it calls `png_read` directly"
        );
        assert!(
            kinds.iter().all(|(k, side, _)| *side == "program" && !k.ends_with("dynamic-crt")),
            "{kinds:?}"
        );
    }

    /// Many `/MT` objects and many missing imports: each finding names the first few static-runtime inputs and
    /// counts the rest, so the report (and the work) is not imports × inputs.
    #[test]
    fn the_static_runtime_side_is_named_a_few_times_then_counted() {
        let mt = Coff::new().define(&["main"]).directives("/DEFAULTLIB:libcmt.lib");
        let mut inputs: Vec<Input> = (0..10).map(|i| object_input(&format!("mt{i}.obj"), &mt)).collect();
        let md = Coff::new()
            .reference(&["__imp_png_read", "__imp_png_write"])
            .directives("/DEFAULTLIB:msvcrt.lib");
        inputs.push(object_input("vendor.obj", &md));
        let findings = check(&inputs, &LinkOptions::default());
        assert_eq!(findings.len(), 2, "{findings:?}");
        for f in &findings {
            let static_lines: Vec<&String> =
                f.evidence.iter().filter(|e| e.contains("this link uses the static C runtime")).collect();
            assert_eq!(static_lines.len(), 3, "{:?}", f.evidence);
            assert!(static_lines[0].starts_with("mt0.obj was built for the /MT"), "{:?}", f.evidence);
            assert!(
                f.evidence.contains(&"and 7 more inputs built for a static C runtime".to_owned()),
                "{:?}",
                f.evidence
            );
        }
    }

    /// Many objects asking for one missing import, each showing its C runtime: every user is named with its
    /// runtime, found by name in a map (this was users × linked members, per symbol), and every member loads
    /// once (this was a scan of the loaded list per member).
    #[test]
    fn many_users_of_one_missing_import() {
        let n = 20_000;
        let object = Coff::new().reference(&["__imp_tolower"]).directives("/DEFAULTLIB:msvcrt.lib").write();
        let objects: Vec<Input> =
            (0..n).map(|i| crate::read_bytes(&format!("o{i}.obj"), &object).unwrap()).collect();
        let r = resolve(&objects);
        assert_eq!(r.loaded.len(), n);
        let findings = undefined_symbols(&r, &LinkOptions::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].title, "undefined symbol: __declspec(dllimport) tolower");
        let users: Vec<&String> =
            findings[0].evidence.iter().filter(|e| e.contains("calls it through")).collect();
        assert_eq!(users.len(), n);
        assert_eq!(
            users[n - 1],
            &format!(
                "o{}.obj calls it through `__imp_tolower` (dllimport), built for /MD (dynamic C runtime) \
                 (/DEFAULTLIB:msvcrt.lib)",
                n - 1
            )
        );
    }
}
