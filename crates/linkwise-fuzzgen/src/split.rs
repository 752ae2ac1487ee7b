//! The split form of a program: a suffix of its functions, with the statics they need, as a shared library's
//! module, and the rest as the program's module, importing what it uses from that library.

use crate::print::{Style, static_item};
use crate::tree::*;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Every global name a block mentions: called, read, assigned, or addressed.
pub(crate) fn block_refs(b: &[Stmt], out: &mut BTreeSet<String>) {
    for s in b {
        match s {
            Stmt::Let { value, .. } | Stmt::Return(Some(value)) => expr_refs(value, out),
            Stmt::Assign { name, value } => {
                out.insert(name.clone());
                expr_refs(value, out);
            }
            Stmt::Call { name, args } => {
                out.insert(name.clone());
                args.iter().for_each(|a| expr_refs(a, out));
            }
            Stmt::If { cond, then, els } => {
                expr_refs(cond, out);
                block_refs(then, out);
                if let Some(e) = els {
                    block_refs(e, out);
                }
            }
            Stmt::For { body, .. } => block_refs(body, out),
            Stmt::Return(None) => {}
        }
    }
}

pub(crate) fn expr_refs(e: &Expr, out: &mut BTreeSet<String>) {
    match e {
        Expr::Var(n, _) | Expr::Addr(n) | Expr::Call(n, _, _) => {
            out.insert(n.clone());
        }
        _ => {}
    }
    e.children().into_iter().for_each(|c| expr_refs(c, out));
}

pub(crate) fn function_refs(f: &Function) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    block_refs(&f.body, &mut out);
    if let Some(t) = &f.tail {
        expr_refs(t, &mut out);
    }
    out
}

/// `(lib_items, main_items)`, or `None` without a split point.
pub(crate) fn split(
    style: &Style,
    statics: &[Static],
    functions: &[Function],
    at: usize,
    lib: &str,
) -> Option<(String, String)> {
    if at == 0 || at >= functions.len() {
        return None;
    }
    let (main_fns, lib_fns) = functions.split_at(at);
    let mut lib_refs = BTreeSet::new();
    lib_fns.iter().for_each(|f| lib_refs.extend(function_refs(f)));
    let mut in_lib: Vec<bool> = statics.iter().map(|s| lib_refs.contains(&s.name)).collect();
    // Closed both ways under initializer addresses: a lib static's targets go with it (the library cannot
    // import from the program), and a static holding a lib static's address goes too (the address of data in
    // a DLL cannot be in a static: only the loader knows it).
    loop {
        let lib_names: BTreeSet<&str> =
            statics.iter().zip(&in_lib).filter(|p| *p.1).map(|p| p.0.name.as_str()).collect();
        let mut changed = false;
        for (i, s) in statics.iter().enumerate() {
            let targets = s.targets();
            let wanted = in_lib[i] || targets.iter().any(|t| lib_names.contains(t));
            if wanted && !in_lib[i] {
                in_lib[i] = true;
                changed = true;
            }
            if in_lib[i] {
                for t in targets {
                    if let Some(j) = statics.iter().position(|x| x.name == t)
                        && !in_lib[j]
                    {
                        in_lib[j] = true;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut lib_items = String::new();
    for (s, &l) in statics.iter().zip(&in_lib) {
        if l {
            static_item(&mut lib_items, s, true);
            lib_items.push('\n');
        }
    }
    for f in lib_fns {
        style.function(&mut lib_items, f, true);
        lib_items.push('\n');
    }

    let mut main_refs = BTreeSet::new();
    main_fns.iter().for_each(|f| main_refs.extend(function_refs(f)));
    let mut decls = String::new();
    for f in lib_fns.iter().filter(|f| main_refs.contains(&f.name)) {
        let params: Vec<String> = f.params.iter().map(|(n, t)| format!("{n}: {}", t.name())).collect();
        let ret = f.ret.map(|t| format!(" -> {}", t.name())).unwrap_or_default();
        let _ = writeln!(decls, "    fn {}({}){ret};", f.name, params.join(", "));
    }
    for (s, &l) in statics.iter().zip(&in_lib) {
        if l && main_refs.contains(&s.name) {
            let m = if s.mutable { "mut " } else { "" };
            // An array is only ever addressed, so any value type declares its symbol.
            let ty = s.scalar().unwrap_or(Ty::I64);
            let _ = writeln!(decls, "    static {m}{}: {};", s.name, ty.name());
        }
    }
    let mut main_items = String::new();
    if !decls.is_empty() {
        let _ = write!(main_items, "#[link(name = \"{lib}\")]\nextern {{\n{decls}}}\n\n");
    }
    for (s, &l) in statics.iter().zip(&in_lib) {
        if !l {
            static_item(&mut main_items, s, false);
            main_items.push('\n');
        }
    }
    for f in main_fns {
        style.function(&mut main_items, f, false);
        main_items.push('\n');
    }
    Some((lib_items, main_items))
}
