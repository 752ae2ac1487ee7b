//! The generator: a seed and a [`Config`](crate::Config) to a program tree (see the crate documentation for
//! what is generated, with which weights, and why it terminates and never traps).

use crate::Config;
use crate::rng::Rng;
use crate::tree::*;

/// A function's signature, decided before any body so that callers know their callees.
#[derive(Clone)]
pub(crate) struct Sig {
    pub(crate) params: Vec<Ty>,
    pub(crate) ret: Option<Ty>,
}

/// An upper bound on what running something costs: statements executed and lines printed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Cost {
    pub(crate) work: u64,
    pub(crate) lines: u64,
}

impl Cost {
    fn minus(self, o: Cost) -> Cost {
        Cost { work: self.work.saturating_sub(o.work), lines: self.lines.saturating_sub(o.lines) }
    }
    fn fits(self, o: Cost) -> bool {
        o.work <= self.work && o.lines <= self.lines
    }
}

struct Local {
    name: String,
    ty: Ty,
    mutable: bool,
}

/// The generated parts of a program, before `Program` wraps them.
pub(crate) struct Generated {
    pub(crate) statics: Vec<Static>,
    pub(crate) functions: Vec<Function>,
    pub(crate) split_at: Option<usize>,
}

struct Gen<'a> {
    rng: Rng,
    cfg: &'a Config,
    prefix: String,
    /// Value types params, locals and results may have.
    types: Vec<Ty>,
    statics: Vec<Static>,
    names: Vec<String>,
    sigs: Vec<Sig>,
    costs: Vec<Cost>,
    split_at: Option<usize>,
    // The function being generated.
    cur: usize,
    ret: Option<Ty>,
    params: Vec<(String, Ty)>,
    scopes: Vec<Vec<Local>>,
    next_local: usize,
    loop_depth: usize,
    block_depth: usize,
    budget: Cost,
}

pub(crate) fn generate(seed: u64, prefix: &str, cfg: &Config) -> Generated {
    let mut g = Gen {
        rng: Rng::new(seed),
        cfg,
        prefix: prefix.to_owned(),
        types: Vec::new(),
        statics: Vec::new(),
        names: Vec::new(),
        sigs: Vec::new(),
        costs: Vec::new(),
        split_at: None,
        cur: 0,
        ret: None,
        params: Vec::new(),
        scopes: Vec::new(),
        next_local: 0,
        loop_depth: 0,
        block_depth: 0,
        budget: Cost::default(),
    };
    g.types = INTS.to_vec();
    if cfg.floats {
        g.types.extend([Ty::F32, Ty::F64]);
    }
    g.gen_statics();
    if !g.statics.is_empty() || cfg.imports {
        g.types.push(Ty::Ptr);
    }
    let lo = cfg.min_functions.max(1);
    let n = g.rng.range(lo as i64, cfg.max_functions.max(lo) as i64) as usize;
    g.gen_sigs(n);
    if cfg.split && n >= 3 {
        g.split_at = Some(g.rng.range((n / 2).max(1) as i64, n as i64 - 1) as usize);
    }
    g.costs = vec![Cost::default(); n];
    let mut functions: Vec<Option<Function>> = vec![None; n];
    // Callees first: a caller knows what each call costs.
    for idx in (0..n).rev() {
        functions[idx] = Some(g.gen_function(idx));
    }
    Generated {
        statics: g.statics,
        functions: functions.into_iter().flatten().collect(),
        split_at: g.split_at,
    }
}

impl Gen<'_> {
    fn in_lib(&self) -> bool {
        self.split_at.is_some_and(|s| self.cur >= s)
    }

    /// A library prefix; `s_`'s state is never touched from the functions a split moves into a shared library,
    /// since that library and the program each link their own copy of the static `lwsim_st`.
    fn lib_prefix(&mut self, stateful: bool) -> &'static str {
        let options: &[&'static str] =
            if stateful && self.in_lib() { &["d_", "r_"] } else { &["d_", "s_", "r_"] };
        options[self.rng.below(options.len() as u64) as usize]
    }

    // ---------------------------------------------------------------- statics

    fn gen_statics(&mut self) {
        if !self.cfg.statics {
            return;
        }
        let n = self.rng.range(1, self.cfg.max_statics.max(1) as i64) as usize;
        let names: Vec<String> = (0..n).map(|i| format!("{}s{i}", self.prefix)).collect();
        for name in &names {
            let mutable = self.rng.chance(50);
            let public = self.rng.chance(40);
            let init = if self.rng.chance(70) {
                let ty = *self.rng.pick(&self.scalar_static_types());
                let c = self.const_of(ty, &names);
                StaticInit::Scalar(ty, c)
            } else {
                self.array_init(&names)
            };
            self.statics.push(Static { name: name.clone(), public, mutable, init });
        }
    }

    fn scalar_static_types(&self) -> Vec<Ty> {
        let mut t = INTS.to_vec();
        if self.cfg.floats {
            t.extend([Ty::F32, Ty::F64]);
        }
        t.push(Ty::Ptr);
        t
    }

    fn const_of(&mut self, ty: Ty, names: &[String]) -> Const {
        match ty {
            Ty::Ptr if self.rng.chance(10) => Const::Int(0),
            Ty::Ptr => Const::Addr(self.rng.pick(names).clone()),
            t if t.is_float() => Const::Float(self.float_lit(t)),
            t => Const::Int(self.int_lit(t)),
        }
    }

    fn array_init(&mut self, names: &[String]) -> StaticInit {
        let len = self.rng.range(1, 6) as usize;
        if self.rng.chance(25) {
            if self.rng.chance(60) {
                let bytes = (0..len)
                    .map(|_| *self.rng.pick(&[0u8, 1, b'"', b'\\', b'\n', b'a', b'Z', 0x7f, 0x80, 0xff]))
                    .collect();
                return StaticInit::Bytes(bytes);
            }
            let items = (0..len).map(|_| Const::Int(self.rng.range(0, 255))).collect();
            return StaticInit::List(Elem::U8, items, self.rng.chance(50));
        }
        let ty = *self.rng.pick(&self.scalar_static_types());
        if self.rng.chance(30) {
            let c = self.const_of(ty, names);
            return StaticInit::Repeat(Elem::Val(ty), c, len as u64);
        }
        let items = (0..len).map(|_| self.const_of(ty, names)).collect();
        StaticInit::List(Elem::Val(ty), items, self.rng.chance(50))
    }

    // ---------------------------------------------------------------- signatures

    fn gen_sigs(&mut self, n: usize) {
        for idx in 0..n {
            self.names.push(if idx == 0 {
                format!("{}main", self.prefix)
            } else {
                format!("{}f{idx}", self.prefix)
            });
            let sig = if idx == 0 {
                Sig { params: Vec::new(), ret: None }
            } else if self.rng.chance(15) {
                Sig { params: vec![Ty::I8], ret: Some(Ty::I8) }
            } else if self.rng.chance(12) {
                Sig { params: vec![Ty::I16], ret: Some(Ty::I16) }
            } else {
                let count = if self.rng.chance(6) { 10 } else { self.rng.range(0, 4) as usize };
                let params = (0..count).map(|_| *self.rng.pick(&self.types)).collect();
                let ret = if self.rng.chance(80) { Some(*self.rng.pick(&self.types)) } else { None };
                Sig { params, ret }
            };
            self.sigs.push(sig);
        }
    }

    // ---------------------------------------------------------------- functions

    fn gen_function(&mut self, idx: usize) -> Function {
        self.cur = idx;
        let sig = self.sigs[idx].clone();
        self.ret = sig.ret;
        self.params =
            sig.params.iter().enumerate().map(|(i, &t)| (format!("{}a{i}", self.prefix), t)).collect();
        self.next_local = 0;
        self.loop_depth = 0;
        self.block_depth = 0;
        let full = Cost { work: self.cfg.max_work, lines: self.cfg.max_lines };
        // The entry ends by printing every scalar static and every library's data.
        let finals = if idx == 0 { self.final_traces() } else { Vec::new() };
        self.budget = full.minus(Cost { work: finals.len() as u64 + 1, lines: finals.len() as u64 });
        self.scopes = vec![Vec::new()];
        let mut body = Vec::new();
        let n = self.rng.range(1, self.cfg.max_stmts.max(1) as i64 + 2);
        for _ in 0..n {
            if self.budget.work < 8 {
                break;
            }
            self.stmt(&mut body);
        }
        // A couple of the body's locals, printed, so that their values show.
        for _ in 0..2 {
            let candidates: Vec<(String, Ty)> = self.scopes[0]
                .iter()
                .filter(|l| l.ty != Ty::Ptr && self.lookup(&l.name).is_some_and(|(t, _)| t == l.ty))
                .map(|l| (l.name.clone(), l.ty))
                .collect();
            if candidates.is_empty() || self.budget.lines == 0 || !self.rng.chance(60) {
                break;
            }
            let (name, ty) = self.rng.pick(&candidates).clone();
            let p = self.lib_prefix(false);
            body.push(trace(p, Expr::Var(name, ty)));
            self.budget.lines -= 1;
        }
        body.extend(finals);
        let tail = self.ret.map(|t| {
            let d = self.cfg.expr_depth;
            self.expr(t, d)
        });
        self.scopes.clear();
        let used = full.minus(self.budget);
        self.costs[idx] = Cost { work: used.work.max(1), lines: used.lines };
        Function {
            name: self.names[idx].clone(),
            public: idx == 0 || self.rng.chance(50),
            params: self.params.clone(),
            ret: self.ret,
            body,
            tail,
        }
    }

    fn final_traces(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        for s in &self.statics {
            if let Some(t) = s.scalar().filter(|&t| t != Ty::Ptr) {
                out.push(trace(["d_", "s_", "r_"][self.rng.below(3) as usize], Expr::Var(s.name.clone(), t)));
            }
        }
        if self.cfg.imports {
            for (_, _, p) in LIBRARIES {
                for (name, ty, _) in IMPORT_STATICS {
                    out.push(trace("d_", Expr::Var(format!("{p}{name}"), ty)));
                }
            }
        }
        out
    }

    // ---------------------------------------------------------------- statements

    fn block(&mut self) -> Vec<Stmt> {
        self.block_ending(false)
    }

    /// A block; `early_return` lets it end in a `return` (15%), generated in the block's own scope.
    fn block_ending(&mut self, early_return: bool) -> Vec<Stmt> {
        self.scopes.push(Vec::new());
        self.block_depth += 1;
        let mut out = Vec::new();
        let n = self.rng.range(1, self.cfg.max_stmts.max(1) as i64);
        for _ in 0..n {
            if self.budget.work < 8 {
                break;
            }
            self.stmt(&mut out);
        }
        if early_return && self.rng.chance(15) {
            let d = self.cfg.expr_depth;
            let v = self.ret.map(|t| self.expr(t, d));
            out.push(Stmt::Return(v));
        }
        self.block_depth -= 1;
        self.scopes.pop();
        out
    }

    fn stmt(&mut self, out: &mut Vec<Stmt>) {
        self.budget.work -= 1;
        let can_if = self.block_depth < self.cfg.max_block_depth;
        let can_for =
            self.cfg.loops && self.loop_depth < self.cfg.max_loop_depth && can_if && self.budget.work >= 40;
        let weights = [30, 15, 18, 10, if can_if { 12 } else { 0 }, if can_for { 9 } else { 0 }];
        let d = self.cfg.expr_depth;
        match self.rng.weighted(&weights) {
            0 => self.let_stmt(out),
            1 => match self.assign_target() {
                Some((name, ty)) => {
                    let value = self.expr(ty, d);
                    out.push(Stmt::Assign { name, value });
                }
                None => self.let_stmt(out),
            },
            2 => self.trace_stmt(out),
            3 => self.call_stmt(out),
            4 => self.if_stmt(out),
            _ => self.for_stmt(out),
        }
    }

    fn let_stmt(&mut self, out: &mut Vec<Stmt>) {
        let ty = *self.rng.pick(&self.types);
        let d = self.cfg.expr_depth;
        let value = if self.rng.chance(25) {
            self.call_expr(ty, d).unwrap_or_else(|| self.expr(ty, d))
        } else {
            self.expr(ty, d)
        };
        let is_call = matches!(value, Expr::Call(..));
        // Shadowing: now and then a name already in scope (a local or a parameter), with a new type perhaps.
        let mut visible: Vec<String> = self.scopes.iter().flatten().map(|l| l.name.clone()).collect();
        visible.extend(self.params.iter().map(|p| p.0.clone()));
        let name = if !visible.is_empty() && self.rng.chance(20) {
            self.rng.pick(&visible).clone()
        } else {
            self.next_local += 1;
            format!("{}l{}", self.prefix, self.next_local)
        };
        let mutable = self.rng.chance(45);
        let annotate = self.rng.chance(50);
        out.push(Stmt::Let { name: name.clone(), mutable, ty, annotate, value });
        self.scopes.last_mut().expect("a scope").push(Local { name: name.clone(), ty, mutable });
        if ty != Ty::Ptr && self.budget.lines > 0 && self.rng.chance(if is_call { 75 } else { 30 }) {
            let p = self.lib_prefix(false);
            out.push(trace(p, Expr::Var(name, ty)));
            self.budget.lines -= 1;
        }
    }

    fn assign_target(&mut self) -> Option<(String, Ty)> {
        let mut targets: Vec<(String, Ty)> =
            self.scopes.iter().flatten().filter(|l| l.mutable).map(|l| (l.name.clone(), l.ty)).collect();
        // A shadowed mutable local is not assignable under its name: keep only the innermost binding.
        targets.retain(|(n, t)| self.lookup(n).is_some_and(|(ty, m)| ty == *t && m));
        for s in &self.statics {
            if let (true, Some(t)) = (s.mutable, s.scalar()) {
                targets.push((s.name.clone(), t));
            }
        }
        if self.cfg.imports && self.rng.chance(30) {
            let p = self.lib_prefix(true);
            let (name, ty, _) = *self.rng.pick(&IMPORT_STATICS[..2]);
            targets.push((format!("{p}{name}"), ty));
        }
        if targets.is_empty() {
            return None;
        }
        Some(self.rng.pick(&targets).clone())
    }

    /// The innermost binding of `name`: type and mutability.
    fn lookup(&self, name: &str) -> Option<(Ty, bool)> {
        for scope in self.scopes.iter().rev() {
            if let Some(l) = scope.iter().rev().find(|l| l.name == name) {
                return Some((l.ty, l.mutable));
            }
        }
        self.params.iter().find(|p| p.0 == name).map(|p| (p.1, false))
    }

    fn trace_stmt(&mut self, out: &mut Vec<Stmt>) {
        if self.budget.lines == 0 {
            return self.let_stmt(out);
        }
        self.budget.lines -= 1;
        let numeric: Vec<Ty> = self.types.iter().copied().filter(|&t| t != Ty::Ptr).collect();
        let ty = *self.rng.pick(&numeric);
        let d = self.cfg.expr_depth;
        let value = self.expr(ty, d);
        let p = self.lib_prefix(false);
        out.push(trace(p, value));
    }

    fn call_stmt(&mut self, out: &mut Vec<Stmt>) {
        let d = self.cfg.expr_depth;
        if self.rng.chance(60) {
            let callees: Vec<usize> =
                (self.cur + 1..self.sigs.len()).filter(|&j| self.budget.fits(self.costs[j])).collect();
            if !callees.is_empty() {
                let j = *self.rng.pick(&callees);
                self.budget = self.budget.minus(self.costs[j]);
                let args = self.args(&self.sigs[j].params.clone(), d);
                out.push(Stmt::Call { name: self.names[j].clone(), args });
                return;
            }
        }
        if self.cfg.imports {
            let ty = *self.rng.pick(&self.types);
            if let Some(Expr::Call(name, args, _)) = self.import_call(ty, d) {
                out.push(Stmt::Call { name, args });
                return;
            }
        }
        self.trace_stmt(out)
    }

    fn if_stmt(&mut self, out: &mut Vec<Stmt>) {
        let s = self.if_chain(0);
        out.push(s);
    }

    fn if_chain(&mut self, depth: usize) -> Stmt {
        let d = self.cfg.expr_depth;
        let cond = if self.rng.chance(70) {
            self.comparison(d)
        } else {
            let t = *self.rng.pick(&INTS);
            self.expr(t, d)
        };
        let saved = self.budget;
        let then = self.branch();
        let used_then = saved.minus(self.budget);
        self.budget = saved;
        let els = if self.rng.chance(50) {
            if depth < 3 && self.rng.chance(40) {
                self.block_depth += 1;
                let s = self.if_chain(depth + 1);
                self.block_depth -= 1;
                Some(vec![s])
            } else {
                Some(self.branch())
            }
        } else {
            None
        };
        let used_else = saved.minus(self.budget);
        // Only one branch runs.
        self.budget = saved.minus(Cost {
            work: used_then.work.max(used_else.work),
            lines: used_then.lines.max(used_else.lines),
        });
        Stmt::If { cond, then, els }
    }

    /// A branch of an `if`: a block, sometimes ending in an early return.
    fn branch(&mut self) -> Vec<Stmt> {
        self.block_ending(true)
    }

    fn for_stmt(&mut self, out: &mut Vec<Stmt>) {
        let max_trips = self.cfg.max_trips.max(0).min((self.budget.work / 12) as i64);
        let trips = self.rng.range(0, max_trips);
        let ty = if self.rng.chance(70) { Ty::I32 } else { *self.rng.pick(&INTS) };
        let lo = self.rng.range(-3, 3);
        let hi = if self.rng.chance(5) { lo - self.rng.range(0, 2) } else { lo + trips };
        let runs = (hi - lo).max(0) as u64;
        let outer = self.budget;
        // A loop that never runs costs nothing; its body still gets a modest budget.
        let inner = match (outer.work.checked_div(runs), outer.lines.checked_div(runs)) {
            (Some(work), Some(lines)) => Cost { work, lines },
            _ => Cost { work: outer.work.min(60), lines: outer.lines },
        };
        self.budget = inner;
        self.next_local += 1;
        let var = format!("{}i{}", self.prefix, self.next_local);
        self.scopes.push(vec![Local { name: var.clone(), ty, mutable: false }]);
        self.loop_depth += 1;
        let body = self.block();
        self.loop_depth -= 1;
        self.scopes.pop();
        let used = inner.minus(self.budget);
        self.budget = outer.minus(Cost { work: used.work * runs, lines: used.lines * runs });
        out.push(Stmt::For { var, ty, lo, hi, body });
    }

    // ---------------------------------------------------------------- expressions

    fn args(&mut self, params: &[Ty], depth: u32) -> Vec<Expr> {
        params.iter().map(|&t| self.expr(t, depth.saturating_sub(1))).collect()
    }

    fn expr(&mut self, ty: Ty, depth: u32) -> Expr {
        if depth == 0 || self.rng.chance(22) {
            return self.leaf(ty);
        }
        let d = depth - 1;
        if ty == Ty::Ptr {
            return match self.rng.weighted(&[60, 15, 25]) {
                0 => self.leaf(ty),
                1 => Expr::Cast(Box::new(self.expr(Ty::Ptr, d)), Ty::Ptr),
                _ => self.call_expr(ty, depth).unwrap_or_else(|| self.leaf(ty)),
            };
        }
        if ty.is_float() {
            return match self.rng.weighted(&[34, 8, 18, 14, 6, 10]) {
                0 => {
                    let op = *self.rng.pick(&[BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div]);
                    let l = self.expr(ty, d);
                    let r = self.expr(ty, d);
                    Expr::Bin(op, Box::new(l), Box::new(r), ty)
                }
                1 => Expr::Unary(UnOp::Neg, Box::new(self.expr(ty, d)), ty),
                2 => self.cast_to(ty, d),
                3 => self.call_expr(ty, depth).unwrap_or_else(|| self.leaf(ty)),
                4 => self.special_float(ty),
                _ => self.leaf(ty),
            };
        }
        let cmp = if ty == Ty::I32 { 10 } else { 0 };
        match self.rng.weighted(&[30, 9, 8, 12, cmp, 10, 14, 4]) {
            0 => {
                let op =
                    *self.rng.pick(&[BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::And, BinOp::Or, BinOp::Xor]);
                let l = self.expr(ty, d);
                let r = self.expr(ty, d);
                Expr::Bin(op, Box::new(l), Box::new(r), ty)
            }
            1 => {
                let op = *self.rng.pick(&[BinOp::Shl, BinOp::Shr]);
                let l = self.expr(ty, d);
                let r =
                    if self.rng.chance(55) { Expr::Int(self.shift_amount(ty), ty) } else { self.expr(ty, d) };
                Expr::Bin(op, Box::new(l), Box::new(r), ty)
            }
            2 => {
                let op = *self.rng.pick(&[UnOp::Neg, UnOp::Not]);
                Expr::Unary(op, Box::new(self.expr(ty, d)), ty)
            }
            3 => self.cast_to(ty, d),
            4 => self.comparison(d),
            5 => self.division(ty, d),
            6 => self.call_expr(ty, depth).unwrap_or_else(|| self.leaf(ty)),
            _ => self.leaf(ty),
        }
    }

    fn shift_amount(&mut self, ty: Ty) -> i64 {
        let w = i64::from(ty.bits());
        let (_, max) = ty.int_range();
        let options: Vec<i64> = [0, 1, w - 1, w, w + 1, 2 * w, 63, 64, 65, 127, -1, -w]
            .into_iter()
            .filter(|&v| v <= max)
            .collect();
        *self.rng.pick(&options)
    }

    fn comparison(&mut self, depth: u32) -> Expr {
        let d = depth.saturating_sub(1);
        let t = *self.rng.pick(&self.types);
        let ops: &[BinOp] = if t == Ty::Ptr {
            &[BinOp::Eq, BinOp::Ne]
        } else {
            &[BinOp::Eq, BinOp::Ne, BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge]
        };
        let op = *self.rng.pick(ops);
        let l = self.expr(t, d);
        let r = self.expr(t, d);
        Expr::Bin(op, Box::new(l), Box::new(r), t)
    }

    /// `as`: every legal pair among the numeric types, and `ptr as ptr`; never between `ptr` and an integer,
    /// since an address must never be observed (docs/difftest.md).
    fn cast_to(&mut self, ty: Ty, depth: u32) -> Expr {
        let from = if ty == Ty::Ptr {
            Ty::Ptr
        } else {
            let numeric: Vec<Ty> = self.types.iter().copied().filter(|&t| t != Ty::Ptr).collect();
            *self.rng.pick(&numeric)
        };
        Expr::Cast(Box::new(self.expr(from, depth)), ty)
    }

    fn division(&mut self, ty: Ty, depth: u32) -> Expr {
        let rem = self.rng.chance(40);
        let guard = match self.rng.weighted(&[35, 35, 20, 10]) {
            0 => {
                let mut k = self.int_lit(ty);
                if k == 0 || (k == -1 && !rem) {
                    k = *self.rng.pick(&[2, 3, -2, 7, 1]);
                }
                Guard::Lit(k)
            }
            1 => Guard::Mask,
            2 => Guard::Odd,
            _ => Guard::OddByMinusOne,
        };
        let l = Box::new(self.expr(ty, depth));
        let r = match guard {
            Guard::Mask | Guard::Odd => Some(Box::new(self.expr(ty, depth))),
            _ => None,
        };
        Expr::Div { rem, guard, l, r, ty }
    }

    /// An infinity or a NaN, made by arithmetic (there are no literals for them).
    fn special_float(&mut self, ty: Ty) -> Expr {
        let f = |x: f64| Box::new(Expr::Float(x, ty));
        let inf = |s: f64| Expr::Bin(BinOp::Div, f(s), f(0.0), ty);
        match self.rng.below(4) {
            0 => inf(1.0),
            1 => inf(-1.0),
            2 => Expr::Bin(BinOp::Div, f(0.0), f(0.0), ty),
            _ => Expr::Bin(BinOp::Sub, Box::new(inf(1.0)), Box::new(inf(1.0)), ty),
        }
    }

    /// A call that yields `ty`: a later defined function or a library function.
    fn call_expr(&mut self, ty: Ty, depth: u32) -> Option<Expr> {
        let d = depth.saturating_sub(1);
        let callees: Vec<usize> = (self.cur + 1..self.sigs.len())
            .filter(|&j| {
                self.sigs[j].ret == Some(ty)
                    && self.budget.fits(Cost { work: self.costs[j].work + 1, ..self.costs[j] })
            })
            .collect();
        if !callees.is_empty() && (!self.cfg.imports || self.rng.chance(50)) {
            let j = *self.rng.pick(&callees);
            self.budget = self.budget.minus(Cost { work: self.costs[j].work + 1, ..self.costs[j] });
            let args = self.args(&self.sigs[j].params.clone(), d + 1);
            return Some(Expr::Call(self.names[j].clone(), args, ty));
        }
        if self.cfg.imports { self.import_call(ty, depth) } else { None }
    }

    fn import_call(&mut self, ty: Ty, depth: u32) -> Option<Expr> {
        let mut names: Vec<&'static str> = match ty {
            Ty::I8 => vec!["mix_i8", "ret_i8"],
            Ty::I16 => vec!["mix_i16", "ret_i16"],
            Ty::I32 => vec![
                "mix_i32",
                "widen_i8",
                "widen_i16",
                "ret_i32",
                "same_ptr",
                "same_ptr",
                "get_counter",
                "apply_i8",
                "apply_i16",
            ],
            Ty::I64 => vec!["mix_i64", "many"],
            Ty::F32 => vec!["mix_f32"],
            Ty::F64 => vec!["mix_f64"],
            Ty::Ptr => vec![],
        };
        if !self.cfg.floats {
            names.retain(|&n| n != "many");
        }
        if names.is_empty() {
            return None;
        }
        let which = *self.rng.pick(&names);
        let d = depth.saturating_sub(1);
        match which {
            "same_ptr" => {
                let (a, b) = self.same_ptr_args()?;
                let p = self.lib_prefix(false);
                Some(Expr::Call(format!("{p}same_ptr"), vec![Expr::Addr(a), Expr::Addr(b)], Ty::I32))
            }
            "apply_i8" | "apply_i16" => {
                let narrow = if which == "apply_i8" { Ty::I8 } else { Ty::I16 };
                let targets: Vec<usize> = (self.cur + 1..self.sigs.len())
                    .filter(|&j| {
                        self.sigs[j].params == [narrow]
                            && self.sigs[j].ret == Some(narrow)
                            && self.budget.fits(Cost { work: self.costs[j].work + 1, ..self.costs[j] })
                    })
                    .collect();
                if targets.is_empty() {
                    return self.import_call_plain("mix_i32", d);
                }
                let j = *self.rng.pick(&targets);
                self.budget = self.budget.minus(Cost { work: self.costs[j].work + 1, ..self.costs[j] });
                // A wide value: C narrows it to the callee's type (docs/difftest.md).
                let a = self.expr(Ty::I64, d);
                let p = self.lib_prefix(false);
                Some(Expr::Call(format!("{p}{which}"), vec![Expr::Addr(self.names[j].clone()), a], Ty::I32))
            }
            "get_counter" => {
                let p = self.lib_prefix(true);
                Some(Expr::Call(format!("{p}get_counter"), Vec::new(), Ty::I32))
            }
            _ => self.import_call_plain(which, d),
        }
    }

    fn import_call_plain(&mut self, which: &str, d: u32) -> Option<Expr> {
        let f = IMPORT_FNS.iter().find(|f| f.name == which)?;
        let p = self.lib_prefix(false);
        let params: Vec<Ty> = f.params.iter().map(|p| p.1).collect();
        let args = params.iter().map(|&t| self.expr(t, d)).collect();
        Some(Expr::Call(format!("{p}{which}"), args, f.ret?))
    }

    /// Two `&NAME`s for `X_same_ptr`: sometimes the same name twice (a static, a library's data, or a function
    /// the caller may call), otherwise two data symbols. Two different functions are never compared: a linker
    /// that folds identical code would make them equal.
    fn same_ptr_args(&mut self) -> Option<(String, String)> {
        let data = self.addressable_data();
        if self.rng.chance(35) {
            let mut one = data.clone();
            one.extend((self.cur..self.sigs.len()).map(|j| self.names[j].clone()));
            let n = self.rng.pick(&one).clone();
            return Some((n.clone(), n));
        }
        if data.is_empty() {
            return None;
        }
        Some((self.rng.pick(&data).clone(), self.rng.pick(&data).clone()))
    }

    /// Names whose address a pointer may hold: the program's statics, the libraries' data.
    fn addressable_data(&mut self) -> Vec<String> {
        let mut v: Vec<String> = self.statics.iter().map(|s| s.name.clone()).collect();
        if self.cfg.imports {
            for (_, _, p) in LIBRARIES {
                if p == "s_" && self.in_lib() {
                    continue;
                }
                v.extend(IMPORT_STATICS.iter().map(|(n, _, _)| format!("{p}{n}")));
            }
        }
        v
    }

    /// Names readable as a value of `ty`: locals (innermost binding only), parameters, scalar statics, library data.
    fn vars_of(&self, ty: Ty) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for scope in self.scopes.iter().rev() {
            for l in scope.iter().rev() {
                if seen.insert(l.name.clone()) && l.ty == ty {
                    v.push(l.name.clone());
                }
            }
        }
        for (n, t) in &self.params {
            if seen.insert(n.clone()) && *t == ty {
                v.push(n.clone());
            }
        }
        v.extend(self.statics.iter().filter(|s| s.scalar() == Some(ty)).map(|s| s.name.clone()));
        if self.cfg.imports {
            for (_, _, p) in LIBRARIES {
                if p == "s_" && self.in_lib() {
                    continue;
                }
                v.extend(IMPORT_STATICS.iter().filter(|s| s.1 == ty).map(|(n, _, _)| format!("{p}{n}")));
            }
        }
        v
    }

    fn leaf(&mut self, ty: Ty) -> Expr {
        let vars = self.vars_of(ty);
        if ty == Ty::Ptr {
            if !vars.is_empty() && self.rng.chance(40) {
                return Expr::Var(self.rng.pick(&vars).clone(), ty);
            }
            let data = self.addressable_data();
            return Expr::Addr(self.rng.pick(&data).clone());
        }
        if !vars.is_empty() && self.rng.chance(60) {
            return Expr::Var(self.rng.pick(&vars).clone(), ty);
        }
        if ty.is_float() { Expr::Float(self.float_lit(ty), ty) } else { Expr::Int(self.int_lit(ty), ty) }
    }

    /// An integer literal of `ty`, often at an edge.
    fn int_lit(&mut self, ty: Ty) -> i64 {
        let (min, max) = ty.int_range();
        let bits = ty.bits();
        match self.rng.below(12) {
            0 => 0,
            1 => 1,
            2 => -1,
            3 => min,
            4 => max,
            5 => min + 1,
            6 => max - 1,
            7 => 1i64 << self.rng.below(u64::from(bits - 1)),
            8 | 9 => self.rng.range(-10, 10),
            _ => (self.rng.next_u64() as i64) >> (64 - bits),
        }
    }

    /// A finite float literal of `ty`, often at an edge (of the type, or of a conversion to an integer).
    fn float_lit(&mut self, ty: Ty) -> f64 {
        const EDGES: [f64; 26] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -2.5,
            1.5,
            127.5,
            -128.5,
            255.0,
            32767.9,
            -32769.0,
            65535.5,
            2147483647.0,
            2147483648.0,
            -2147483649.0,
            4294967296.0,
            9.223372036854776e18,
            -9.223372036854776e18,
            1.8446744073709552e19,
            1e300,
            -1e300,
            1e-300,
            0.1,
            16777217.0,
            3.0e38,
        ];
        let x = match self.rng.below(6) {
            0..=2 => *self.rng.pick(&EDGES),
            3 => {
                let specials = if ty == Ty::F32 {
                    [f64::from(f32::MAX), f64::from(f32::MIN_POSITIVE), 1e-45, -f64::from(f32::MAX)]
                } else {
                    [f64::MAX, f64::MIN_POSITIVE, 5e-324, f64::MIN]
                };
                *self.rng.pick(&specials)
            }
            4 => self.rng.range(-1000, 1000) as f64 / 8.0,
            _ => f64::from_bits(self.rng.next_u64()),
        };
        if ty == Ty::F32 {
            let y = x as f32;
            if y.is_finite() { f64::from(y) } else { 1.25 }
        } else if x.is_finite() {
            x
        } else {
            -0.75
        }
    }
}

/// `X_trace_T(value)`.
fn trace(prefix: &str, value: Expr) -> Stmt {
    Stmt::Call { name: format!("{prefix}trace_{}", value.ty().name()), args: vec![value] }
}
