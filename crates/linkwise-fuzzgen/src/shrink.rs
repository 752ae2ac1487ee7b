//! The shrinker: greedy edits of the program tree, each kept only if linkwise still accepts the program and
//! the caller's predicate still fails on it, until no edit is kept (a local minimum).

use crate::Program;
use crate::tree::*;

/// One candidate edit; indices count functions, statements (pre-order over every body) or expression nodes
/// (pre-order over every statement's expressions and the tail returns).
#[derive(Clone, Copy, Debug)]
enum Edit {
    DropFn(usize),
    DropStatic(usize),
    DropStmt(usize),
    InlineThen(usize),
    InlineElse(usize),
    DropElse(usize),
    LoopToBlock(usize),
    LowerLoop(usize),
    ExprLit(usize),
    ExprChild(usize, usize),
}

pub(crate) fn shrink(program: &Program, still_fails: &mut dyn FnMut(&Program) -> bool) -> Program {
    let mut cur = program.clone();
    loop {
        let mut changed = false;
        let mut i = 0;
        loop {
            let edits = edits(&cur);
            let Some(edit) = edits.get(i) else { break };
            match apply(&cur, *edit) {
                Some(c) if c != cur && c.is_valid() && still_fails(&c) => {
                    // The edit at `i` is gone; what was after it is at `i` now.
                    cur = c;
                    changed = true;
                }
                _ => i += 1,
            }
        }
        if !changed {
            return cur;
        }
    }
}

fn edits(p: &Program) -> Vec<Edit> {
    let mut v: Vec<Edit> = (1..p.functions.len()).rev().map(Edit::DropFn).collect();
    let mut stmts = Vec::new();
    for f in &p.functions {
        flatten(&f.body, &mut stmts);
    }
    for (n, s) in stmts.iter().enumerate() {
        v.push(Edit::DropStmt(n));
        match s {
            Stmt::If { els, .. } => {
                v.push(Edit::InlineThen(n));
                if els.is_some() {
                    v.push(Edit::InlineElse(n));
                    v.push(Edit::DropElse(n));
                }
            }
            Stmt::For { .. } => {
                v.push(Edit::LowerLoop(n));
                v.push(Edit::LoopToBlock(n));
            }
            _ => {}
        }
    }
    v.extend((0..p.statics.len()).rev().map(Edit::DropStatic));
    let mut exprs = Vec::new();
    for f in &p.functions {
        let mut roots = Vec::new();
        block_roots(&f.body, &mut roots);
        roots.extend(f.tail.iter());
        for r in roots {
            flatten_expr(r, &mut exprs);
        }
    }
    for (n, e) in exprs.iter().enumerate() {
        v.push(Edit::ExprLit(n));
        for (c, child) in e.children().iter().enumerate() {
            if child.ty() == e.ty() {
                v.push(Edit::ExprChild(n, c));
            }
        }
    }
    v
}

fn flatten<'a>(b: &'a [Stmt], out: &mut Vec<&'a Stmt>) {
    for s in b {
        out.push(s);
        match s {
            Stmt::If { then, els, .. } => {
                flatten(then, out);
                if let Some(e) = els {
                    flatten(e, out);
                }
            }
            Stmt::For { body, .. } => flatten(body, out),
            _ => {}
        }
    }
}

fn count(s: &Stmt) -> usize {
    1 + match s {
        Stmt::If { then, els, .. } => {
            then.iter().map(count).sum::<usize>() + els.iter().flatten().map(count).sum::<usize>()
        }
        Stmt::For { body, .. } => body.iter().map(count).sum(),
        _ => 0,
    }
}

/// The block holding statement `n` (pre-order) and its index there.
fn find<'a>(block: &'a mut Vec<Stmt>, base: &mut usize, n: usize) -> Option<(&'a mut Vec<Stmt>, usize)> {
    let mut at = None;
    for (i, s) in block.iter().enumerate() {
        let c = count(s);
        if n < *base + c {
            at = Some(i);
            break;
        }
        *base += c;
    }
    let i = at?;
    if *base == n {
        return Some((block, i));
    }
    *base += 1;
    match &mut block[i] {
        Stmt::If { then, els, .. } => {
            let in_then: usize = then.iter().map(count).sum();
            if n < *base + in_then {
                find(then, base, n)
            } else {
                *base += in_then;
                find(els.as_mut()?, base, n)
            }
        }
        Stmt::For { body, .. } => find(body, base, n),
        _ => None,
    }
}

fn with_stmt(p: &Program, n: usize, f: impl FnOnce(&mut Vec<Stmt>, usize) -> bool) -> Option<Program> {
    let mut c = p.clone();
    let mut base = 0;
    for func in &mut c.functions {
        let total: usize = func.body.iter().map(count).sum();
        if n < base + total {
            let (block, i) = find(&mut func.body, &mut base, n)?;
            return f(block, i).then_some(c);
        }
        base += total;
    }
    None
}

fn block_roots<'a>(b: &'a [Stmt], out: &mut Vec<&'a Expr>) {
    for s in b {
        match s {
            Stmt::Let { value, .. } | Stmt::Assign { value, .. } | Stmt::Return(Some(value)) => {
                out.push(value)
            }
            Stmt::Call { args, .. } => out.extend(args.iter()),
            Stmt::If { cond, then, els } => {
                out.push(cond);
                block_roots(then, out);
                if let Some(e) = els {
                    block_roots(e, out);
                }
            }
            Stmt::For { body, .. } => block_roots(body, out),
            Stmt::Return(None) => {}
        }
    }
}

fn block_roots_mut<'a>(b: &'a mut [Stmt], out: &mut Vec<&'a mut Expr>) {
    for s in b {
        match s {
            Stmt::Let { value, .. } | Stmt::Assign { value, .. } | Stmt::Return(Some(value)) => {
                out.push(value)
            }
            Stmt::Call { args, .. } => out.extend(args.iter_mut()),
            Stmt::If { cond, then, els } => {
                out.push(cond);
                block_roots_mut(then, out);
                if let Some(e) = els {
                    block_roots_mut(e, out);
                }
            }
            Stmt::For { body, .. } => block_roots_mut(body, out),
            Stmt::Return(None) => {}
        }
    }
}

fn flatten_expr<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    out.push(e);
    for c in e.children() {
        flatten_expr(c, out);
    }
}

fn nth_expr<'a>(e: &'a mut Expr, n: &mut usize) -> Option<&'a mut Expr> {
    if *n == 0 {
        return Some(e);
    }
    *n -= 1;
    for c in e.children_mut() {
        if let Some(x) = nth_expr(c, n) {
            return Some(x);
        }
    }
    None
}

fn with_expr(p: &Program, n: usize, f: impl FnOnce(&mut Expr, &Expr) -> bool) -> Option<Program> {
    let mut c = p.clone();
    let zero_ptr = p.default_ptr();
    let mut roots = Vec::new();
    for func in &mut c.functions {
        block_roots_mut(&mut func.body, &mut roots);
        roots.extend(func.tail.iter_mut());
    }
    let mut k = n;
    for r in roots {
        if let Some(e) = nth_expr(r, &mut k) {
            return f(e, &zero_ptr).then_some(c);
        }
    }
    None
}

/// The simplest value of `ty`.
fn zero(ty: Ty, zero_ptr: &Expr) -> Expr {
    match ty {
        Ty::Ptr => zero_ptr.clone(),
        t if t.is_float() => Expr::Float(0.0, t),
        t => Expr::Int(0, t),
    }
}

fn apply(p: &Program, edit: Edit) -> Option<Program> {
    match edit {
        Edit::DropFn(k) => {
            let mut c = p.clone();
            let name = c.functions.remove(k).name;
            let zp = p.default_ptr();
            for f in &mut c.functions {
                purge_block(&mut f.body, &name, &zp);
                if let Some(t) = &mut f.tail {
                    purge_expr(t, &name, &zp);
                }
            }
            c.split_at = c.split_at.map(|s| if k < s { s - 1 } else { s }).filter(|&s| s < c.functions.len());
            Some(c)
        }
        Edit::DropStatic(k) => {
            let mut c = p.clone();
            c.statics.remove(k);
            Some(c)
        }
        Edit::DropStmt(n) => with_stmt(p, n, |b, i| {
            b.remove(i);
            true
        }),
        Edit::InlineThen(n) | Edit::InlineElse(n) => with_stmt(p, n, |b, i| {
            let Stmt::If { then, els, .. } = &b[i] else { return false };
            let inner = if matches!(edit, Edit::InlineThen(_)) {
                then.clone()
            } else {
                els.clone().unwrap_or_default()
            };
            // A return in the middle of a block would leave dead statements after it.
            if inner.iter().any(|s| matches!(s, Stmt::Return(_))) {
                return false;
            }
            b.splice(i..=i, inner);
            true
        }),
        Edit::DropElse(n) => with_stmt(p, n, |b, i| match &mut b[i] {
            Stmt::If { els, .. } => els.take().is_some(),
            _ => false,
        }),
        Edit::LowerLoop(n) => with_stmt(p, n, |b, i| match &mut b[i] {
            Stmt::For { lo, hi, .. } if *hi > *lo => {
                let half = *lo + (*hi - *lo) / 2;
                *hi = if half < *hi { half } else { *hi - 1 };
                true
            }
            _ => false,
        }),
        Edit::LoopToBlock(n) => with_stmt(p, n, |b, i| {
            let Stmt::For { var, ty, lo, body, .. } = &b[i] else { return false };
            // `if 1 { let VAR = LO; BODY }`: one iteration, in a block of its own as the loop's was.
            let mut then = vec![Stmt::Let {
                name: var.clone(),
                mutable: false,
                ty: *ty,
                annotate: true,
                value: Expr::Int(*lo, *ty),
            }];
            then.extend(body.iter().cloned());
            b[i] = Stmt::If { cond: Expr::Int(1, Ty::I32), then, els: None };
            true
        }),
        Edit::ExprLit(n) => with_expr(p, n, |e, zp| {
            let z = zero(e.ty(), zp);
            let same = match (&*e, &z) {
                (Expr::Float(a, _), Expr::Float(b, _)) => a.to_bits() == b.to_bits(),
                (a, b) => a == b,
            };
            if same || matches!((&*e, &z), (Expr::Addr(_), Expr::Addr(_))) {
                return false;
            }
            *e = z;
            true
        }),
        Edit::ExprChild(n, c) => with_expr(p, n, |e, _| {
            let Some(child) = e.children().get(c).map(|x| (*x).clone()) else { return false };
            if child.ty() != e.ty() {
                return false;
            }
            *e = child;
            true
        }),
    }
}

/// Whether a call mentions `name` (calls it, or passes its address to `X_apply_*` or `X_same_ptr`).
fn mentions(callee: &str, args: &[Expr], name: &str) -> bool {
    callee == name || args.iter().any(|a| matches!(a, Expr::Addr(n) if n == name))
}

fn purge_block(b: &mut Vec<Stmt>, name: &str, zp: &Expr) {
    b.retain(|s| !matches!(s, Stmt::Call { name: callee, args } if mentions(callee, args, name)));
    for s in b {
        match s {
            Stmt::Let { value, .. } | Stmt::Assign { value, .. } | Stmt::Return(Some(value)) => {
                purge_expr(value, name, zp)
            }
            Stmt::Call { args, .. } => args.iter_mut().for_each(|a| purge_expr(a, name, zp)),
            Stmt::If { cond, then, els } => {
                purge_expr(cond, name, zp);
                purge_block(then, name, zp);
                if let Some(e) = els {
                    purge_block(e, name, zp);
                }
            }
            Stmt::For { body, .. } => purge_block(body, name, zp),
            Stmt::Return(None) => {}
        }
    }
}

fn purge_expr(e: &mut Expr, name: &str, zp: &Expr) {
    if let Expr::Call(callee, args, ty) = e
        && mentions(callee, args, name)
    {
        *e = zero(*ty, zp);
        return;
    }
    for c in e.children_mut() {
        purge_expr(c, name, zp);
    }
}
