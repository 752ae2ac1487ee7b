//! The interpreter proper: each defined function flattened into a list of stack operations (so running a
//! program never recurses in Rust, however deep its calls go), and the loop that runs them with the program's
//! statics, call stack and fuel.
//!
//! Evaluation order is lower.rs's, which lowers every expression and statement in one pass: the operands of
//! a binary operator left then right, a call's arguments left to right, an assignment's value before the
//! store, a `for` loop's start then end, once, before the first test.

use crate::ops;
use crate::value::{Address, Base};
use crate::{Host, Limits, Machine, Stop, Type, Value};
use linkwise_ir::ast::BinaryOp;
use linkwise_ir::checked::{DataItem, Expr, ExprKind, FuncId, Function, Program, Stmt, SymbolDef, SymbolId};
use std::collections::HashMap;

/// How many times the host may call back into the program while a call of the host is active, nested:
/// each such call is a few Rust frames (the only recursion of the interpreter), so this bounds the Rust stack
/// whatever [`Limits::max_call_depth`] is.
const MAX_HOST_REENTRY: u32 = 64;

/// One operation of a flattened function. Expressions push their value on the value stack; statements pop.
#[derive(Clone, Copy, Debug)]
enum Op {
    /// Push a constant.
    Const(Value),
    /// Push a local.
    Local(u32),
    /// Pop into a local.
    Set(u32),
    /// Push a static's value (defined or imported).
    Load(SymbolId),
    /// Pop into a static.
    Store(SymbolId),
    /// Push `&symbol`.
    Addr(SymbolId),
    /// Pop `args` arguments (the last on top), call, and push the result if `keep`.
    Call {
        callee: SymbolId,
        args: u32,
        keep: bool,
    },
    Unary(linkwise_ir::ast::UnaryOp),
    Binary(BinaryOp),
    /// Convert the top to this type.
    Cast(Type),
    /// Drop the top.
    Pop,
    Jump(u32),
    /// Pop an integer; jump when it is zero.
    JumpIfZero(u32),
    /// Pop an integer; jump when it is not zero.
    JumpIfNonZero(u32),
    /// Leave the function, with the popped value if `true`.
    Return(bool),
    /// The end of a function with a return type, which the checker proves unreachable (lower.rs traps
    /// there, `UNREACHABLE`).
    FellOff,
}

/// A flattened function.
struct Code {
    name: String,
    params: Vec<Type>,
    /// The initial value of every local (zeros of their types: the checker sees to it that each is set
    /// before it is read), hidden ones (a `for` loop's end) after the function's own.
    locals: Vec<Value>,
    ops: Vec<Op>,
}

/// Flattens one function.
struct Compiler {
    ops: Vec<Op>,
    locals: Vec<Value>,
}

impl Compiler {
    fn compile(program: &Program, function: &Function) -> Code {
        let symbol = program.symbol(function.symbol);
        let (params, ret) = match &symbol.def {
            SymbolDef::Fn { sig, .. } => (sig.params.clone(), sig.ret),
            _ => (Vec::new(), None),
        };
        let locals = function.locals.iter().map(|l| Value::zero(l.ty)).collect();
        let mut c = Compiler { ops: Vec::new(), locals };
        c.stmts(&function.body);
        c.ops.push(if ret.is_none() { Op::Return(false) } else { Op::FellOff });
        Code { name: symbol.name.clone(), params, locals: c.locals, ops: c.ops }
    }

    fn here(&self) -> u32 {
        self.ops.len() as u32
    }

    /// Sets the target of the jump at `at` to the current position.
    fn patch(&mut self, at: u32) {
        let here = self.here();
        match &mut self.ops[at as usize] {
            Op::Jump(to) | Op::JumpIfZero(to) | Op::JumpIfNonZero(to) => *to = here,
            _ => unreachable!("only jumps are patched"),
        }
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for stmt in stmts {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Set(local, value) => {
                self.expr(value);
                self.ops.push(Op::Set(local.0));
            }
            Stmt::Store(symbol, value) => {
                self.expr(value);
                self.ops.push(Op::Store(*symbol));
            }
            Stmt::Return(value) => {
                if let Some(v) = value {
                    self.expr(v);
                }
                self.ops.push(Op::Return(value.is_some()));
            }
            Stmt::Call(callee, args) => self.call(*callee, args, false),
            Stmt::Expr(e) => {
                self.expr(e);
                self.ops.push(Op::Pop);
            }
            Stmt::If { cond, then, otherwise } => {
                self.expr(cond);
                let to_else = self.here();
                self.ops.push(Op::JumpIfZero(0));
                self.stmts(then);
                let to_end = self.here();
                self.ops.push(Op::Jump(0));
                self.patch(to_else);
                self.stmts(otherwise);
                self.patch(to_end);
            }
            Stmt::For { var, start, end, body } => {
                // lower.rs: start, then end, each once; the counter starts at `start`; each test is a signed
                // `counter >= end`; the counter steps by a wrapping 1 (it is below `end` then, so it never
                // wraps).
                let ty = start.ty;
                let end_local = self.locals.len() as u32;
                self.locals.push(Value::zero(ty));
                self.expr(start);
                self.expr(end);
                self.ops.push(Op::Set(end_local));
                self.ops.push(Op::Set(var.0));
                let header = self.here();
                self.ops.extend([Op::Local(var.0), Op::Local(end_local), Op::Binary(BinaryOp::Ge)]);
                let to_exit = self.here();
                self.ops.push(Op::JumpIfNonZero(0));
                self.stmts(body);
                self.ops.extend([
                    Op::Local(var.0),
                    Op::Const(Value::from_int(ty, 1)),
                    Op::Binary(BinaryOp::Add),
                    Op::Set(var.0),
                    Op::Jump(header),
                ]);
                self.patch(to_exit);
            }
        }
    }

    fn call(&mut self, callee: SymbolId, args: &[Expr], keep: bool) {
        for arg in args {
            self.expr(arg);
        }
        self.ops.push(Op::Call { callee, args: args.len() as u32, keep });
    }

    /// Recursion bounded by the parser's nesting limit (docs/ir.md "Limits"), as in the checker and lowering.
    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(n) => self.ops.push(Op::Const(Value::from_int(e.ty, *n))),
            // The checker has already rounded an `f32` constant to `f32`, so this conversion is exact.
            ExprKind::Float(x) if e.ty == Type::F32 => self.ops.push(Op::Const(Value::F32(*x as f32))),
            ExprKind::Float(x) => self.ops.push(Op::Const(Value::F64(*x))),
            ExprKind::Local(local) => self.ops.push(Op::Local(local.0)),
            ExprKind::Load(symbol) => self.ops.push(Op::Load(*symbol)),
            ExprKind::Addr(symbol) => self.ops.push(Op::Addr(*symbol)),
            ExprKind::Call(callee, args) => self.call(*callee, args, true),
            ExprKind::Unary(op, operand) => {
                self.expr(operand);
                self.ops.push(Op::Unary(*op));
            }
            ExprKind::Binary(op, l, r) => {
                self.expr(l);
                self.expr(r);
                self.ops.push(Op::Binary(*op));
            }
            ExprKind::Cast(operand) => {
                self.expr(operand);
                self.ops.push(Op::Cast(e.ty));
            }
        }
    }
}

/// An active call of a defined function.
struct Frame {
    func: usize,
    pc: usize,
    /// Where its locals start in [`Interp::locals`].
    base: usize,
    /// Whether the caller keeps the result (a call expression) or drops it (a call statement).
    keep: bool,
}

/// A program being run: its flattened functions and its state.
pub(crate) struct Interp<'p> {
    program: &'p Program,
    code: Vec<Code>,
    /// For each symbol, the one its address is: itself, or for an import the first import of its link name
    /// (two declarations of one import are one object symbol, emit/mod.rs).
    canonical: Vec<SymbolId>,
    /// For each symbol, whether it occupies no bytes (`""`, `[i32; 0]`): its address may be its neighbour's.
    zero_sized: Vec<bool>,
    /// The current value of each defined static read or written so far (a static's initializer is decoded
    /// the first time: arrays are never read by name, so only their addresses matter).
    statics: HashMap<SymbolId, Value>,
    values: Vec<Value>,
    locals: Vec<Value>,
    fuel: u64,
    max_depth: u32,
    depth: u32,
    reentry: u32,
}

impl<'p> Interp<'p> {
    pub(crate) fn new(program: &'p Program, limits: Limits) -> Interp<'p> {
        let code = program.functions.iter().map(|f| Compiler::compile(program, f)).collect();
        let mut first_import: HashMap<&str, SymbolId> = HashMap::new();
        let canonical = program
            .symbols()
            .map(|(id, s)| match s.def {
                SymbolDef::ImportFn { .. } | SymbolDef::ImportStatic { .. } => {
                    *first_import.entry(s.link_name.as_str()).or_insert(id)
                }
                _ => id,
            })
            .collect();
        let zero_sized = program
            .symbols
            .iter()
            .map(|s| match &s.def {
                SymbolDef::Str { bytes } => bytes.is_empty(),
                SymbolDef::Static { data, .. } => data.items.iter().all(empty_item),
                _ => false,
            })
            .collect();
        Interp {
            program,
            code,
            canonical,
            zero_sized,
            statics: HashMap::new(),
            values: Vec::new(),
            locals: Vec::new(),
            fuel: limits.fuel,
            max_depth: limits.max_call_depth,
            depth: 0,
            reentry: 0,
        }
    }

    pub(crate) fn run(
        &mut self,
        host: &mut dyn Host,
        entry: &str,
        args: &[Value],
    ) -> Result<Option<Value>, Stop> {
        let found = self.program.symbols().find_map(|(_, s)| match &s.def {
            SymbolDef::Fn { body, .. } if s.name == entry => Some(*body),
            _ => None,
        });
        let Some(body) = found else {
            return Err(Stop::Unsupported(format!("no defined function `{entry}`")));
        };
        self.invoke(host, body, args)
    }

    fn address(&self, symbol: SymbolId) -> Address {
        Address::symbol(self.canonical[symbol.index()])
    }

    fn name(&self, symbol: SymbolId) -> &str {
        &self.program.symbol(symbol).name
    }

    /// Calls the defined function `body` with `args` and runs until it returns.
    fn invoke(&mut self, host: &mut dyn Host, body: FuncId, args: &[Value]) -> Result<Option<Value>, Stop> {
        let code = &self.code[body.index()];
        let types: Vec<Type> = args.iter().map(|a| a.ty()).collect();
        if types != code.params {
            return Err(Stop::Unsupported(format!(
                "`{}` takes ({}), called with ({})",
                code.name,
                list(&code.params),
                list(&types)
            )));
        }
        let mut frames = Vec::new();
        let stack_base = self.values.len();
        self.values.extend_from_slice(args);
        self.enter(&mut frames, body.index(), args.len(), true)?;
        let result = self.execute(host, &mut frames);
        // On a stop the frames of this invocation are abandoned: their locals and values go too, so that a
        // host that goes on after a failed callback finds the machine as it was.
        while let Some(frame) = frames.pop() {
            self.locals.truncate(frame.base);
            self.depth -= 1;
        }
        self.values.truncate(stack_base);
        result
    }

    /// Starts a call of function `func`, whose `args` arguments are on top of the value stack.
    fn enter(&mut self, frames: &mut Vec<Frame>, func: usize, args: usize, keep: bool) -> Result<(), Stop> {
        if self.depth >= self.max_depth {
            return Err(Stop::TooDeep);
        }
        self.depth += 1;
        let base = self.locals.len();
        self.locals.extend_from_slice(&self.code[func].locals);
        let first = self.values.len() - args;
        self.locals[base..base + args].copy_from_slice(&self.values[first..]);
        self.values.truncate(first);
        frames.push(Frame { func, pc: 0, base, keep });
        Ok(())
    }

    fn pop(&mut self) -> Result<Value, Stop> {
        self.values.pop().ok_or_else(|| Stop::Unsupported("internal: value stack underflow".to_owned()))
    }

    fn execute(&mut self, host: &mut dyn Host, frames: &mut Vec<Frame>) -> Result<Option<Value>, Stop> {
        loop {
            let Some(frame) = frames.last_mut() else {
                return Err(Stop::Unsupported("internal: no active call".to_owned()));
            };
            let (func, base) = (frame.func, frame.base);
            let Some(&op) = self.code[func].ops.get(frame.pc) else {
                return Err(Stop::Unsupported("internal: ran past a function's end".to_owned()));
            };
            frame.pc += 1;
            if self.fuel == 0 {
                return Err(Stop::OutOfFuel);
            }
            self.fuel -= 1;
            let fault = |f: ops::Fault, code: &[Code]| f.stop(&code[func].name);
            match op {
                Op::Const(v) => self.values.push(v),
                Op::Local(i) => self.values.push(self.locals[base + i as usize]),
                Op::Set(i) => {
                    let v = self.pop()?;
                    self.locals[base + i as usize] = v;
                }
                Op::Load(symbol) => {
                    let v = self.load(host, symbol)?;
                    self.values.push(v);
                }
                Op::Store(symbol) => {
                    let v = self.pop()?;
                    self.store(host, symbol, v)?;
                }
                Op::Addr(symbol) => self.values.push(Value::Ptr(self.address(symbol))),
                Op::Call { callee, args, keep } => {
                    let args = args as usize;
                    match &self.program.symbol(callee).def {
                        SymbolDef::Fn { body, .. } => self.enter(frames, body.index(), args, keep)?,
                        SymbolDef::ImportFn { sig, .. } => {
                            let first = self.values.len() - args;
                            let argv: Vec<Value> = self.values.drain(first..).collect();
                            let ret = sig.ret;
                            let result = self.call_host(host, callee, &argv)?;
                            let result = check_result(self.name(callee), ret, result)?;
                            if let (true, Some(v)) = (keep, result) {
                                self.values.push(v);
                            }
                        }
                        _ => {
                            let what = format!("call of `{}`, which is not a function", self.name(callee));
                            return Err(Stop::Unsupported(what));
                        }
                    }
                }
                Op::Unary(op) => {
                    let v = self.pop()?;
                    let r = ops::unary(op, v).map_err(|f| fault(f, &self.code))?;
                    self.values.push(r);
                }
                Op::Binary(op) => {
                    let b = self.pop()?;
                    let a = self.pop()?;
                    let r = match (op, a, b) {
                        (BinaryOp::Eq | BinaryOp::Ne, Value::Ptr(a), Value::Ptr(b)) => {
                            let same = self.same_address(a, b)?;
                            Value::I32((same == (op == BinaryOp::Eq)) as i32)
                        }
                        (_, Value::Ptr(_), _) | (_, _, Value::Ptr(_)) => {
                            let what = format!("address observed: `{}` on addresses", op.as_str());
                            return Err(Stop::Unsupported(what));
                        }
                        _ => ops::binary(op, a, b).map_err(|f| fault(f, &self.code))?,
                    };
                    self.values.push(r);
                }
                Op::Cast(to) => {
                    let v = self.pop()?;
                    if let (Value::Ptr(p @ Address(Base::Symbol { .. })), true) = (v, to.is_int()) {
                        let what = format!("address observed: `{}` cast to `{to}`", self.describe(p));
                        return Err(Stop::Unsupported(what));
                    }
                    let r = ops::cast(v, to).map_err(|f| fault(f, &self.code))?;
                    self.values.push(r);
                }
                Op::Pop => {
                    self.pop()?;
                }
                Op::Jump(to) => jump(frames, to),
                Op::JumpIfZero(to) | Op::JumpIfNonZero(to) => {
                    let v = self.pop()?;
                    let Some(n) = v.as_i64() else {
                        return Err(Stop::Unsupported(format!("a condition of type `{}`", v.ty())));
                    };
                    if (n == 0) == matches!(op, Op::JumpIfZero(_)) {
                        jump(frames, to);
                    }
                }
                Op::Return(has_value) => {
                    let value = if has_value { Some(self.pop()?) } else { None };
                    let Some(frame) = frames.pop() else {
                        return Err(Stop::Unsupported("internal: no active call".to_owned()));
                    };
                    self.locals.truncate(frame.base);
                    self.depth -= 1;
                    if frames.is_empty() {
                        return Ok(value);
                    }
                    if let (true, Some(v)) = (frame.keep, value) {
                        self.values.push(v);
                    }
                }
                Op::FellOff => {
                    let what =
                        format!("`{}` reached its end without returning a value", self.code[func].name);
                    return Err(Stop::Unsupported(what));
                }
            }
        }
    }

    fn call_host(
        &mut self,
        host: &mut dyn Host,
        callee: SymbolId,
        args: &[Value],
    ) -> Result<Option<Value>, Stop> {
        let name = self.program.symbol(callee).link_name.clone();
        host.call(&name, args, self)
    }

    fn load(&mut self, host: &mut dyn Host, symbol: SymbolId) -> Result<Value, Stop> {
        let s = self.program.symbol(symbol);
        match &s.def {
            SymbolDef::ImportStatic { ty, .. } => {
                let v = host.load(&s.link_name, *ty)?;
                check_result(&s.name, Some(*ty), Some(v)).map(|v| v.unwrap_or(Value::zero(*ty)))
            }
            SymbolDef::Static { .. } => self.static_value(symbol),
            _ => Err(Stop::Unsupported(format!("the value of `{}`, which is not a static", s.name))),
        }
    }

    fn store(&mut self, host: &mut dyn Host, symbol: SymbolId, value: Value) -> Result<(), Stop> {
        let s = self.program.symbol(symbol);
        match &s.def {
            SymbolDef::ImportStatic { .. } => host.store(&s.link_name, value),
            SymbolDef::Static { .. } => {
                let current = self.static_value(symbol)?;
                if current.ty() != value.ty() {
                    let what = format!("`{}` of type `{}` set to a `{}`", s.name, current.ty(), value.ty());
                    return Err(Stop::Unsupported(what));
                }
                self.statics.insert(symbol, value);
                Ok(())
            }
            _ => Err(Stop::Unsupported(format!("a store into `{}`, which is not a static", s.name))),
        }
    }

    /// The current value of the single-value defined static `symbol`: its initializer until it is first
    /// written.
    fn static_value(&mut self, symbol: SymbolId) -> Result<Value, Stop> {
        if let Some(&v) = self.statics.get(&symbol) {
            return Ok(v);
        }
        let s = self.program.symbol(symbol);
        let SymbolDef::Static { data, .. } = &s.def else {
            return Err(Stop::Unsupported(format!("`{}` is not a defined static", s.name)));
        };
        let mut item = data.items.first();
        while let Some(DataItem::Repeat { items, count }) = item {
            item = if *count == 0 { None } else { items.first() };
        }
        let v = match item {
            Some(DataItem::Int { ty, value }) => Value::from_int(*ty, *value),
            Some(DataItem::F32(bits)) => Value::F32(f32::from_bits(*bits)),
            Some(DataItem::F64(bits)) => Value::F64(f64::from_bits(*bits)),
            Some(DataItem::Addr(index)) => match data.relocs.get(*index) {
                Some(reloc) => Value::Ptr(self.address(reloc.target)),
                None => return Err(Stop::Unsupported(format!("`{}`: an address without a target", s.name))),
            },
            _ => return Err(Stop::Unsupported(format!("`{}` has no single value", s.name))),
        };
        self.statics.insert(symbol, v);
        Ok(v)
    }
}

/// Continues the active call at `to`.
fn jump(frames: &mut [Frame], to: u32) {
    if let Some(frame) = frames.last_mut() {
        frame.pc = to as usize;
    }
}

/// Whether a static's initializer item lays out no bytes.
fn empty_item(item: &DataItem) -> bool {
    match item {
        DataItem::Bytes(b) => b.is_empty(),
        DataItem::Repeat { items, count } => *count == 0 || items.iter().all(empty_item),
        _ => false,
    }
}

/// `result` of a call of `name` (or a load), checked against the declared type `ret`.
fn check_result(name: &str, ret: Option<Type>, result: Option<Value>) -> Result<Option<Value>, Stop> {
    match (ret, result) {
        (None, None) => Ok(None),
        (Some(t), Some(v)) if v.ty() == t => Ok(Some(v)),
        (ret, result) => Err(Stop::Unsupported(format!(
            "`{name}` is declared to give {}, the host gave {}",
            ret.map_or("nothing".to_owned(), |t| format!("`{t}`")),
            result.map_or("nothing".to_owned(), |v| format!("`{}`", v.ty()))
        ))),
    }
}

fn list(types: &[Type]) -> String {
    types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
}

impl Machine for Interp<'_> {
    fn call(
        &mut self,
        host: &mut dyn Host,
        function: Address,
        args: &[Value],
    ) -> Result<Option<Value>, Stop> {
        let Some((symbol, 0)) = function.symbol_offset() else {
            return Err(Stop::Unsupported(format!("a call through `{}`", self.describe(function))));
        };
        match &self.program.symbol(symbol).def {
            SymbolDef::Fn { body, .. } => {
                if self.reentry >= MAX_HOST_REENTRY {
                    return Err(Stop::TooDeep);
                }
                self.reentry += 1;
                let result = self.invoke(host, *body, args);
                self.reentry -= 1;
                result
            }
            SymbolDef::ImportFn { sig, .. } => {
                let types: Vec<Type> = args.iter().map(|a| a.ty()).collect();
                if types != sig.params {
                    let name = self.name(symbol);
                    let what =
                        format!("`{name}` takes ({}), called with ({})", list(&sig.params), list(&types));
                    return Err(Stop::Unsupported(what));
                }
                if self.reentry >= MAX_HOST_REENTRY {
                    return Err(Stop::TooDeep);
                }
                let ret = sig.ret;
                self.reentry += 1;
                let result = self.call_host(host, symbol, args);
                self.reentry -= 1;
                check_result(self.name(symbol), ret, result?)
            }
            _ => {
                Err(Stop::Unsupported(format!("a call through `{}`, which is data", self.describe(function))))
            }
        }
    }

    fn same_address(&self, a: Address, b: Address) -> Result<bool, Stop> {
        let unknown = || {
            Err(Stop::Unsupported(format!(
                "address observed: whether `{}` and `{}` are the same address depends on the link",
                self.describe(a),
                self.describe(b)
            )))
        };
        match (a.0, b.0) {
            (Base::Number(x), Base::Number(y)) => Ok(x == y),
            // Every symbol is somewhere, never at 0.
            (Base::Number(0), Base::Symbol { .. }) | (Base::Symbol { .. }, Base::Number(0)) => Ok(false),
            (Base::Number(_), _) | (_, Base::Number(_)) => unknown(),
            (Base::Symbol { symbol: s, offset: o }, Base::Symbol { symbol: t, offset: p }) => {
                if s == t {
                    Ok(o == p)
                } else if self.zero_sized[s.index()] || self.zero_sized[t.index()] {
                    // A symbol of no bytes may sit where the next one starts (emit/mod.rs lays data out in
                    // order, each at its own alignment).
                    unknown()
                } else {
                    Ok(false)
                }
            }
        }
    }

    fn describe(&self, address: Address) -> String {
        match address.0 {
            Base::Number(n) => format!("{n} as ptr"),
            Base::Symbol { symbol, offset: 0 } => format!("&{}", self.name(symbol)),
            Base::Symbol { symbol, offset } => format!("&{} + {offset}", self.name(symbol)),
        }
    }
}
