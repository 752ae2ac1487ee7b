//! LNK2005: one symbol defined by two linked members, outside COMDAT.

use super::resolve::Resolution;
use super::{Definition, Finding, Fix, LinkOptions, Severity, Side, location};
use crate::crt::CrtEvidence;

/// Two linked non-COMDAT definitions of one symbol: LNK2005.
pub(super) fn duplicate_symbols(r: &Resolution<'_>, _options: &LinkOptions) -> Vec<Finding> {
    r.duplicates
        .iter()
        .map(|(symbol, &(a, b))| {
            let mut f = Finding::new(Severity::Error, "LNK2005", format!("duplicate symbol: {symbol}"));
            f.symbols = vec![symbol.to_string()];
            // In lld-link's order: the definition loaded first, then the one that collided with it.
            f.evidence =
                vec![format!("defined in {}", r.member(a).name), format!("and in {}", r.member(b).name)];
            f.definitions = [a, b]
                .iter()
                .map(|&id| Definition { symbol: symbol.to_string(), at: location(r, id), linked: true })
                .collect();
            f.link_exe = vec![format!(
                "{} : error LNK2005: {symbol} already defined in {}",
                r.member(b).name,
                r.member(a).name
            )];
            f.fixes = mixed_crt_hint(&r.crt_modes);
            f
        })
        .collect()
}

/// A static and a dynamic C runtime in one link define many of the same names; otherwise, a plain duplicate.
fn mixed_crt_hint(modes: &[(String, CrtEvidence)]) -> Vec<Fix> {
    let dynamic = modes.iter().any(|(_, e)| e.crt.dynamic);
    let static_ = modes.iter().any(|(_, e)| !e.crt.dynamic);
    if dynamic && static_ {
        vec![Fix::new(
            "same-crt",
            Side::Both,
            "the inputs mix the dynamic and static C runtimes; build every input with one (/MD or /MT)",
        )]
    } else {
        vec![Fix::new(
            "keep-one-definition",
            Side::Program,
            "keep one definition: remove one of the inputs, or make one definition local",
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::resolve::resolve;
    use crate::read::Input;
    use crate::testing::{Coff, library_input, object_input};

    fn check(inputs: &[Input]) -> Vec<(String, Vec<String>, Vec<String>)> {
        duplicate_symbols(&resolve(inputs), &LinkOptions::default())
            .into_iter()
            .map(|f| {
                assert_eq!((f.code, f.severity, f.lld_reports), ("LNK2005", Severity::Error, true));
                assert_eq!(f.symbols, [f.title.trim_start_matches("duplicate symbol: ")]);
                (f.title, f.evidence, f.fixes.into_iter().map(|x| x.text).collect())
            })
            .collect()
    }

    /// Issue 7's defect 12 on written files: m.obj needs `lib_lower`, which v.lib provides from a copy of v.obj
    /// read after it: both definitions link, in lld-link's order.
    #[test]
    fn a_library_copy_of_a_later_object() {
        let v = Coff::new().define(&["lib_lower"]);
        let inputs = [
            object_input("m.obj", &Coff::new().define(&["main"]).reference(&["lib_lower"])),
            library_input("v.lib", &[("v.obj", &v)]),
            object_input("v.obj", &v),
        ];
        assert_eq!(
            check(&inputs),
            [(
                "duplicate symbol: lib_lower".to_owned(),
                vec!["defined in v.obj".to_owned(), "and in v.lib(v.obj)".to_owned()],
                vec![
                    "keep one definition: remove one of the inputs, or make one definition local".to_owned()
                ],
            )]
        );
        // v.obj first: the name is defined when v.lib is read, so its member never loads.
        let reordered = [inputs[0].clone(), inputs[2].clone(), inputs[1].clone()];
        assert!(check(&reordered).is_empty());
    }

    /// Inputs built for both C runtimes: the hint says so. COMDAT copies on both sides are no duplicate.
    #[test]
    fn duplicates_between_c_runtimes_and_comdat_copies() {
        let inputs = [
            object_input(
                "md.obj",
                &Coff::new().define(&["f"]).define_comdat("g").directives("/DEFAULTLIB:msvcrt"),
            ),
            object_input(
                "mt.obj",
                &Coff::new().define(&["f"]).define_comdat("g").directives("/DEFAULTLIB:libcmt"),
            ),
        ];
        assert_eq!(
            check(&inputs),
            [(
                "duplicate symbol: f".to_owned(),
                vec!["defined in md.obj".to_owned(), "and in mt.obj".to_owned()],
                vec!["the inputs mix the dynamic and static C runtimes; build every input with one (/MD or /MT)"
                    .to_owned()],
            )]
        );
    }
}
