//! LNK2038: a `/FAILIFMISMATCH` key with two values among the linked members.

use super::fixes;
use super::resolve::Resolution;
use super::{Finding, Fix, LinkOptions, Severity, Side};
use crate::read::Directive;
use std::collections::BTreeMap;

/// `/FAILIFMISMATCH`: one value per key across the link, or LNK2038.
pub(super) fn mismatched_values(r: &Resolution<'_>, options: &LinkOptions) -> Vec<Finding> {
    let mut keys: BTreeMap<&str, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for &id in &r.loaded {
        let member = r.member(id);
        for d in &member.directives {
            if let Directive::FailIfMismatch(k, v) = d {
                keys.entry(k).or_default().entry(v).or_default().push(member.name.clone());
            }
        }
    }
    let mut findings = Vec::new();
    for (key, values) in keys.iter().filter(|(_, v)| v.len() > 1) {
        let evidence = values.iter().map(|(v, who)| format!("{key}={v} in {}", who.join(", "))).collect();
        let mut fixes =
            vec![Fix::new("same-setting", Side::Both, "rebuild the inputs with one setting for it")];
        // The C runtime's key: in the right direction when the program's runtime is known (issue 12 item 4).
        if *key == "RuntimeLibrary"
            && let Some(directed) = fixes::library_mismatch(r, options)
        {
            fixes = directed;
        } else if *key == "RuntimeLibrary" {
            fixes.push(Fix::new(
                "same-crt",
                Side::Both,
                "compile every object with the same C runtime flag (/MD everywhere, or /MT everywhere)",
            ));
        }
        let mut f = Finding::new(Severity::Error, "LNK2038", format!("mismatch detected for '{key}'"));
        // link.exe's line: the second value's first object, against the first value's first object.
        let mut by_value = values.iter();
        if let (Some((v1, who1)), Some((v2, who2))) = (by_value.next(), by_value.next())
            && let (Some(first), Some(second)) = (who1.first(), who2.first())
        {
            f.link_exe = vec![format!(
                "{second} : error LNK2038: mismatch detected for '{key}': value '{v2}' doesn't match value '{v1}' in {first}"
            )];
        }
        f.evidence = evidence;
        f.fixes = fixes;
        findings.push(f);
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::resolve::resolve;
    use crate::testing::{Coff, library_input, object_input, render};

    /// MSVC's STL headers stamp `RuntimeLibrary` and `_ITERATOR_DEBUG_LEVEL`; two linked values of one key
    /// fail, one value shared by all does not, and an unlinked library member does not count.
    #[test]
    fn one_value_per_key_across_linked_members() {
        let stamped = |name: &str, runtime: &str| {
            let directives = format!(
                "/FAILIFMISMATCH:\"_ITERATOR_DEBUG_LEVEL=0\" /FAILIFMISMATCH:\"RuntimeLibrary={runtime}\""
            );
            object_input(name, &Coff::new().define(&[name]).directives(&directives))
        };
        let inputs = [
            stamped("a.obj", "MD_DynamicRelease"),
            stamped("b.obj", "MT_StaticRelease"),
            stamped("c.obj", "MD_DynamicRelease"),
            library_input(
                "x.lib",
                &[(
                    "x.obj",
                    &Coff::new().define(&["x"]).directives("/FAILIFMISMATCH:_ITERATOR_DEBUG_LEVEL=2"),
                )],
            ),
        ];
        assert_eq!(
            render(&mismatched_values(&resolve(&inputs), &LinkOptions::default())),
            "error LNK2038 (lld-link: reports): mismatch detected for 'RuntimeLibrary'
  - RuntimeLibrary=MD_DynamicRelease in a.obj, c.obj
  - RuntimeLibrary=MT_StaticRelease in b.obj
  fix: rebuild the inputs with one setting for it
  fix: compile every object with the same C runtime flag (/MD everywhere, or /MT everywhere)
"
        );
    }

    /// `RuntimeLibrary` differing between the program's object and a library member: the library is rebuilt
    /// for the program's runtime, or the program switched to the library's, not "one setting" for both.
    #[test]
    fn the_runtime_key_is_fixed_on_the_library_side() {
        let stamp = |value: &str| format!("/FAILIFMISMATCH:\"RuntimeLibrary={value}\"");
        let inputs = [
            object_input(
                "main.obj",
                &Coff::new().define(&["main"]).reference(&["v"]).directives(&stamp("MD_DynamicRelease")),
            ),
            library_input(
                "vendor.lib",
                &[("v.obj", &Coff::new().define(&["v"]).directives(&stamp("MT_StaticRelease")))],
            ),
        ];
        let f = &mismatched_values(&resolve(&inputs), &LinkOptions::default())[0];
        let first: Vec<(&str, &str)> = f.fixes.iter().take(2).map(|x| (x.kind, x.side.name())).collect();
        assert_eq!(first, [("rebuild-dynamic-crt", "library"), ("cl-dynamic-crt", "library")]);
        assert!(
            f.fixes.iter().any(|x| (x.kind, x.side) == ("rust-static-crt", Side::Program)),
            "{:?}",
            f.fixes
        );
        assert!(
            f.fixes.iter().all(|x| x.kind != "rust-dynamic-crt" && x.kind != "same-setting"),
            "{:?}",
            f.fixes
        );
    }
}
