//! Lowering: one checked function at a time into Cranelift IR, compiled to machine code with its relocations.
//!
//! How a symbol is referenced here is decided by the link plan and the relocation table, and recorded: each
//! reference gets its own Cranelift external name per (symbol, [`Purpose`]) (a call, a call through a slot,
//! an address, a data access), so every relocation Cranelift reports maps back to the IR construct that made it
//! and to the access the plan gave ([`CodeReloc`]). Whether a reference is declared `colocated` (Cranelift
//! emits a PC-relative call) or not (a pointer-slot load, then a call through the register, which `slot_call.rs`
//! then folds into x86_64's `call [rip+slot]`) is `Purpose::colocated`'s answer, beside the relocation table. Data is always reached through a pointer-slot
//! load under `is_pic`; the object writer turns that slot into `__imp_X` or relaxes the load into an address
//! computation.

use crate::Bodies;
use crate::reloc::{Purpose, SiteShape};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{
    self, AbiParam, ExtFuncData, ExternalName, FuncRef, GlobalValue, GlobalValueData, InstBuilder,
    MemFlagsData, TrapCode, UserExternalName, UserFuncName, Value, types,
};
use cranelift_codegen::isa::{CallConv, TargetIsa, unwind::UnwindInfo};
use cranelift_codegen::{Context, FinalizedRelocTarget};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use linkwise_ir::Diagnostic;
use linkwise_ir::ast::{BinaryOp, Type, UnaryOp};
use linkwise_ir::checked::{Expr, ExprKind, FnSig, Function, Program, Stmt, SymbolDef, SymbolId};
use linkwise_ir::span::Span;
use linkwise_linkage::{Access, Arch, Format, LinkPlan};
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// The namespace of the `UserFuncName` of a function being compiled (index = `SymbolId`).
const SYMBOL_NAMESPACE: u32 = 0;

/// The namespace of `UserExternalName`s of the references a function makes (index = position in its list of
/// [`Reference`]s).
const REFERENCE_NAMESPACE: u32 = 1;

/// The trap for "cannot happen": the end of a function with a return type that the checker proved unreachable.
const UNREACHABLE: TrapCode = TrapCode::unwrap_user(1);

/// A function compiled to machine code.
#[derive(Clone, Debug)]
pub struct CompiledFunction {
    /// The function's symbol.
    pub symbol: SymbolId,
    /// Its machine code, relocations not yet applied.
    pub code: Vec<u8>,
    /// Where the code refers to other symbols.
    pub relocs: Vec<CodeReloc>,
    /// Required alignment of the code, in bytes.
    pub alignment: u32,
    /// How to unwind through the function, in the form its target's unwinder reads; `None` for a function
    /// without a frame, or one whose frame the target's encoding cannot describe (then `warnings` says why;
    /// docs/codegen.md).
    pub unwind: Option<Unwind>,
    /// What the user should know about this function's code: today, why it has no unwind record although
    /// it has a frame (unwind/mod.rs). The object writer gathers them into [`crate::ObjectOutput::warnings`].
    pub warnings: Vec<Diagnostic>,
    /// With debug information (`-g`): where each stretch of the code came from, in code order: (offset of
    /// its first byte in `code`, byte offset in the source of the IR construct it was lowered from). Empty
    /// without `-g`, when lowering sets no source locations at all (so the code is the same).
    pub lines: Vec<(u32, u32)>,
}

/// Unwind information for one function.
#[derive(Clone, Debug)]
pub enum Unwind {
    /// Windows x64: the UNWIND_INFO record for `.xdata` (encoded by `unwind/windows_x64.rs`).
    WindowsX64(Vec<u8>),
    /// Windows arm64: the `.xdata` record (encoded by `unwind/windows_arm64.rs`).
    WindowsArm64(Vec<u8>),
    /// ELF and Mach-O: the call frame instructions of the function's FDE in `.eh_frame` / `__eh_frame`.
    SystemV(cranelift_codegen::isa::unwind::systemv::UnwindInfo),
}

/// One relocation as Cranelift reported it, with what lowering decided about the reference: the shape of the
/// instruction, not yet the object format's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeReloc {
    /// Offset of the relocated field from the start of the function.
    pub offset: u32,
    /// What the instruction is: a PC-relative call, a pointer-slot load, ... Lowering classifies Cranelift's
    /// relocation kind ([`SiteShape::from_cranelift`]); a rewrite of the finished code that changes the
    /// instruction changes it (`slot_call.rs`: [`SiteShape::SlotCall`]). The relocation table reads this, never
    /// Cranelift's kind.
    pub shape: SiteShape,
    /// The symbol referred to.
    pub target: SymbolId,
    /// Why the code refers to it (recorded when the reference was made).
    pub purpose: Purpose,
    /// How the link plan says the symbol is reached.
    pub access: Access,
    /// Cranelift's addend (for PC-relative fields, -4: the field's distance from the end of the instruction).
    pub addend: i64,
}

/// A reference a function's code makes, recorded when lowering asks Cranelift for it; relocations name it by
/// its index in the function's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reference {
    symbol: SymbolId,
    purpose: Purpose,
    access: Access,
}

/// Compiles every defined function of `program` for `isa`, shaping symbol references by `plan`, on `jobs`
/// threads, and hands them to `consume` one at a time in program order (the order of `program.functions`), so
/// the object is the same whatever the thread count (issue 10) and a function's code can be appended and its
/// data freed while later functions are still being compiled. `consume` sees the first error in program order
/// and stops there; the threads then stop at their next function.
///
/// One thread (or one function) compiles on the caller's thread, each function only when `consume` asks for
/// it. More threads: scoped workers take functions in order from a shared counter, each with its own
/// Cranelift [`Context`] and [`FunctionBuilderContext`] (reused across its functions: cleared, not
/// reallocated), and send them back; the caller's thread puts them back in order as it consumes them.
pub(crate) fn compile_each<R>(
    program: &Program,
    bodies: &dyn Bodies,
    plan: &LinkPlan,
    isa: &dyn TargetIsa,
    jobs: NonZeroUsize,
    debug: bool,
    consume: impl FnOnce(&mut dyn Iterator<Item = Result<CompiledFunction, Diagnostic>>) -> R,
) -> R {
    let count = bodies.count();
    let jobs = thread_count(jobs, count);
    let compile =
        |worker: &mut Worker, index: usize| worker.compile(program, bodies, plan, isa, index, debug);
    if jobs <= 1 {
        let mut worker = Worker::new();
        return consume(&mut (0..count).map(|index| compile(&mut worker, index)));
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Takes the next chunk of functions, if any is left, and compiles it.
    let take_chunk = |worker: &mut Worker| {
        let first = next.fetch_add(CHUNK, Ordering::Relaxed);
        (first < count).then(|| {
            let chunk = (first..count.min(first + CHUNK)).map(|index| compile(worker, index)).collect();
            (first, chunk)
        })
    };
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        // `jobs` threads compile: `jobs - 1` started here and the calling thread, which also writes the object
        // (`InOrder` compiles a chunk itself whenever the one it needs next is not ready), so that no more
        // threads run than were asked for.
        for _ in 1..jobs {
            let (sender, stop, take_chunk) = (sender.clone(), &stop, &take_chunk);
            let work = move || {
                let mut worker = Worker::new();
                while !stop.load(Ordering::Relaxed) {
                    let Some(chunk) = take_chunk(&mut worker) else { break };
                    // The receiver is gone once `consume` has returned: nothing more is wanted.
                    if sender.send(chunk).is_err() {
                        break;
                    }
                }
            };
            // The main thread's stack size, not a spawned thread's 2 MiB default: lowering and Cranelift recurse
            // over expressions (the parser bounds their depth, `MAX_NESTING`), and a module must compile on any
            // number of threads if it compiles on one. The deepest inputs accepted today need under 2 MiB even
            // unoptimized (and overflow 128 KiB, tests/parallel.rs); the rest is margin. Reserved, not
            // committed: it costs address space only.
            let spawned = std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(scope, work);
            // A system that gives no more threads gets the work done by those already started, and by this one.
            if spawned.is_err() {
                break;
            }
        }
        drop(sender);
        let mut own = Worker::new();
        let mut in_order = InOrder {
            receiver,
            early: HashMap::new(),
            current: Vec::new().into_iter(),
            next: 0,
            total: count,
            take_chunk: &mut |()| take_chunk(&mut own),
        };
        let result = consume(&mut in_order);
        // `consume` may stop early (an error): the workers finish the chunk they hold and stop.
        stop.store(true, Ordering::Relaxed);
        drop(in_order);
        result
    })
}

/// How many threads compile `functions` functions when `jobs` are asked for: never more than the functions,
/// nor more than [`MAX_THREADS`] (`-j 1000000` on a module of 100,000 functions would otherwise try to start
/// 100,000 threads of 8 MiB stack each, and the object is the same whatever the count).
fn thread_count(jobs: NonZeroUsize, functions: usize) -> usize {
    jobs.get().min(functions).min(MAX_THREADS)
}

/// The most threads `compile_each` starts: far more than the cores of the machines linkwise runs on (each
/// thread beyond a core only adds switching), and enough that tests can run more threads than cores.
const MAX_THREADS: usize = 256;

/// The stack of each compiling thread: 8 MiB, what Linux gives a program's main thread by default.
const WORKER_STACK: usize = 8 << 20;

/// Every function of `program` compiled on this thread, in program order (tests look at them one by one).
#[cfg(test)]
pub(crate) fn compile_all(
    program: &Program,
    plan: &LinkPlan,
    isa: &dyn TargetIsa,
) -> Result<Vec<CompiledFunction>, Diagnostic> {
    compile_each(program, program, plan, isa, NonZeroUsize::MIN, false, |functions| functions.collect())
}

/// How many consecutive functions a worker takes at a time and sends back together. One at a time, the calling
/// thread woke for every function: 16,000 context switches for 10,000 functions on two cores, and 44% more CPU
/// time than one thread (issue 10, `perf stat`). Small enough that the calling thread, writing the object,
/// never waits long for the next function.
const CHUNK: usize = 32;

/// A chunk of compiled functions: the index of the first, and each one's result.
type Chunk = (usize, Vec<Result<CompiledFunction, Diagnostic>>);

/// The compiled functions as the workers send them, chunk by chunk, given out in program order: a chunk that
/// arrives before its turn waits in `early`. (Chunks are taken in order, so only a few wait: those finished
/// while an earlier one was still compiling.) When the chunk needed next is not there, the calling thread
/// compiles the next chunk nobody has taken yet itself, and waits only when none is left.
struct InOrder<'a> {
    receiver: mpsc::Receiver<Chunk>,
    /// Chunks by the index of their first function.
    early: HashMap<usize, Vec<Result<CompiledFunction, Diagnostic>>>,
    /// What is left of the chunk being given out.
    current: std::vec::IntoIter<Result<CompiledFunction, Diagnostic>>,
    /// The index of the next function to give out.
    next: usize,
    total: usize,
    /// Takes and compiles the next chunk on this thread; `None` once every chunk is taken.
    take_chunk: &'a mut dyn FnMut(()) -> Option<Chunk>,
}

impl Iterator for InOrder<'_> {
    type Item = Result<CompiledFunction, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next == self.total {
            return None;
        }
        if let Some(compiled) = self.current.next() {
            self.next += 1;
            return Some(compiled);
        }
        let chunk = loop {
            if let Some(chunk) = self.early.remove(&self.next) {
                break chunk;
            }
            // Whatever the workers have finished, then a chunk of this thread's own, then (every chunk taken)
            // wait for the workers. Every sender gone before every function arrived means a worker panicked,
            // and the scope re-raises that panic when it joins the thread.
            let (first, chunk) = match self.receiver.try_recv() {
                Ok(chunk) => chunk,
                Err(_) => match (self.take_chunk)(()) {
                    Some(chunk) => chunk,
                    None => self.receiver.recv().ok()?,
                },
            };
            self.early.insert(first, chunk);
        };
        self.current = chunk.into_iter();
        let compiled = self.current.next()?;
        self.next += 1;
        Some(compiled)
    }
}

/// What one thread reuses from function to function: Cranelift's compilation context (the function's IR and
/// every analysis and buffer of its compilation) and the IR builder's state, cleared between functions so
/// their allocations are reused rather than freed and made again.
struct Worker {
    ctx: Context,
    builder: FunctionBuilderContext,
}

impl Worker {
    fn new() -> Worker {
        Worker { ctx: Context::new(), builder: FunctionBuilderContext::new() }
    }

    /// Lowers and compiles one function; the machine code and relocations are copied out, so nothing of the
    /// function stays in the worker but reusable capacity.
    fn compile(
        &mut self,
        program: &Program,
        bodies: &dyn Bodies,
        plan: &LinkPlan,
        isa: &dyn TargetIsa,
        index: usize,
        debug: bool,
    ) -> Result<CompiledFunction, Diagnostic> {
        // A panic (a Cranelift assertion, a lowering bug, or one while the body is parsed and checked when it is
        // streamed) becomes this function's internal error, so that it is reported in program order like any
        // other and a worker's panic cannot cut the stream of functions short: nothing a user types may panic
        // linkwise (README). The contexts are then made afresh, since the panic may have left them half-built.
        let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let function = bodies.body(index)?;
            self.ctx.clear();
            let references =
                build_function(program, plan, isa, &function, &mut self.ctx.func, &mut self.builder, debug)?;
            compile_one(program, plan, isa, function.symbol, &references, &mut self.ctx)
        }));
        compiled.unwrap_or_else(|payload| {
            *self = Worker::new();
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            // The function's symbol: the one whose body is the `index`th (looked up only on this path).
            let symbol = program.symbols().find_map(|(id, s)| match s.def {
                SymbolDef::Fn { body, .. } if body.index() == index => Some(id),
                _ => None,
            });
            Err(match symbol {
                Some(symbol) => internal(program, symbol, format!("panicked: {what}")),
                None => Diagnostic::internal(format!("while compiling function {index}: panicked: {what}")),
            })
        })
    }
}

fn internal(program: &Program, symbol: SymbolId, what: impl std::fmt::Display) -> Diagnostic {
    let name = &program.symbol(symbol).name;
    Diagnostic::internal(format!("while compiling `{name}`: {what}"))
        .primary(program.symbol(symbol).span, "in this function")
}

fn compile_one(
    program: &Program,
    plan: &LinkPlan,
    isa: &dyn TargetIsa,
    symbol: SymbolId,
    references: &[Reference],
    ctx: &mut Context,
) -> Result<CompiledFunction, Diagnostic> {
    let mut control = ControlPlane::default();
    ctx.compile(isa, &mut control).map_err(|e| internal(program, symbol, format!("{:?}", e.inner)))?;
    // Relocations name symbols through the function's table of external names, read beside the compiled code.
    let names = ctx.func.params.user_named_funcs();
    let compiled = ctx.compiled_code().ok_or_else(|| internal(program, symbol, "no compiled code"))?;
    let mut code = compiled.code_buffer().to_vec();
    let alignment = compiled.buffer.alignment.max(crate::isa::function_alignment(plan.target.arch));
    let mut relocs = Vec::new();
    for reloc in compiled.buffer.relocs() {
        let reference = match &reloc.target {
            FinalizedRelocTarget::ExternalName(ExternalName::User(r)) => {
                let name = &names[*r];
                match references.get(name.index as usize) {
                    Some(reference) if name.namespace == REFERENCE_NAMESPACE => *reference,
                    _ => {
                        return Err(internal(
                            program,
                            symbol,
                            format!("relocation against unknown name {name:?}"),
                        ));
                    }
                }
            }
            other => {
                // Lowering only ever names program symbols; a libcall or known symbol here means Cranelift
                // needed a runtime helper this IR cannot ask for.
                return Err(internal(program, symbol, format!("unexpected relocation target {other:?}")));
            }
        };
        let shape = SiteShape::from_cranelift(reloc.kind).ok_or_else(|| {
            internal(
                program,
                symbol,
                format!("Cranelift relocation {:?} has no place in linkwise's table", reloc.kind),
            )
        })?;
        relocs.push(CodeReloc {
            offset: reloc.offset,
            shape,
            target: reference.symbol,
            purpose: reference.purpose,
            access: reference.access,
            addend: reloc.addend,
        });
    }
    // Windows needs an unwind record per function with a frame; linkwise encodes it from Cranelift's prologue
    // steps (see unwind/ for why not with Cranelift's encoders). ELF and Mach-O get Cranelift's call frame
    // information, written as `.eh_frame` by the object writer. A frame the Windows encoding cannot describe
    // gets no record and a warning (unwind/mod.rs, `Undescribable`).
    let steps = &compiled.buffer.unwind_info;
    // x86_64: each `mov r, [rip+slot]; call r` becomes `call [rip+slot]` (slot_call.rs), before anything
    // that depends on the code's length or offsets is computed from it: the unwind record below comes from
    // the prologue steps, which the rewrite leaves where they are or refuses (and `.pdata`'s or the FDE's
    // length is the length of `code`, as the object writer takes it).
    // Source locations (set only with `-g`): each stretch with a location, where it starts; stretches without
    // one (Cranelift's prologue and epilogue moves, lowering's own glue) carry the line before them.
    let mut lines: Vec<(u32, u32)> = compiled
        .buffer
        .get_srclocs_sorted()
        .iter()
        .filter(|l| !l.loc.is_default() && l.start < l.end)
        .map(|l| (l.start, l.loc.bits()))
        .collect();
    if plan.target.arch == Arch::X86_64 {
        let instructions = crate::unwind::instruction_ranges(compiled);
        let last_step = steps.iter().map(|&(offset, _)| offset).max();
        let mut positions: Vec<u32> = lines.iter().map(|&(at, _)| at).collect();
        crate::slot_call::rewrite_with_positions(
            &mut code,
            &mut relocs,
            &instructions,
            last_step,
            compiled.buffer.alignment,
            &mut positions,
        )
        .map_err(|e| internal(program, symbol, format!("rewriting slot calls: {e}")))?;
        for (line, at) in lines.iter_mut().zip(positions) {
            line.0 = at;
        }
    }
    // Two stretches moved onto one offset (a load the rewrite removed): the later one is what is there now.
    lines.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 = later.1;
        }
        same
    });
    let windows = match (plan.target.format, plan.target.arch) {
        (Format::Coff, Arch::X86_64) => crate::unwind::windows_x64(steps).map(|u| u.map(Unwind::WindowsX64)),
        (Format::Coff, Arch::Aarch64) => {
            let instructions = crate::unwind::instruction_ranges(compiled);
            crate::unwind::windows_arm64(steps, &code, &instructions).map(|u| u.map(Unwind::WindowsArm64))
        }
        (Format::Elf | Format::MachO, _) => Ok(match compiled.create_unwind_info(isa) {
            Ok(Some(UnwindInfo::SystemV(info))) => Some(Unwind::SystemV(info)),
            Ok(_) => None,
            Err(e) => return Err(internal(program, symbol, format!("unwind information: {e:?}"))),
        }),
    };
    let (unwind, warnings) = match windows {
        Ok(unwind) => (unwind, Vec::new()),
        Err(e) => {
            let def = program.symbol(symbol);
            (None, vec![e.warning(&def.name, def.span, &plan.target)])
        }
    };
    Ok(CompiledFunction { symbol, code, relocs, alignment, unwind, warnings, lines })
}

/// The Cranelift type of an IR value type (pointers are 64-bit on every linkwise target).
fn cl_type(ty: Type) -> ir::Type {
    match ty {
        Type::I8 => types::I8,
        Type::I16 => types::I16,
        Type::I32 => types::I32,
        Type::I64 | Type::Ptr => types::I64,
        Type::F32 => types::F32,
        Type::F64 => types::F64,
    }
}

/// The number of integer argument registers (x0-x7) of AAPCS64, which Apple's arm64 variant keeps.
const AARCH64_INTEGER_ARGUMENT_REGISTERS: usize = 8;

/// The Cranelift signature of `sig`, the same for a definition and for every call, in either direction
/// across the C boundary.
///
/// Narrow integers (`i8`, `i16`; the IR has no unsigned value types, so always sign extension) are marked
/// `sext`, which makes Cranelift extend them on the producing side where the target's ABI asks for it: the
/// caller for arguments, the callee for return values (issue 7, defect 1; docs/codegen.md "Narrow integers
/// at calls" has the table and what clang relies on). x86_64 SysV: clang's callees read a narrow argument
/// as 32 bits (`movslq %edi`), so the caller must extend; the Darwin variant also has the callee extend
/// return values. Apple arm64: the caller extends arguments and the callee return values, to 32 bits.
/// Windows x64 and AAPCS64 (Linux, Windows arm64) leave the upper bits unspecified and the reader extends;
/// Cranelift ignores `sext` under AAPCS64, and extending on Windows x64 is harmless. Cranelift, when it
/// reads a narrow value (an incoming argument, a call's result), never relies on its upper bits, whatever
/// the marking.
///
/// One exception: Apple arm64 packs stack arguments at their natural size (an `i8` takes one byte), and
/// Cranelift stores an extended argument as a whole 8-byte word, over its neighbours; Apple does not extend
/// stack arguments (clang reads them with `ldrsb`), so those are left unmarked.
fn signature(sig: &FnSig, call_conv: CallConv) -> ir::Signature {
    let mut s = ir::Signature::new(call_conv);
    let mut integers = 0;
    for &ty in &sig.params {
        let in_register = ty.is_float() || {
            integers += 1;
            integers <= AARCH64_INTEGER_ARGUMENT_REGISTERS
        };
        s.params.push(abi_param(ty, in_register || call_conv != CallConv::AppleAarch64));
    }
    s.returns.extend(sig.ret.map(|ty| abi_param(ty, true)));
    s
}

/// One parameter or return value of type `ty`, marked for sign extension if it is narrow and `extend`.
fn abi_param(ty: Type, extend: bool) -> AbiParam {
    let param = AbiParam::new(cl_type(ty));
    match ty {
        Type::I8 | Type::I16 if extend => param.sext(),
        _ => param,
    }
}

/// `n` as the immediate of an `iconst` of type `t`, which Cranelift wants zero-extended from `t`'s width.
fn imm(t: ir::Type, n: i64) -> i64 {
    let bits = t.bits();
    if bits >= 64 { n } else { n & ((1i64 << bits) - 1) }
}

fn build_function(
    program: &Program,
    plan: &LinkPlan,
    isa: &dyn TargetIsa,
    function: &Function,
    func: &mut ir::Function,
    builder_ctx: &mut FunctionBuilderContext,
    debug: bool,
) -> Result<Vec<Reference>, Diagnostic> {
    let call_conv = isa.default_call_conv();
    let SymbolDef::Fn { sig, .. } = &program.symbol(function.symbol).def else {
        return Err(internal(program, function.symbol, "function body without a function symbol"));
    };
    // `func` was cleared (`Context::clear`): its tables keep their capacity from the previous function.
    func.name = UserFuncName::user(SYMBOL_NAMESPACE, function.symbol.0);
    func.signature = signature(sig, call_conv);
    let mut b = FunctionBuilder::new(func, builder_ctx);
    if debug {
        // The function's own line for what comes before its first statement (the parameters' definitions).
        b.set_srcloc(ir::SourceLoc::new(program.symbol(function.symbol).span.start));
    }
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let vars: Vec<Variable> = function.locals.iter().map(|l| b.declare_var(cl_type(l.ty))).collect();
    let params: Vec<Value> = b.block_params(entry).to_vec();
    for (local, value) in function.params.iter().zip(params) {
        b.def_var(vars[local.index()], value);
    }
    let mut lowering = FnLowering {
        program,
        plan,
        call_conv,
        this: function.symbol,
        b,
        vars,
        references: Vec::new(),
        funcs: HashMap::new(),
        globals: HashMap::new(),
        filled: false,
        loops: 0,
        debug,
    };
    lowering.stmts(&function.body)?;
    if !lowering.filled {
        if sig.ret.is_none() {
            lowering.b.ins().return_(&[]);
        } else {
            lowering.b.ins().trap(UNREACHABLE);
        }
    }
    lowering.b.seal_all_blocks();
    lowering.b.finalize(isa.frontend_config());
    Ok(lowering.references)
}

struct FnLowering<'a, 'f> {
    program: &'a Program,
    plan: &'a LinkPlan,
    call_conv: CallConv,
    this: SymbolId,
    b: FunctionBuilder<'f>,
    vars: Vec<Variable>,
    /// Every reference made so far; each has its own external name, so relocations map back to it.
    references: Vec<Reference>,
    funcs: HashMap<(SymbolId, Purpose), FuncRef>,
    globals: HashMap<(SymbolId, Purpose), GlobalValue>,
    /// Whether the current block already ends in a terminator (after `return`), so nothing more may be added.
    filled: bool,
    /// How many `for` loops enclose the statement being lowered.
    loops: u32,
    /// `-g`: give each instruction the source location of the construct it is lowered from.
    debug: bool,
}

impl FnLowering<'_, '_> {
    fn switch_to(&mut self, block: ir::Block) {
        self.b.switch_to_block(block);
        self.filled = false;
    }

    fn err(&self, what: impl std::fmt::Display) -> Diagnostic {
        internal(self.program, self.this, what)
    }

    /// With `-g`, the instructions made from here on come from the source at `span` (its first byte, which
    /// the object writer turns into a line). Without, nothing: no location is ever set, so the code and its
    /// buffer are exactly what they are without debug information.
    fn at(&mut self, span: Span) {
        if self.debug && span != Span::DUMMY {
            self.b.set_srcloc(ir::SourceLoc::new(span.start));
        }
    }

    /// Records a reference and gives it its own external name, so the relocations Cranelift reports for it
    /// carry its purpose and access (read from the plan once per reference) to the object writer.
    fn reference(&mut self, reference: Reference) -> ExternalName {
        let index = self.references.len() as u32;
        self.references.push(reference);
        let r = self.b.func.declare_imported_user_function(UserExternalName::new(REFERENCE_NAMESPACE, index));
        ExternalName::user(r)
    }

    /// The callee reference for a call to `symbol`: a direct PC-relative call, or a call through the symbol's
    /// slot, as [`Purpose::of_call`] says for its access.
    fn func_ref(&mut self, symbol: SymbolId) -> Result<FuncRef, Diagnostic> {
        self.function(symbol, Purpose::of_call)
    }

    /// A function reference to `symbol` for `purpose` (a call, or `&f`).
    fn function(&mut self, symbol: SymbolId, purpose: fn(Access) -> Purpose) -> Result<FuncRef, Diagnostic> {
        let access = self.plan.access(symbol);
        let purpose = purpose(access);
        if let Some(&f) = self.funcs.get(&(symbol, purpose)) {
            return Ok(f);
        }
        let sig = match &self.program.symbol(symbol).def {
            SymbolDef::ImportFn { sig, .. } | SymbolDef::Fn { sig, .. } => signature(sig, self.call_conv),
            _ => return Err(self.err(format!("call to non-function {symbol:?}"))),
        };
        let signature = self.b.import_signature(sig);
        let name = self.reference(Reference { symbol, purpose, access });
        let colocated = purpose.colocated(access);
        let f = self.b.import_function(ExtFuncData { name, signature, colocated, patchable: false });
        self.funcs.insert((symbol, purpose), f);
        Ok(f)
    }

    /// The address of the static `symbol`, to load or store its value.
    fn address(&mut self, symbol: SymbolId) -> Value {
        self.symbol_value(symbol, Purpose::Data)
    }

    /// The address of `symbol` (a static, string, or function) as the value of `&symbol`.
    fn address_of(&mut self, symbol: SymbolId) -> Result<Value, Diagnostic> {
        match &self.program.symbol(symbol).def {
            SymbolDef::ImportFn { .. } | SymbolDef::Fn { .. } => {
                let f = self.function(symbol, |_| Purpose::Address)?;
                Ok(self.b.ins().func_addr(types::I64, f))
            }
            _ => Ok(self.symbol_value(symbol, Purpose::Address)),
        }
    }

    fn symbol_value(&mut self, symbol: SymbolId, purpose: Purpose) -> Value {
        let gv = match self.globals.get(&(symbol, purpose)) {
            Some(&gv) => gv,
            None => {
                let access = self.plan.access(symbol);
                let name = self.reference(Reference { symbol, purpose, access });
                let gv = self.b.create_global_value(GlobalValueData::Symbol {
                    name,
                    offset: 0.into(),
                    colocated: purpose.colocated(access),
                    tls: false,
                });
                self.globals.insert((symbol, purpose), gv);
                gv
            }
        };
        self.b.ins().symbol_value(types::I64, gv)
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> Result<(), Diagnostic> {
        for stmt in stmts {
            if self.filled {
                // Statements after a `return` (allowed, as in Rust) get a fresh block with no predecessors.
                let dead = self.b.create_block();
                self.switch_to(dead);
                self.b.seal_block(dead);
            }
            self.stmt(stmt)?;
        }
        Ok(())
    }

    fn stmt(&mut self, stmt: &Stmt) -> Result<(), Diagnostic> {
        match stmt {
            Stmt::Set(local, value) => {
                let v = self.value(value)?;
                self.b.def_var(self.vars[local.index()], v);
            }
            Stmt::Store(symbol, value) => {
                let v = self.value(value)?;
                let addr = self.address(*symbol);
                self.b.ins().store(MemFlagsData::trusted(), v, addr, 0);
            }
            Stmt::Return(value) => {
                let values = match value {
                    Some(v) => vec![self.value(v)?],
                    None => Vec::new(),
                };
                self.b.ins().return_(&values);
                self.filled = true;
            }
            Stmt::Call(callee, args) => {
                // A call statement has no span of its own in the checked IR; its first argument is on its line
                // (without arguments the call keeps the location of the code before it; docs/codegen.md).
                self.call(*callee, args, args.first().map(|a| a.span))?;
            }
            Stmt::Expr(e) => {
                self.value(e)?;
            }
            Stmt::If { cond, then, otherwise } => {
                let c = self.value(cond)?;
                let (then_block, else_block, join) =
                    (self.b.create_block(), self.b.create_block(), self.b.create_block());
                self.b.ins().brif(c, then_block, &[], else_block, &[]);
                for (block, body) in [(then_block, then), (else_block, otherwise)] {
                    self.b.seal_block(block);
                    self.switch_to(block);
                    self.stmts(body)?;
                    if !self.filled {
                        self.b.ins().jump(join, &[]);
                    }
                }
                self.b.seal_block(join);
                self.switch_to(join);
            }
            Stmt::For { var, start, end, body } => {
                let first = self.value(start)?;
                let last = self.value(end)?;
                let counter = self.vars[var.index()];
                self.b.def_var(counter, first);
                let (header, body_block, exit) =
                    (self.b.create_block(), self.b.create_block(), self.b.create_block());
                self.b.ins().jump(header, &[]);
                self.switch_to(header);
                let i = self.b.use_var(counter);
                // The exit is the branch's first target and the body its second, not the other way round:
                // Cranelift 0.135's optimizer hoists loop-invariant values (the slot loads of calls in the
                // loop, `n * n`) only out of blocks it visits while the loop is on its stack, and it takes
                // the loop off when it visits a block outside it. The exit and the body are siblings in the
                // dominator tree; with the body as the first target the exit was visited first, and nothing
                // was hoisted (measured; docs/codegen.md "Calls in loops").
                let done = self.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, i, last);
                self.b.ins().brif(done, exit, &[], body_block, &[]);
                self.b.seal_block(body_block);
                self.switch_to(body_block);
                self.loops += 1;
                self.stmts(body)?;
                self.loops -= 1;
                if !self.filled {
                    let i = self.b.use_var(counter);
                    let next = self.b.ins().iadd_imm_s(i, 1);
                    self.b.def_var(counter, next);
                    self.b.ins().jump(header, &[]);
                }
                self.b.seal_block(header);
                self.b.seal_block(exit);
                self.switch_to(exit);
            }
        }
        Ok(())
    }

    /// The value of an expression (every checked expression has one, of type `e.ty`).
    fn value(&mut self, e: &Expr) -> Result<Value, Diagnostic> {
        let ty = e.ty;
        self.at(e.span);
        let v = match &e.kind {
            ExprKind::Int(n) => {
                let t = cl_type(ty);
                self.b.ins().iconst(t, imm(t, *n))
            }
            // The checker types float constants `f32` or `f64` only.
            ExprKind::Float(x) if ty == Type::F32 => self.b.ins().f32const(Ieee32::with_float(*x as f32)),
            ExprKind::Float(x) => self.b.ins().f64const(Ieee64::with_float(*x)),
            ExprKind::Local(local) => self.b.use_var(self.vars[local.index()]),
            ExprKind::Load(symbol) => {
                let t = cl_type(ty);
                let addr = self.address(*symbol);
                self.b.ins().load(t, MemFlagsData::trusted(), addr, 0)
            }
            ExprKind::Addr(symbol) => self.address_of(*symbol)?,
            ExprKind::Call(callee, args) => {
                let call = self.call(*callee, args, Some(e.span))?;
                // A call is an expression only when its callee returns a value (`checked::ExprKind::Call`).
                match self.b.inst_results(call) {
                    &[v] => v,
                    _ => {
                        return Err(self.err("a call to a function that returns nothing was used as a value"));
                    }
                }
            }
            ExprKind::Unary(op, operand) => {
                let v = self.value(operand)?;
                self.at(e.span);
                match (op, operand.ty.is_float()) {
                    (UnaryOp::Neg, true) => self.b.ins().fneg(v),
                    (UnaryOp::Neg, false) => self.b.ins().ineg(v),
                    (UnaryOp::Not, _) => self.b.ins().bnot(v),
                }
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let (l, r) = (self.value(lhs)?, self.value(rhs)?);
                self.at(e.span);
                self.binary(*op, lhs.ty, l, r)?
            }
            ExprKind::Cast(operand) => {
                let v = self.value(operand)?;
                self.at(e.span);
                self.cast(v, operand.ty, ty)
            }
        };
        Ok(v)
    }

    /// A call of `callee` with `args`, as an expression or a statement.
    ///
    /// In a loop, a call through a slot loads the slot as a value (`func_addr` of a non-colocated reference
    /// under `is_pic` is that load) and calls it with `call_indirect`: the load is then an instruction of its
    /// own, which Cranelift's optimizer hoists out of the loop, so each iteration makes one register call (clang
    /// -O2 does the same; issue 10's call-site benchmark). Elsewhere the call stays Cranelift's call through the
    /// slot, which x86_64 turns into one `call [rip+slot]` (slot_call.rs).
    /// `span`: where the call was written, for `-g` (the call instruction's line, after its arguments').
    fn call(&mut self, callee: SymbolId, args: &[Expr], span: Option<Span>) -> Result<ir::Inst, Diagnostic> {
        let in_loop =
            self.loops > 0 && Purpose::of_call(self.plan.access(callee)) == Purpose::CallThroughSlot;
        let f =
            if in_loop { self.function(callee, |_| Purpose::CallInLoop)? } else { self.func_ref(callee)? };
        let args = args.iter().map(|a| self.value(a)).collect::<Result<Vec<_>, _>>()?;
        if let Some(span) = span {
            self.at(span);
        }
        if in_loop {
            let signature = self.b.func.dfg.ext_funcs[f].signature;
            let address = self.symbol_value(callee, Purpose::CallInLoop);
            return Ok(self.b.ins().call_indirect(signature, address, &args));
        }
        Ok(self.b.ins().call(f, &args))
    }

    /// `l op r` with operands of type `ty`: one row per (operator, integer or float). Integers are signed
    /// (the IR has no unsigned types): `>>` is arithmetic, comparisons are signed. Pointers are integers here;
    /// the checker allows them only `==` and `!=`.
    fn binary(&mut self, op: BinaryOp, ty: Type, l: Value, r: Value) -> Result<Value, Diagnostic> {
        use BinaryOp::*;
        let float = ty.is_float();
        let ins = self.b.ins();
        let v = match (op, float) {
            (Add, false) => ins.iadd(l, r),
            (Add, true) => ins.fadd(l, r),
            (Sub, false) => ins.isub(l, r),
            (Sub, true) => ins.fsub(l, r),
            (Mul, false) => ins.imul(l, r),
            (Mul, true) => ins.fmul(l, r),
            (Div | Rem, false) => return Ok(self.divide(op, ty, l, r)),
            (Div, true) => ins.fdiv(l, r),
            (And, false) => ins.band(l, r),
            (Or, false) => ins.bor(l, r),
            (Xor, false) => ins.bxor(l, r),
            (Shl, false) => ins.ishl(l, r),
            (Shr, false) => ins.sshr(l, r),
            (Rem | And | Or | Xor | Shl | Shr, true) => {
                // The checker allows these on integers only (`checked::ExprKind::Binary`).
                return Err(self.err(format!("`{}` on `{ty}`", op.as_str())));
            }
            (Eq, false) => ins.icmp(IntCC::Equal, l, r),
            (Eq, true) => ins.fcmp(FloatCC::Equal, l, r),
            (Ne, false) => ins.icmp(IntCC::NotEqual, l, r),
            (Ne, true) => ins.fcmp(FloatCC::NotEqual, l, r),
            (Lt, false) => ins.icmp(IntCC::SignedLessThan, l, r),
            (Lt, true) => ins.fcmp(FloatCC::LessThan, l, r),
            (Le, false) => ins.icmp(IntCC::SignedLessThanOrEqual, l, r),
            (Le, true) => ins.fcmp(FloatCC::LessThanOrEqual, l, r),
            (Gt, false) => ins.icmp(IntCC::SignedGreaterThan, l, r),
            (Gt, true) => ins.fcmp(FloatCC::GreaterThan, l, r),
            (Ge, false) => ins.icmp(IntCC::SignedGreaterThanOrEqual, l, r),
            (Ge, true) => ins.fcmp(FloatCC::GreaterThanOrEqual, l, r),
        };
        // Comparisons yield i32 0 or 1 (Cranelift's result is an i8 0/1).
        Ok(if op.is_comparison() { self.b.ins().uextend(types::I32, v) } else { v })
    }

    /// Integer `l / r` (`op` = `Div`) or `l % r` (`Rem`), with the run-time rule of docs/ir.md "Division and
    /// remainder": a zero divisor traps, `MIN / -1` traps (the quotient overflows), `MIN % -1` is 0.
    ///
    /// Cranelift's `sdiv` and `srem` mean exactly that, but its backends trap differently: aarch64 tests
    /// both conditions and ends in `udf` (SIGILL; STATUS_ILLEGAL_INSTRUCTION on Windows), while x86_64 tests
    /// only `sdiv`'s zero divisor (`ud2`, the same) and leaves MIN / -1, and `srem` by zero, to the `idiv`
    /// fault (SIGFPE; STATUS_INTEGER_DIVIDE_BY_ZERO). The explicit tests here come first, so `idiv` never
    /// faults and every target ends in the same illegal-instruction trap (issue 7, defect 10).
    fn divide(&mut self, op: BinaryOp, ty: Type, l: Value, r: Value) -> Value {
        let t = cl_type(ty);
        self.b.ins().trapz(r, TrapCode::INTEGER_DIVISION_BY_ZERO);
        if op == BinaryOp::Rem {
            return self.b.ins().srem(l, r);
        }
        let min = self.b.ins().iconst(t, imm(t, i64::MIN >> (64 - t.bits())));
        let minus_one = self.b.ins().iconst(t, imm(t, -1));
        let l_is_min = self.b.ins().icmp(IntCC::Equal, l, min);
        let r_is_minus_one = self.b.ins().icmp(IntCC::Equal, r, minus_one);
        let overflows = self.b.ins().band(l_is_min, r_is_minus_one);
        self.b.ins().trapnz(overflows, TrapCode::INTEGER_OVERFLOW);
        self.b.ins().sdiv(l, r)
    }

    fn cast(&mut self, v: Value, from: Type, to: Type) -> Value {
        let (f, t) = (cl_type(from), cl_type(to));
        if from.is_float() && !to.is_float() && t.bits() < 32 {
            return self.float_to_narrow_int(v, t);
        }
        let ins = self.b.ins();
        match (from.is_float(), to.is_float()) {
            (false, false) if t.bits() > f.bits() => ins.sextend(t, v),
            (false, false) if t.bits() < f.bits() => ins.ireduce(t, v),
            (false, false) => v,
            (false, true) => ins.fcvt_from_sint(t, v),
            (true, false) => ins.fcvt_to_sint_sat(t, v),
            (true, true) if t.bits() > f.bits() => ins.fpromote(t, v),
            (true, true) if t.bits() < f.bits() => ins.fdemote(t, v),
            (true, true) => v,
        }
    }

    /// `v as i8` or `v as i16` from a float, as Rust's `as`: out-of-range values saturate to the type's MIN or
    /// MAX, NaN gives 0. Cranelift's x86_64 backend cannot emit `fcvt_to_sint_sat` to a type narrower than 32
    /// bits (it panicked while emitting; issue 7, defect 4), so every target saturates to i32 (which already
    /// maps NaN to 0 and clamps to i32's range), then clamps to the narrow range and truncates.
    fn float_to_narrow_int(&mut self, v: Value, t: ir::Type) -> Value {
        let wide = self.b.ins().fcvt_to_sint_sat(types::I32, v);
        let max = (1i64 << (t.bits() - 1)) - 1;
        let (hi, lo) = (
            self.b.ins().iconst(types::I32, max),
            self.b.ins().iconst(types::I32, imm(types::I32, -max - 1)),
        );
        let below_max = self.b.ins().smin(wide, hi);
        let clamped = self.b.ins().smax(below_max, lo);
        self.b.ins().ireduce(t, clamped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::ArgumentExtension::{None as Unmarked, Sext};

    /// `-j` past the functions or past [`MAX_THREADS`] starts no more threads than that (review of issue 10:
    /// `-j 1000000` used to mean one thread per function, however many).
    #[test]
    fn thread_count_is_bounded_by_functions_and_max_threads() {
        let jobs = |n| NonZeroUsize::new(n).unwrap();
        assert_eq!(thread_count(jobs(8), 3), 3);
        assert_eq!(thread_count(jobs(2), 100_000), 2);
        assert_eq!(thread_count(jobs(1_000_000), 100_000), MAX_THREADS);
        assert_eq!(thread_count(jobs(usize::MAX), usize::MAX), MAX_THREADS);
        assert_eq!(thread_count(jobs(4), 0), 0);
    }

    /// `src` checked, with `edit` applied to the first statement of its last function: a program the checker
    /// would never produce.
    fn malformed(src: &str, edit: impl FnOnce(&mut Stmt)) -> Program {
        let file = linkwise_ir::SourceFile::new("m.lw", src);
        let module = linkwise_ir::text::parse(&file).unwrap();
        let mut program = linkwise_ir::check::check(&module).unwrap();
        edit(&mut program.functions.last_mut().unwrap().body[0]);
        program
    }

    /// What lowering says about `program` on every target: its error, which must be an internal one.
    fn internal_errors(program: &Program) -> Vec<String> {
        let mut messages = Vec::new();
        for triple in linkwise_linkage::target::SUPPORTED {
            let target = linkwise_linkage::Target::parse(triple).unwrap();
            let plan = linkwise_linkage::resolve(program, &target, &[], Default::default()).unwrap();
            let isa = crate::isa::build(&target).unwrap();
            let d = compile_all(program, &plan, &*isa).expect_err(triple);
            assert!(d.internal, "{triple}: {d}");
            messages.push(d.message);
        }
        messages
    }

    /// A checked program that breaks what the checked IR documents (an integer-only operator on floats, a
    /// function that returns nothing called as a value) is an internal error naming the function, never a
    /// panic nor code for some other operation (`%` on floats used to be lowered as `fdiv`).
    #[test]
    fn programs_the_checker_cannot_produce_are_internal_errors() {
        use linkwise_ir::checked::ExprKind;
        for op in [BinaryOp::Rem, BinaryOp::And, BinaryOp::Or, BinaryOp::Xor, BinaryOp::Shl, BinaryOp::Shr] {
            let program = malformed("pub fn f(x: f64) -> f64 { return x / x; }", |s| match s {
                Stmt::Return(Some(Expr { kind: ExprKind::Binary(o, ..), .. })) => *o = op,
                other => panic!("{other:?}"),
            });
            let expected = format!("while compiling `f`: `{}` on `f64`", op.as_str());
            assert!(internal_errors(&program).iter().all(|m| *m == expected), "{op:?}");
        }
        let src = "extern { fn g(); fn h() -> i32; } pub fn f() -> i32 { return h(); }";
        let program = malformed(src, |s| match s {
            Stmt::Return(Some(Expr { kind: ExprKind::Call(callee, _), .. })) => *callee = SymbolId(0),
            other => panic!("{other:?}"),
        });
        let expected = "while compiling `f`: a call to a function that returns nothing was used as a value";
        assert!(internal_errors(&program).iter().all(|m| m == expected));
    }

    /// A panic while compiling a function (here linkwise's own lowering indexing a local the function does not
    /// have; in general Cranelift) is an internal error naming the function, on one thread and on several, and
    /// the first one in program order is the one reported (review of issue 10: a worker's panic used to end the
    /// stream of functions early, then re-raise out of `generate`).
    #[test]
    fn a_panic_while_compiling_is_an_internal_error_in_program_order() {
        let src = "pub fn a() -> i32 { return 1; }\npub fn f() -> i32 { let mut x: i32 = 1; return x; }\n\
                   pub fn g() -> i32 { return 2; }\npub fn h() -> i32 { let mut y: i32 = 1; return y; }";
        let file = linkwise_ir::SourceFile::new("m.lw", src);
        let mut program = linkwise_ir::check::check(&linkwise_ir::text::parse(&file).unwrap()).unwrap();
        for function in &mut program.functions[1..] {
            if let Stmt::Set(local, _) = &mut function.body[0] {
                *local = linkwise_ir::checked::LocalId(999);
            }
        }
        let target = linkwise_linkage::Target::parse("x86_64-unknown-linux-gnu").unwrap();
        let plan = linkwise_linkage::resolve(&program, &target, &[], Default::default()).unwrap();
        let isa = crate::isa::build(&target).unwrap();
        for jobs in [1, 2, 4] {
            let jobs = NonZeroUsize::new(jobs).unwrap();
            let result = compile_each(&program, &program, &plan, &*isa, jobs, false, |functions| {
                functions.collect::<Result<Vec<_>, _>>().map(|v| v.len())
            });
            let d = result.expect_err("a panicking function");
            assert!(d.internal, "{d}");
            assert!(d.message.starts_with("while compiling `f`: panicked: "), "{jobs}: {}", d.message);
        }
    }

    /// A panic while a streamed body is produced (parsed and checked on the compiling thread) is that
    /// function's internal error too, in program order, on any thread count (review of issue 10: `body` ran
    /// outside the guard, so such a panic took the process down).
    #[test]
    fn a_panic_while_a_body_is_produced_is_an_internal_error_in_program_order() {
        struct Panicky<'a>(&'a Program);
        impl Bodies for Panicky<'_> {
            fn count(&self) -> usize {
                self.0.functions.len()
            }
            fn body(&self, index: usize) -> Result<std::borrow::Cow<'_, Function>, Diagnostic> {
                if index >= 2 {
                    panic!("no body {index}");
                }
                self.0.body(index)
            }
        }
        let src = "pub fn a() -> i32 { return 1; }
pub fn b() -> i32 { return 2; }
                   pub fn c() -> i32 { return 3; }
pub fn d() -> i32 { return 4; }";
        let file = linkwise_ir::SourceFile::new("m.lw", src);
        let program = linkwise_ir::check::check(&linkwise_ir::text::parse(&file).unwrap()).unwrap();
        let target = linkwise_linkage::Target::parse("x86_64-unknown-linux-gnu").unwrap();
        let plan = linkwise_linkage::resolve(&program, &target, &[], Default::default()).unwrap();
        let isa = crate::isa::build(&target).unwrap();
        for jobs in [1, 2, 4] {
            let jobs = NonZeroUsize::new(jobs).unwrap();
            let result = compile_each(&program, &Panicky(&program), &plan, &*isa, jobs, false, |functions| {
                functions.collect::<Result<Vec<_>, _>>().map(|v| v.len())
            });
            let d = result.expect_err("a panicking body");
            assert!(d.internal, "{d}");
            assert_eq!(d.message, "while compiling `c`: panicked: no body 2", "{jobs}");
        }
    }

    fn extensions(
        params: &[Type],
        ret: Type,
        call_conv: CallConv,
    ) -> (Vec<ir::ArgumentExtension>, ir::ArgumentExtension) {
        let s = signature(&FnSig { params: params.to_vec(), ret: Some(ret) }, call_conv);
        (s.params.iter().map(|p| p.extension).collect(), s.returns[0].extension)
    }

    /// Narrow integers are marked for sign extension, wider ones and floats are not; on Apple arm64 the
    /// narrow arguments past the eighth integer register (packed on the stack, unextended) are not either.
    #[test]
    fn narrow_integers_are_marked_sext_except_on_apple_arm64_stack() {
        use Type::*;
        let params = [I8, F64, I16, I32, I64, Ptr, I8, I8, I16, F32, I8, I16];
        let in_registers = [Sext, Unmarked, Sext, Unmarked, Unmarked, Unmarked, Sext, Sext, Sext, Unmarked];
        for call_conv in [CallConv::SystemV, CallConv::WindowsFastcall, CallConv::AppleAarch64] {
            let (args, ret) = extensions(&params, I8, call_conv);
            let stack = if call_conv == CallConv::AppleAarch64 { [Unmarked, Unmarked] } else { [Sext, Sext] };
            assert_eq!(args[..10], in_registers, "{call_conv}");
            assert_eq!(args[10..], stack, "{call_conv}");
            assert_eq!(ret, Sext, "{call_conv}");
            assert_eq!(extensions(&[], I32, call_conv).1, Unmarked, "{call_conv}");
        }
    }
}
