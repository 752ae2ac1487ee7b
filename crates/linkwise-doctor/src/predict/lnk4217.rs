//! LNK4217: `__imp_X` referenced and `X` defined by a linked member. lld-link and link.exe build a local
//! import slot from the definition, warn, and link.

use super::dllimport::DllImports;
use super::resolve::Resolution;
use super::{Definition, Finding, LinkOptions, Severity, location, references};

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
            let symbol = format!("__imp_{target}");
            let mut f =
                Finding::new(Severity::Warning, "LNK4217", format!("locally defined symbol imported: {target}"));
            let at = location(r, definer);
            f.references = users.iter().flat_map(|&u| references(r, u, &symbol)).collect();
            // link.exe's wording (Visual Studio 2019 and later), once per importing object.
            f.link_exe = users
                .iter()
                .map(|&u| {
                    let refs = references(r, u, &symbol);
                    let user = location(r, u).display();
                    let function = refs.iter().filter_map(|r| r.site.as_ref()).find(|s| s.function);
                    let in_function = function.map(|s| format!(" in function '{}'", s.symbol)).unwrap_or_default();
                    format!(
                        "{user} : warning LNK4217: symbol '{target}' defined in '{}' is imported by '{user}'{in_function}",
                        at.display()
                    )
                })
                .collect();
            f.definitions = vec![Definition { symbol: target.to_owned(), at, linked: true }];
            f.symbols = vec![symbol, target.to_owned()];
            f.evidence = d.evidence;
            f.fixes = d.fixes;
            Some(f)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::lnk2019::undefined_symbols;
    use crate::predict::resolve::resolve;
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
        let rendered = render(&locally_defined_imports(&r, &LinkOptions::default()));
        // The first of the fixes: the library rebuilt for the static runtime the rest of the link uses.
        assert_eq!(
            rendered.lines().take(6).collect::<Vec<_>>()[..],
            "warning LNK4217 (lld-link: reports): locally defined symbol imported: malloc
  symbols: __imp_malloc, malloc
  - vendor.lib(vendor.obj) calls it through `__imp_malloc` (dllimport), built for /MD or /MDd (dynamic C runtime) \
(imports C runtime functions through __imp_: malloc)
  - libcmt.lib(malloc.obj) was built for the /MT (static C runtime) (/DEFAULTLIB:libcmt.lib): this link uses the \
static C runtime
  - `malloc` is defined statically in libcmt.lib(malloc.obj), which is linked
  fix: rebuild vendor.lib(vendor.obj) with /MT, the static C runtime, so it calls `malloc` directly
"
            .lines()
            .collect::<Vec<_>>()[..],
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
