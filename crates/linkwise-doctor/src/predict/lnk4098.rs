//! LNK4098: linked members (or the program, by `--crt`) built for incompatible C runtimes. link.exe warns;
//! lld-link says nothing, so the finding is marked as not reported by it.

use super::resolve::Resolution;
use super::{Finding, Fix, LinkOptions, Severity, Side, dynamic_crt_fixes};
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
    f.fixes =
        vec![Fix::new("same-crt", Side::Both, "build every input with the same C runtime flag (/MD or /MT)")];
    f.fixes.extend(dynamic_crt_fixes());
    vec![f]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crt::Crt;
    use crate::predict::resolve::resolve;
    use crate::read::Input;
    use crate::testing::{Coff, object_input};

    fn evidence(inputs: &[Input], options: &LinkOptions) -> Vec<Vec<String>> {
        mixed_c_runtimes(&resolve(inputs), options)
            .into_iter()
            .map(|f| {
                assert_eq!((f.code, f.severity, f.lld_reports), ("LNK4098", Severity::Warning, false));
                assert_eq!(f.title, "inputs were built for different C runtimes");
                assert_eq!(f.fixes.len(), 3);
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
}
