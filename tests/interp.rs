//! The reference interpreter against compiled code: small IR programs, one per class of operator, cast and
//! call, compiled by linkwise for x86_64 Linux (run natively) and aarch64 Linux (qemu), linked by ld.lld with
//! libc and a C file written here that implements docs/difftest.md's `d_` library, and run; each must print
//! exactly the lines `linkwise_interp::run_traced` says it prints, and end the same way (a trap included).
//! The first evidence that the interpreter is the compiled code's semantics (issue 11).

mod support;

use linkwise_interp::{Limits, Stop, TrapKind};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use support::{ElfTarget, TempDir};

/// docs/difftest.md's `lwsim_dyn` (`d_`): the differential runner's own C (crates/linkwise-difftest/src/lwsim.c,
/// compiled with its `d_` prefix), so this test and the runner check the same library, plus the `main` that
/// calls the program's `lw_main`.
fn library_c() -> String {
    format!(
        "{}\nvoid lw_main(void);\nint main(void) {{ lw_main(); return 0; }}\n",
        linkwise_difftest::libs::SOURCE
    )
}

/// The IR declarations of that library: the `lwsim_dyn` block of the generator's extern blocks.
fn externs() -> String {
    let all = linkwise_fuzzgen::sim_externs();
    let end = all.find("#[link(name = \"lwsim_st\"").expect("sim_externs has the static library's block");
    all[..end].to_owned()
}

/// The integer types, their widths, and the edge values their operands take: MIN, MIN + 1, -1, 0, 1, 7, the
/// width and one past it (as shift amounts), MAX.
fn int_edges() -> Vec<(&'static str, u32, Vec<i128>)> {
    [("i8", 8), ("i16", 16), ("i32", 32), ("i64", 64)]
        .into_iter()
        .map(|(ty, bits)| {
            let (min, max) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
            (ty, bits, vec![min, min + 1, -1, 0, 1, 7, bits.into(), i128::from(bits) + 1, max])
        })
        .collect()
}

/// A function `NAME(k: i32) -> TY` returning `values[k]` (the last for any other k): operands the
/// compiler cannot fold, since they come through a call whose argument is a loop counter. With `via`, each
/// value is written as that type and converted with `as` (an `i64` literal cast down to a narrow type).
fn picker(out: &mut String, name: &str, ty: &str, values: &[String], via: Option<&str>) {
    writeln!(out, "fn {name}(k: i32) -> {ty} {{").unwrap();
    let value = |v: &str| match via {
        Some(via) => format!("let v: {via} = {v}; return v as {ty};"),
        None => format!("let v: {ty} = {v}; return v;"),
    };
    for (k, v) in values.iter().enumerate() {
        writeln!(out, "    if k == {k} {{ {} }}", value(v)).unwrap();
    }
    writeln!(out, "    {}\n}}", value(&values[values.len() - 1])).unwrap();
}

/// Every integer operator at every width on every pair of edge values; division only where it does not trap.
fn integers() -> String {
    let mut s = String::new();
    let mut main = String::from("pub fn lw_main() {\n");
    for (ty, _, edges) in int_edges() {
        let values: Vec<String> = edges.iter().map(|v| v.to_string()).collect();
        picker(&mut s, &format!("pick_{ty}"), ty, &values, None);
        let min = edges[0];
        writeln!(
            s,
            "fn ops_{ty}(a: {ty}, b: {ty}) {{
    d_trace_{ty}(a + b); d_trace_{ty}(a - b); d_trace_{ty}(a * b);
    if b != 0 {{
        if (a != {min}) | (b != -1) {{ d_trace_{ty}(a / b); }}
        d_trace_{ty}(a % b);
    }}
    d_trace_{ty}(a & b); d_trace_{ty}(a | b); d_trace_{ty}(a ^ b); d_trace_{ty}(a << b); d_trace_{ty}(a >> b);
    d_trace_i32((a == b) | (a != b) << 1 | (a < b) << 2 | (a <= b) << 3 | (a > b) << 4 | (a >= b) << 5);
    d_trace_{ty}(-a); d_trace_{ty}(!a);
}}"
        )
        .unwrap();
        let n = edges.len();
        writeln!(
            main,
            "    for i in 0..{n} {{ for j in 0..{n} {{ ops_{ty}(pick_{ty}(i), pick_{ty}(j)); }} }}"
        )
        .unwrap();
    }
    main += "}\n";
    s + &main
}

/// Special float values of one type (literals, or expressions of literals for NaN and the infinities).
fn float_edges(ty: &str) -> Vec<String> {
    let (max, tiny) =
        if ty == "f32" { ("3.4028235e38", "1e-45") } else { ("1.7976931348623157e308", "5e-324") };
    ["0.0 / 0.0", "1.0 / 0.0", "-1.0 / 0.0", "-0.0", "0.0", "1.5", "0.1", "-3.0", max, tiny]
        .iter()
        .map(|v| v.to_string())
        .collect()
}

/// Every float operator at both widths on every pair of special values, and negation.
fn floats() -> String {
    let mut s = String::new();
    let mut main = String::from("pub fn lw_main() {\n");
    for ty in ["f32", "f64"] {
        let edges = float_edges(ty);
        picker(&mut s, &format!("pick_{ty}"), ty, &edges, None);
        writeln!(
            s,
            "fn ops_{ty}(a: {ty}, b: {ty}) {{
    d_trace_{ty}(a + b); d_trace_{ty}(a - b); d_trace_{ty}(a * b); d_trace_{ty}(a / b); d_trace_{ty}(-a);
    d_trace_i32((a == b) | (a != b) << 1 | (a < b) << 2 | (a <= b) << 3 | (a > b) << 4 | (a >= b) << 5);
    d_trace_{ty}(d_mix_{ty}(a, b));
}}"
        )
        .unwrap();
        let n = edges.len();
        writeln!(
            main,
            "    for i in 0..{n} {{ for j in 0..{n} {{ ops_{ty}(pick_{ty}(i), pick_{ty}(j)); }} }}"
        )
        .unwrap();
    }
    main += "}\n";
    s + &main
}

/// Every cast between the numeric types, and through `ptr`, on edge values of each source type: integers
/// truncated and extended, floats saturated at every width (NaN, infinities, just inside and outside each
/// integer range), rounded to and from `f32`.
fn casts() -> String {
    let mut s = String::new();
    let mut main = String::from("pub fn lw_main() {\n");
    let to_all = |ty: &str, with_ptr: bool| {
        let mut body = format!("fn cast_{ty}(x: {ty}) {{\n");
        for to in ["i8", "i16", "i32", "i64", "f32", "f64"] {
            writeln!(body, "    d_trace_{to}(x as {to});").unwrap();
        }
        if with_ptr {
            body += "    d_trace_i64(x as ptr as i64); d_trace_i8(x as ptr as i8); d_trace_i32(x as ptr as i32);\n";
        }
        body + "}\n"
    };
    for (ty, _, mut edges) in int_edges() {
        edges.extend([100i64, -100, 16_777_217, -9_007_199_254_740_993, 0x1_8000_0080].map(i128::from));
        // Values past a narrow type's range are written as i64 and cast down (`as` truncates).
        let values: Vec<String> = edges.iter().map(|&v| (v as i64).to_string()).collect();
        picker(&mut s, &format!("pick_{ty}"), ty, &values, Some("i64"));
        s += &to_all(ty, true);
        writeln!(main, "    for i in 0..{} {{ cast_{ty}(pick_{ty}(i)); }}", values.len()).unwrap();
    }
    let floats = [
        "0.0 / 0.0",
        "1.0 / 0.0",
        "-1.0 / 0.0",
        "-0.0",
        "0.5",
        "-0.99",
        "127.5",
        "128.0",
        "-128.5",
        "-129.0",
        "32767.9",
        "32768.0",
        "-32769.0",
        "2147483520.0",
        "2147483648.0",
        "-2147483904.0",
        "9.2e18",
        "9.3e18",
        "-9.3e18",
        "1e300",
        "16777217.0",
        "0.1",
        "1e-40",
    ];
    for ty in ["f32", "f64"] {
        let values: Vec<String> = floats
            .iter()
            .map(|v| if ty == "f32" && *v == "1e300" { "3e38".to_owned() } else { v.to_string() })
            .collect();
        picker(&mut s, &format!("pick_{ty}"), ty, &values, None);
        s += &to_all(ty, false);
        writeln!(main, "    for i in 0..{} {{ cast_{ty}(pick_{ty}(i)); }}", values.len()).unwrap();
    }
    main += "}\n";
    s + &main
}

/// Calls across the C boundary with narrow values (every function of the library), callbacks, the library's
/// statics, the program's statics of every kind, evaluation order, loops and conditions, addresses compared.
const CALLS: &str = r#"
static mut ORDER: i64 = 0;
static S8: i8 = -128;
pub static mut M16: i16 = 32767;
static F: f32 = -0.0;
static mut G: f64 = 2.5e-3;
static P: ptr = &S8;
static Q: ptr = "same";
static Z: ptr = 0;
static TABLE: [i32; 3] = [1, 2, 3];
static BYTES: [u8] = "bytes\0";
static FNS: [ptr] = [&twice8, "x", 0];
fn tick(v: i64) -> i64 { ORDER = ORDER * 10 + v; return v; }
fn twice8(x: i8) -> i8 { return x + x; }
fn neg16(x: i16) -> i16 { return -x; }
fn sum3(a: i64, b: i64, c: i64) -> i64 { return a * 100 + b * 10 + c; }
fn set_m16() -> i16 { M16 = 5 as i16; return 9 as i16; }
fn bump() -> i32 { d_counter = d_counter + 1; return 0; }
fn pick(k: i32) -> i8 {
    if k == 0 { return -128 as i8; } else if k == 1 { return -1 as i8; } else if k == 2 { return 0 as i8; }
    else if k == 3 { return 77 as i8; }
    return 127 as i8;
}
pub fn lw_main() {
    d_begin(1);
    for k in 0..5 {
        let v = pick(k);
        d_trace_i8(d_mix_i8(v, v));
        d_trace_i32(d_widen_i8(v));
        d_trace_i32(d_widen_i16(v as i16 * 300 as i16));
        d_trace_i16(d_mix_i16(v as i16, 1 as i16));
        d_trace_i32(d_apply_i8(&twice8, v as i64 + 0x3300));
        d_trace_i32(d_apply_i16(&neg16, v as i64 * 256 + 0x7fff0000));
        d_trace_i8(d_ret_i8(v as i64 * 77));
        d_trace_i16(d_ret_i16(v as i64 * 1000003));
        d_trace_i32(d_ret_i32(v as i64 * 100000000007));
        d_trace_i64(d_many(v, v as i16, v as i32, v as i64, v as f32, v as f64, v + 1 as i8, v as i16 - 1 as i16, 3, -4));
    }
    d_begin(2);
    d_trace_i32(d_mix_i32(2147483647, 1));
    d_trace_i64(d_mix_i64(-9223372036854775807, -3));
    d_trace_f32(d_mix_f32(0.1, 0.2));
    d_trace_f64(d_mix_f64(0.1, 0.2));
    d_trace_i64(d_many(1 as i8, 2 as i16, 3, 4, 0.0 / 0.0 as f32, -(0.0 / 0.0), 7 as i8, 8 as i16, 9, 10));
    d_trace_i64(sum3(tick(1), tick(2), tick(3)));
    d_trace_i64(ORDER);
    let mut total: i64 = 0;
    for i in tick(4)..tick(7) { total = total * 3 + i; ORDER = 0; }
    d_trace_i64(total);
    d_trace_i64(ORDER);
    d_begin(3);
    d_trace_i8(S8);
    M16 = M16 + 1 as i16;
    d_trace_i16(M16);
    d_trace_f32(F);
    G = G * G;
    d_trace_f64(G);
    d_trace_i32(d_same_ptr(P, &S8) + 2 * d_same_ptr(Q, "same") + 4 * d_same_ptr(&TABLE, &S8) + 8 * (P == &S8)
        + 16 * (Z == 0 as ptr) + 32 * ("same" != "other") + 64 * (&BYTES == &FNS) + 128 * (&twice8 == &neg16));
    d_trace_i32(d_same_ptr(&d_counter, &d_counter) + 2 * d_same_ptr(&d_counter, &d_wide));
    d_trace_i32(d_counter);
    d_counter = d_counter * 3;
    d_trace_i32(d_get_counter());
    d_wide = d_wide - 1;
    d_trace_i64(d_wide);
    d_trace_f64(d_scale * 2.0);
    M16 = set_m16();
    d_trace_i16(M16);
    d_trace_i32(d_counter * 100 + bump() + d_counter);
    d_trace_i32(d_get_counter());
    if 256 as i16 { d_trace_i32(1); } else { d_trace_i32(2); }
    if 256 as i8 { d_trace_i32(3); } else if -1 as i64 { d_trace_i32(4); } else { d_trace_i32(5); }
    for m in 125 as i8..127 as i8 { d_trace_i8(m); }
    let lo: i64 = -9223372036854775808;
    for n in lo..lo + 2 { d_trace_i64(n); }
    let hi: i16 = 32767;
    for h in hi - 1..hi { d_trace_i16(h); }
}
"#;

/// A trap after some output: the lines before it, then SIGILL.
const TRAP: &str = r#"
fn div(a: i32, b: i32) -> i32 { return a / b; }
fn rem(a: i8, b: i8) -> i8 { return a % b; }
pub fn lw_main() {
    d_trace_i32(div(7, -2));
    d_trace_i8(rem(-128 as i8, -1 as i8));
    d_trace_i32(div(-2147483648, -1));
    d_trace_i32(1);
}
"#;

/// The tools and the C library compiled for one target.
struct Native {
    target: ElfTarget,
    triple: &'static str,
    dir: TempDir,
    c_object: PathBuf,
    ld: PathBuf,
}

impl Native {
    /// `None` when a tool is missing outside CI.
    fn new(target: ElfTarget, label: &str) -> Option<Native> {
        let triple = match target {
            ElfTarget::X86_64 => "x86_64-unknown-linux-gnu",
            ElfTarget::Aarch64 => "aarch64-unknown-linux-gnu",
        };
        let dir = TempDir::new(&format!("interp-{label}-{triple}"));
        let (clang, ld) = (support::tool("clang")?, support::tool("ld.lld")?);
        let source = dir.join("lwsim.c");
        std::fs::write(&source, library_c()).unwrap();
        let c_object = dir.join("lwsim.o");
        let mut cmd = Command::new(clang);
        // docs/difftest.md: -O2 -ffp-contract=off, so that `a * 0.5 + b` is not fused on aarch64.
        cmd.arg(format!("--target={triple}"))
            .args([
                "-O2",
                "-ffp-contract=off",
                "-fPIE",
                "-fno-stack-protector",
                "-DPFX=d",
                "-DCOUNTER=7",
                "-c",
            ])
            .arg(&source)
            .arg("-o")
            .arg(&c_object);
        support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
        Some(Native { target, triple, dir, c_object, ld })
    }

    /// Compiles `file`, links it with the C library and libc, runs it: `None` when qemu is missing outside CI.
    fn run(&self, name: &str, file: &linkwise::SourceFile) -> Option<support::Ran> {
        let mut options = support::options(self.triple, &[]);
        // The C library is linked as an object: the module must not ask the linker for `lwsim_dyn`.
        options.no_autolink = true;
        let (object, _) = support::compile_to(&self.dir, &format!("{name}.o"), file, &options);
        let exe = self.dir.join(name);
        support::ld_lld_pie(&self.ld, self.target, &[&self.c_object, &object], &exe).assert_ok();
        support::run_elf(self.target, &exe)
    }
}

/// Runs `items` (with the library's declarations) in the interpreter and natively on both Linux targets:
/// the same lines, and the native run ends as the interpreter's does (exit 0 after `Ok`, SIGILL after a
/// trap). Returns the interpreter's lines and result.
fn agree(name: &str, items: &str) -> (Vec<String>, Result<(), Stop>) {
    let text = format!("{}\n{items}", externs());
    let file = linkwise::SourceFile::new(format!("{name}.lw"), text.clone());
    let module = linkwise::ir::text::parse(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    let program = linkwise::ir::check::check(&module).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    let (lines, result) = linkwise_interp::run_traced(&program, "lw_main", Limits::default());
    assert!(matches!(result, Ok(()) | Err(Stop::Trap { .. })), "{name}: the interpreter stopped: {result:?}");
    for target in [ElfTarget::X86_64, ElfTarget::Aarch64] {
        let Some(native) = Native::new(target, name) else { continue };
        let Some(ran) = native.run(name, &file) else { continue };
        assert!(!ran.timed_out, "{ran}");
        let printed: Vec<&str> = ran.stdout.lines().collect();
        let first_difference = (0..lines.len().max(printed.len()))
            .find(|&i| lines.get(i).map(String::as_str) != printed.get(i).copied());
        if let Some(i) = first_difference {
            let from = i.saturating_sub(3);
            panic!(
                "{name} on {}: line {} differs (interpreter {}, native {} lines)\n  interpreter: {:?}\n  native:      {:?}\n{}",
                native.triple,
                i + 1,
                lines.len(),
                printed.len(),
                &lines[from.min(lines.len())..(i + 2).min(lines.len())],
                &printed[from.min(printed.len())..(i + 2).min(printed.len())],
                ran.stderr
            );
        }
        // Killed by a signal (SIGILL) is a status of `None`; the deadline did not fire (checked above).
        let expected_status = if result.is_ok() { Some(0) } else { None };
        assert_eq!(ran.status, expected_status, "{name} on {}: {ran}", native.triple);
    }
    (lines, result)
}

#[test]
fn integer_operators_agree_with_compiled_code() {
    let (lines, result) = agree("integers", &integers());
    assert_eq!(result, Ok(()));
    // 81 pairs per width, 11 lines each and the divisions that do not trap.
    assert!(lines.len() > 4 * 81 * 11, "{}", lines.len());
}

#[test]
fn float_operators_agree_with_compiled_code() {
    let (lines, result) = agree("floats", &floats());
    assert_eq!(result, Ok(()));
    assert_eq!(lines.len(), 2 * 100 * 7);
    assert!(lines.iter().any(|l| l == "f64 nan") && lines.iter().any(|l| l == "f32 80000000"));
}

#[test]
fn casts_agree_with_compiled_code() {
    let (lines, result) = agree("casts", &casts());
    assert_eq!(result, Ok(()));
    assert_eq!(lines.len(), 4 * 14 * 9 + 2 * 23 * 6);
}

#[test]
fn calls_statics_and_control_flow_agree_with_compiled_code() {
    let (lines, result) = agree("calls", CALLS);
    assert_eq!(result, Ok(()));
    assert_eq!(lines[0], "begin 1");
    assert!(lines.contains(&"begin 3".to_owned()), "{lines:?}");
}

#[test]
fn a_trap_agrees_with_compiled_code() {
    let (lines, result) = agree("trap", TRAP);
    assert_eq!(lines, ["i32 -3", "i8 0"]);
    assert_eq!(result, Err(Stop::Trap { kind: TrapKind::DivideOverflow, function: "div".into() }));
}
