//! LNK4217: `__imp_X` referenced and `X` defined by a linked member. lld-link and link.exe build a local
//! import slot from the definition, warn, and link.

use super::dllimport::DllImports;
use super::resolve::Resolution;
use super::{Finding, LinkOptions, Severity};

/// An `__imp_` reference satisfied by a local definition: LNK4217, one per symbol in name order.
pub(super) fn locally_defined_imports(r: &Resolution<'_>, options: &LinkOptions) -> Vec<Finding> {
    let dllimports = DllImports::new(r, options);
    r.undefined
        .iter()
        .filter_map(|(symbol, users)| {
            let target = symbol.strip_prefix("__imp_")?;
            let &definer = r.defined.get(target)?;
            let mut d = dllimports.describe(target, users);
            d.evidence.push(format!(
                "`{target}` is defined statically in {}, which is linked",
                r.member(definer).name
            ));
            Some(Finding {
                severity: Severity::Warning,
                code: "LNK4217",
                lld_reports: true,
                title: format!("locally defined symbol imported: {target}"),
                symbols: vec![format!("__imp_{target}"), target.to_owned()],
                evidence: d.evidence,
                fixes: d.fixes,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::lnk2019::undefined_symbols;
    use crate::predict::resolve::resolve;
    use crate::predict::{CARGO_DIST_FIX, RUST_CRT_FIX};
    use crate::testing::{Coff, library_input, object_input, render};

    /// `/MD` code calls `__imp_malloc`; the program's static runtime defines `malloc` and is linked for
    /// another reference: a warning (the link succeeds), and LNK2019 says nothing about it.
    #[test]
    fn a_dllimport_of_a_linked_definition() {
        let inputs = [
            object_input("main.obj", &Coff::new().define(&["main"]).reference(&["malloc", "vendor_alloc"])),
            library_input(
                "vendor.lib",
                &[("vendor.obj", &Coff::new().define(&["vendor_alloc"]).reference(&["__imp_malloc"]))],
            ),
            library_input(
                "libcmt.lib",
                &[("malloc.obj", &Coff::new().define(&["malloc"]).directives("/DEFAULTLIB:libcmt.lib"))],
            ),
        ];
        let r = resolve(&inputs);
        assert_eq!(
            render(&locally_defined_imports(&r, &LinkOptions::default())),
            format!(
                "warning LNK4217 (lld-link: reports): locally defined symbol imported: malloc
  symbols: __imp_malloc, malloc
  - vendor.lib(vendor.obj) calls it through `__imp_malloc` (dllimport), built for /MD or /MDd (dynamic C runtime) \
(imports C runtime functions through __imp_: malloc)
  - libcmt.lib(malloc.obj) was built for the /MT (static C runtime) (/DEFAULTLIB:libcmt.lib): this link uses the \
static C runtime
  - `malloc` is defined statically in libcmt.lib(malloc.obj), which is linked
  fix: {RUST_CRT_FIX}
  fix: {CARGO_DIST_FIX}
  fix: or rebuild vendor.lib(vendor.obj) with /MT, so it calls `malloc` directly
"
            )
        );
        assert!(undefined_symbols(&r, &LinkOptions::default()).is_empty());
    }

    /// `X` defined only in an unlinked library member is no local definition: LNK2019's, not this check's.
    #[test]
    fn a_definition_that_is_not_linked() {
        let inputs = [
            object_input("main.obj", &Coff::new().define(&["main"]).reference(&["__imp_helper"])),
            library_input("helper.lib", &[("helper.obj", &Coff::new().define(&["helper"]))]),
        ];
        let r = resolve(&inputs);
        assert!(locally_defined_imports(&r, &LinkOptions::default()).is_empty());
        assert_eq!(undefined_symbols(&r, &LinkOptions::default()).len(), 1);
    }
}
