//! LNK1104: a default library that linked objects (or the command line) ask for is not among the inputs.

use super::resolve::Resolution;
use super::{Finding, Fix, LinkOptions, Severity, Side, lib_key};
use crate::crt::Crt;
use crate::read::Directive;
use std::collections::{BTreeMap, BTreeSet};

/// A default library asked for: its name as first written (`Vendor`, `msvcrt.lib`), and who asks for it.
pub(super) type Wanted = (String, Vec<String>);

/// The default libraries asked for (by file name, [`lib_key`]) that no input provides and no `/NODEFAULTLIB`
/// removes, each as first written and with who asks for it.
pub(super) fn wanted(r: &Resolution<'_>, options: &LinkOptions) -> BTreeMap<String, Wanted> {
    let input_libs: BTreeSet<String> =
        r.inputs.iter().filter(|i| i.is_library).map(|i| lib_key(&i.path)).collect();
    let mut suppressed: BTreeSet<String> = options.no_default_libs.iter().map(|l| lib_key(l)).collect();
    let mut wanted: BTreeMap<String, Wanted> = BTreeMap::new();
    let mut ask = |lib: &str, who: String| {
        wanted.entry(lib_key(lib)).or_insert_with(|| (lib.to_owned(), Vec::new())).1.push(who);
    };
    for lib in &options.default_libs {
        ask(lib, "the command line".to_owned());
    }
    for &id in &r.loaded {
        let member = r.member(id);
        for d in &member.directives {
            if let Directive::DefaultLib(lib) = d {
                ask(lib, member.name.clone());
            }
        }
    }
    for &id in &r.loaded {
        let member = r.member(id);
        for d in &member.directives {
            match d {
                // An object may suppress all default libraries for the whole link.
                Directive::NoDefaultLib(None) => return BTreeMap::new(),
                Directive::NoDefaultLib(Some(lib)) => {
                    suppressed.insert(lib_key(lib));
                }
                _ => {}
            }
        }
    }
    if options.no_default_all {
        return BTreeMap::new();
    }
    let mingw = options.flavor == super::Flavor::Mingw;
    wanted.retain(|key, (lib, _)| {
        let provided = input_libs.contains(key)
            || (mingw && mingw_name(lib).is_some_and(|m| input_libs.contains(&m.to_ascii_lowercase())));
        !provided && !suppressed.contains(key)
    });
    wanted
}

/// The name ld.lld tries for a default library it does not find as written (lld/COFF `findLibMinGW`), in the
/// case it was written (file systems may care): `Vendor` and `Vendor.lib` → `libVendor.a`; none for a name
/// with a directory in it.
pub(crate) fn mingw_name(lib: &str) -> Option<String> {
    if lib.contains(['/', '\\']) {
        return None;
    }
    let stem = match lib.rsplit_once('.') {
        Some((stem, _)) => stem,
        None => lib,
    };
    Some(format!("lib{stem}.a"))
}

/// Default libraries asked for by linked objects (and the command line) must be among the inputs, or found
/// along the library search path (which puts them among the inputs): LNK1104.
pub(super) fn missing_default_libraries(r: &Resolution<'_>, options: &LinkOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (lib, (written, askers)) in &wanted(r, options) {
        let mut fixes = vec![Fix::new(
            "add-default-library",
            Side::Program,
            format!("add `{lib}` to the link, or pass /NODEFAULTLIB:{lib} if nothing needs it"),
        )];
        if let Some(crt) = Crt::from_library(lib) {
            fixes.push(Fix::new(
                "install-build-tools",
                Side::Program,
                format!("`{lib}` is the {crt}; it comes with the Visual C++ build tools"),
            ));
        }
        let mingw = mingw_name(written).filter(|_| options.flavor == super::Flavor::Mingw);
        let title = match &mingw {
            // ld.lld names the last file it tried: "could not open 'libvendor.a'".
            Some(m) => format!("cannot open default library `{lib}` (nor `{m}`): it is not among the inputs"),
            None => format!("cannot open default library `{lib}`: it is not among the inputs"),
        };
        let mut f = Finding::new(Severity::Error, "LNK1104", title);
        if mingw.is_none() {
            f.link_exe = vec![format!("LINK : fatal error LNK1104: cannot open file '{lib}'")];
        }
        if let Some(m) = &mingw {
            // No /NODEFAULTLIB in ld.lld's own syntax: lld-link's option passes through `-Xlink`.
            fixes[0] = Fix::new(
                "add-default-library",
                Side::Program,
                format!(
                    "put `{m}` (or `{lib}`) in a -L directory, or pass -Xlink=-nodefaultlib:{lib} \
                     (-Wl,-Xlink=-nodefaultlib:{lib} from the compiler driver) if nothing needs it"
                ),
            );
        }
        f.evidence = askers
            .iter()
            .map(|a| format!("{a} asks for it with /DEFAULTLIB:{lib}"))
            .chain(
                (!options.searched.is_empty())
                    .then(|| format!("not found in {}", options.searched.join(", "))),
            )
            .collect();
        f.fixes = fixes;
        findings.push(f);
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::resolve::resolve;
    use crate::read::Input;
    use crate::testing::{Coff, library_input, object_input, render};

    fn check(inputs: &[Input], options: &LinkOptions) -> Vec<Finding> {
        missing_default_libraries(&resolve(inputs), options)
    }

    /// An `/MD` object asks for msvcrt.lib; a library member that nothing links asks for libcmt.lib and is
    /// not heard; the command line asks for kernel32 (named without `.lib`, found as `kernel32.lib`).
    #[test]
    fn a_default_library_missing_from_the_inputs() {
        let inputs = [
            object_input("main.obj", &Coff::new().define(&["main"]).directives("/DEFAULTLIB:msvcrt.lib")),
            library_input(
                "vendor.lib",
                &[("unused.obj", &Coff::new().define(&["unused"]).directives("/DEFAULTLIB:libcmt.lib"))],
            ),
        ];
        let options = LinkOptions { default_libs: vec!["KERNEL32".to_owned()], ..LinkOptions::default() };
        assert_eq!(
            render(&check(&inputs, &options)),
            "error LNK1104 (lld-link: reports): cannot open default library `kernel32.lib`: it is not among the inputs
  - the command line asks for it with /DEFAULTLIB:kernel32.lib
  fix: add `kernel32.lib` to the link, or pass /NODEFAULTLIB:kernel32.lib if nothing needs it
error LNK1104 (lld-link: reports): cannot open default library `msvcrt.lib`: it is not among the inputs
  - main.obj asks for it with /DEFAULTLIB:msvcrt.lib
  fix: add `msvcrt.lib` to the link, or pass /NODEFAULTLIB:msvcrt.lib if nothing needs it
  fix: `msvcrt.lib` is the /MD (dynamic C runtime); it comes with the Visual C++ build tools
"
        );
    }

    /// Present among the inputs (whatever its directory or case), or suppressed by `/NODEFAULTLIB`, one
    /// named or all, on the command line or in an object: no finding.
    #[test]
    fn a_default_library_present_or_suppressed() {
        let asking = || object_input("main.obj", &Coff::new().directives("/DEFAULTLIB:msvcrt.lib"));
        let present =
            [asking(), library_input("C:\\sdk\\MSVCRT.LIB", &[("m.obj", &Coff::new().define(&["x"]))])];
        assert!(check(&present, &LinkOptions::default()).is_empty());
        let named = LinkOptions { no_default_libs: vec!["msvcrt".to_owned()], ..LinkOptions::default() };
        assert!(check(&[asking()], &named).is_empty());
        let all = LinkOptions { no_default_all: true, ..LinkOptions::default() };
        assert!(check(&[asking()], &all).is_empty());
        let in_object = [asking(), object_input("nodefault.obj", &Coff::new().directives("/NODEFAULTLIB"))];
        assert!(check(&in_object, &LinkOptions::default()).is_empty());
        // The same inputs without the suppression do report it: the cases above are not vacuous.
        assert_eq!(check(&[asking()], &LinkOptions::default()).len(), 1);
    }
}
