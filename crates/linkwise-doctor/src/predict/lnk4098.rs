//! LNK4098: linked members (or the program, by `--crt`) built for incompatible C runtimes. link.exe warns;
//! lld-link says nothing, so the finding is marked as not reported by it.

use super::fixes;
use super::resolve::Resolution;
use super::{Finding, Fix, LinkOptions, Severity, Side};
use crate::crt::CrtEvidence;

/// Mixed C runtimes: link.exe warns (LNK4098); lld-link says nothing.
pub(super) fn mixed_c_runtimes(r: &Resolution<'_>, options: &LinkOptions) -> Vec<Finding> {
    let mut all_modes = r.crt_modes.clone();
    if let Some(crt) = options.crt {
        all_modes.push(("the program (--crt)".to_owned(), CrtEvidence { crt, evidence: "--crt".to_owned() }));
    }
    let Some((first_name, first)) = all_modes.first() else { return Vec::new() };
    let conflicting: Vec<&(String, CrtEvidence)> =
        all_modes.iter().filter(|(_, e)| !e.crt.compatible(first.crt)).collect();
    if conflicting.is_empty() {
        return Vec::new();
    }
    let mut evidence = vec![format!("{first_name}: {} ({})", first.crt, first.evidence)];
    evidence.extend(conflicting.iter().map(|(n, e)| format!("{n}: {} ({})", e.crt, e.evidence)));
    let mut f =
        Finding::new(Severity::Warning, "LNK4098", "inputs were built for different C runtimes".to_owned());
    f.lld_reports = false;
    f.evidence = evidence;
    f.fixes = fixes::library_mismatch(r, options).unwrap_or_else(|| vec![same_crt()]);
    vec![f]
}

/// Nothing says which side is the program's: every input alike.
fn same_crt() -> Fix {
    Fix::new("same-crt", Side::Both, "build every input with the same C runtime flag (/MD or /MT)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crt::Crt;
    use crate::predict::resolve::resolve;
    use crate::read::Input;
    use crate::testing::{Coff, library_input, object_input};

    fn evidence(inputs: &[Input], options: &LinkOptions) -> Vec<Vec<String>> {
        mixed_c_runtimes(&resolve(inputs), options)
            .into_iter()
            .map(|f| {
                assert_eq!((f.code, f.severity, f.lld_reports), ("LNK4098", Severity::Warning, false));
                assert_eq!(f.title, "inputs were built for different C runtimes");
                // Objects given directly that disagree: nothing says which side is the program's.
                assert_eq!(f.fixes.iter().map(|x| x.kind).collect::<Vec<_>>(), ["same-crt"]);
                f.evidence
            })
            .collect()
    }

    /// The first linked member's runtime against every member incompatible with it: dynamic against static,
    /// and debug against release when both are known; a runtime read from `__imp_` calls is compatible with
    /// either debugness.
    #[test]
    fn members_built_for_different_runtimes() {
        let md = object_input("md.obj", &Coff::new().directives("/DEFAULTLIB:msvcrt.lib"));
        let mdd = object_input("mdd.obj", &Coff::new().directives("/DEFAULTLIB:msvcrtd.lib"));
        let mt = object_input(
            "mt.obj",
            &Coff::new().directives("/FAILIFMISMATCH:\"RuntimeLibrary=MT_StaticRelease\""),
        );
        let calls = object_input("calls.obj", &Coff::new().reference(&["__imp_malloc"]));
        assert_eq!(
            evidence(&[md.clone(), calls.clone(), mdd.clone(), mt.clone()], &LinkOptions::default()),
            [[
                "md.obj: /MD (dynamic C runtime) (/DEFAULTLIB:msvcrt.lib)",
                "mdd.obj: /MDd (dynamic C runtime) (/DEFAULTLIB:msvcrtd.lib)",
                "mt.obj: /MT (static C runtime) (/FAILIFMISMATCH:\"RuntimeLibrary=MT_StaticRelease\")",
            ]]
        );
        assert!(evidence(&[calls.clone(), md.clone()], &LinkOptions::default()).is_empty());
        assert!(evidence(&[calls, mdd], &LinkOptions::default()).is_empty());
    }

    /// `--crt static` against an `/MD` member; `--crt dynamic` agrees with it; nothing showing a runtime and
    /// no `--crt`: nothing to compare.
    #[test]
    fn the_program_runtime_from_the_command_line() {
        let md = [object_input("md.obj", &Coff::new().directives("/DEFAULTLIB:msvcrt.lib"))];
        let with = |crt| LinkOptions { crt: Some(crt), ..LinkOptions::default() };
        assert_eq!(
            evidence(&md, &with(Crt::MT)),
            [[
                "md.obj: /MD (dynamic C runtime) (/DEFAULTLIB:msvcrt.lib)",
                "the program (--crt): /MT (static C runtime) (--crt)",
            ]]
        );
        assert!(evidence(&md, &with(Crt::MD)).is_empty());
        assert!(evidence(&[object_input("plain.obj", &Coff::new())], &LinkOptions::default()).is_empty());
    }

    /// The case: an `/MD` program (its own object) and an `/MT` vendor library. The library is rebuilt
    /// `/MD`, or the program switched to `/MT`; nothing tells the program to link the dynamic runtime it
    /// already links. The reverse gives the reverse.
    #[test]
    fn the_library_is_the_odd_one_out() {
        for (ours, theirs, to_library, to_program) in
            [("msvcrt", "libcmt", "dynamic", "static"), ("libcmt", "msvcrt", "static", "dynamic")]
        {
            let program = Coff::new()
                .define(&["main"])
                .reference(&["lib_lower"])
                .directives(&format!("/DEFAULTLIB:{ours}.lib"));
            let library =
                &Coff::new().define(&["lib_lower"]).directives(&format!("/DEFAULTLIB:{theirs}.lib"));
            let inputs =
                [object_input("main.obj", &program), library_input("vendor.lib", &[("vendor.obj", library)])];
            let f = &mixed_c_runtimes(&resolve(&inputs), &LinkOptions::default())[0];
            let kinds: Vec<(&str, &str)> = f.fixes.iter().map(|x| (x.kind, x.side.name())).collect();
            let library_side: Vec<&str> = kinds.iter().filter(|k| k.1 == "library").map(|k| k.0).collect();
            let program_side: Vec<&str> = kinds.iter().filter(|k| k.1 == "program").map(|k| k.0).collect();
            assert_eq!(
                library_side,
                ["rebuild", "cl", "cmake", "msbuild", "cc-rs", "vcpkg"]
                    .map(|e| format!("{e}-{to_library}-crt"))
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
                "{kinds:?}"
            );
            assert_eq!(
                program_side,
                ["program", "rust", "cargo-dist", "cl", "cmake", "msbuild"]
                    .map(|e| format!("{e}-{to_program}-crt"))
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
                "{kinds:?}"
            );
            assert!(f.fixes[0].text.starts_with("rebuild vendor.lib(vendor.obj) with "), "{:?}", f.fixes[0]);
        }
    }
}
