//! Tests of the text form: parsing the contract example, printing and re-parsing (round trips), operator
//! precedence, every syntax error with its position, and "returns instead of panicking" on mangled input.

use super::{parse, print};
use crate::ast::*;
use crate::span::SourceFile;

const CONTRACT: &str = include_str!("../../../../examples/hello.lw");

fn parse_ok(src: &str) -> Module {
    let file = SourceFile::new("t.lw", src);
    parse(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)))
}

/// The rendered error and its `--> file:line:col` line.
fn parse_err(src: &str) -> (String, String) {
    let file = SourceFile::new("t.lw", src);
    let d = parse(&file).expect_err("should not parse");
    let text = d.render(&file);
    let location = text.lines().find_map(|l| l.trim().strip_prefix("--> ")).unwrap_or("").to_owned();
    (text, location)
}

fn round_trip(src: &str) {
    let first = parse_ok(src);
    let printed = print(&first);
    let second = parse_ok(&printed);
    assert_eq!(first, second, "print then parse changed the module; printed:\n{printed}");
    assert_eq!(print(&second), printed, "printing is not stable");
}

#[test]
fn the_contract_example_parses_to_what_it_says() {
    let file = SourceFile::new("hello.lw", CONTRACT);
    let m = parse(&file).unwrap();
    assert_eq!(m.target.as_ref().map(|t| t.value.as_str()), Some("x86_64-pc-windows-msvc"));
    let blocks: Vec<&ExternBlock> =
        m.items.iter().filter_map(|i| if let Item::Extern(b) = i { Some(b) } else { None }).collect();
    assert_eq!(blocks.len(), 2);
    let msvcrt = blocks[0].link.as_ref().unwrap();
    assert_eq!(msvcrt.name.value, "msvcrt");
    assert_eq!(msvcrt.kind.as_ref().map(|k| k.value), Some(LinkKind::Dylib));
    assert_eq!(file.snippet(msvcrt.kind.as_ref().unwrap().span), "\"dylib\"");
    assert_eq!(file.snippet(msvcrt.span), r#"#[link(name = "msvcrt", kind = "dylib")]"#);
    let kernel32 = blocks[1].link.as_ref().unwrap();
    assert!(kernel32.kind.is_none(), "kind not written stays unwritten");
    assert_eq!(blocks[0].items.len(), 3);
    let environ = &blocks[0].items[2];
    assert_eq!(environ.name.value, "ENVIRON");
    assert_eq!(environ.link_name.as_ref().map(|l| l.value.as_str()), Some("_environ"));
    assert!(matches!(
        environ.kind,
        ExternItemKind::Static { mutable: false, ty: Spanned { value: Type::Ptr, .. } }
    ));
    let Item::Static(greeting) = &m.items[2] else { panic!("third item is GREETING") };
    assert_eq!(greeting.ty.value, StaticType::Array { elem: ElemType::U8, len: None });
    assert!(matches!(&greeting.init, Init::Str(s) if s.value == b"hello\0"));
    let Item::Fn(main) = &m.items[3] else { panic!("fourth item is main") };
    assert!(main.public);
    assert_eq!(file.snippet(main.name.span), "main");
    assert_eq!(main.body.stmts.len(), 3);
    assert_eq!(file.snippet(main.body.stmts[0].span), "let c = tolower(65);");
}

#[test]
fn everything_round_trips() {
    round_trip(CONTRACT);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for dir in ["corpus", "examples", "tests/programs"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "lw") {
                let src = std::fs::read_to_string(&path).unwrap();
                if parse(&SourceFile::new("t.lw", src.as_str())).is_ok() {
                    round_trip(&src);
                }
            }
        }
    }
    for snippet in [
        "extern \"C\" { fn f(a: i32, ptr, c: f64) -> i64; static mut X: i8; }",
        "#[link(kind = \"static-nobundle\", name = \"z\")] extern { }",
        "pub static mut T: [i64; 3] = [1, -2, 0x10];",
        "static R: [f32; 4] = [0.5; 4];",
        "static P: [ptr] = [&T, \"s\\n\\t\\\"\\\\\\x01\\xff\", 0,];",
        "static F: f64 = -1e300;",
        "static G: f32 = 2.5e-3;",
        "static E: [u8] = \"\";",
        "static U: [u8] = \"\\u{e9}\";",
        "fn f(target: i32) -> i32 { return target; }",
        "fn f() { if 1 { } else if 2 { } else { g(); } }",
        "fn f() { for i in 0..10 { for j in i..(i + 2) { } } }",
        "fn f() -> i64 { let mut x: i64 = -(1 - 2) * 3; x = x << 2 >> 1; return !x ^ x & 1 | 2; }",
        "fn f() -> i32 { return (1 < 2) == (3 >= 4); }",
        "fn f() -> i32 { return -x as i32 + (y as i64) as i32 % -(-3); }",
        "fn f() -> f64 { return 1.0 / (2.0 - 3.5) + 1e10; }",
    ] {
        round_trip(snippet);
    }
}

fn main_return(src_expr: &str) -> Expr {
    let m = parse_ok(&format!("fn f() {{ return {src_expr}; }}"));
    let Item::Fn(f) = &m.items[0] else { panic!() };
    let StmtKind::Return(Some(e)) = &f.body.stmts[0].kind else { panic!() };
    e.clone()
}

/// A fully parenthesized rendering, to check tree shapes.
fn shape(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Name(n) => n.value.clone(),
        ExprKind::Binary(op, l, r) => format!("({} {} {})", shape(l), op.as_str(), shape(r)),
        ExprKind::Unary(UnaryOp::Neg, x) => format!("(-{})", shape(x)),
        ExprKind::Unary(UnaryOp::Not, x) => format!("(!{})", shape(x)),
        ExprKind::Cast(x, t) => format!("({} as {})", shape(x), t.value),
        other => format!("{other:?}"),
    }
}

#[test]
fn precedence_and_associativity_follow_rust() {
    for (src, expected) in [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("a | b ^ c & d", "(a | (b ^ (c & d)))"),
        ("a << 1 + 2", "(a << (1 + 2))"),
        ("a + b == c * d", "((a + b) == (c * d))"),
        ("-a as i64 * 2", "(((-a) as i64) * 2)"),
        ("!a & b", "((!a) & b)"),
        ("a as i64 as i32", "((a as i64) as i32)"),
        ("(1 + 2) * 3", "((1 + 2) * 3)"),
    ] {
        assert_eq!(shape(&main_return(src)), expected, "{src}");
    }
}

#[test]
fn syntax_errors_point_at_the_offending_text() {
    let cases: &[(&str, &str, &str)] = &[
        ("#[link(name = \"m\", kind = \"dynamic\")]\nextern {}", "unknown link kind `dynamic`", "t.lw:1:27"),
        ("#[link(kind = \"static\")] extern {}", "`#[link]` needs a library name", "t.lw:1:1"),
        ("#[link(name = \"a\", name = \"b\")] extern {}", "`name` is given twice in `#[link]`", "t.lw:1:20"),
        ("#[link(name = \"\")] extern {}", "the library name must not be empty", "t.lw:1:15"),
        (
            "#[link(name = \"a\", modifiers = \"+x\")] extern {}",
            "unknown `#[link]` argument `modifiers`",
            "t.lw:1:20",
        ),
        ("#[inline] fn f() {}", "unknown attribute `inline`", "t.lw:1:3"),
        ("#[link(name = \"a\")] fn f() {}", "`#[link]` must be followed by an `extern` block", "t.lw:1:21"),
        (
            "extern { #[link_name = \"x\"] #[link_name = \"y\"] fn f(); }",
            "`#[link_name]` is given twice",
            "t.lw:1:29",
        ),
        ("extern \"fastcall\" {}", "unsupported ABI `fastcall`", "t.lw:1:8"),
        ("extern { fn f(int); }", "expected a type, found `int`", "t.lw:1:15"),
        ("fn f() -> u8 { }", "expected a type, found `u8`", "t.lw:1:11"),
        ("fn f(i32) {}", "expected a parameter `name: type`", "t.lw:1:6"),
        ("fn f() { let x = 1 }", "expected `;`, found `}`", "t.lw:1:20"),
        ("fn f() { let fn = 1; }", "expected a variable name, found keyword `fn`", "t.lw:1:14"),
        ("fn f() { return \"abc; }", "unterminated string literal", "t.lw:1:17"),
        ("/* never closed", "unterminated block comment", "t.lw:1:1"),
        ("fn f() { g(\"\\q\"); }", "unknown character escape: `\\q`", "t.lw:1:13"),
        ("fn f() { g(\"\\x4\"); }", "invalid escape", "t.lw:1:13"),
        ("fn f() { g(99999999999999999999); }", "integer literal is too large", "t.lw:1:12"),
        ("fn f() { g(5u8); }", "invalid suffix `u8` on a number", "t.lw:1:12"),
        ("fn f() { g(1 < 2 < 3); }", "comparison operators cannot be chained", "t.lw:1:18"),
        ("fn f() { g(1 $ 2); }", "unexpected character `$`", "t.lw:1:14"),
        ("fn f() { g(€); }", "unexpected character `€`", "t.lw:1:12"),
        (
            "target x86_64-pc-windows-msvc\ntarget aarch64-unknown-linux-gnu",
            "the target is given twice",
            "t.lw:2:8",
        ),
        ("static S: i32 = ;", "expected a number, found `;`", "t.lw:1:17"),
        ("pub extern {}", "expected `fn` or `static` after `pub`", "t.lw:1:5"),
        ("let x = 1;", "expected an item", "t.lw:1:1"),
        ("fn f() {", "expected `}`, found end of file", "t.lw:1:9"),
    ];
    for (src, message, location) in cases {
        let (text, at) = parse_err(src);
        assert!(text.contains(message), "`{src}`: expected message `{message}`, got:\n{text}");
        assert_eq!(&at, location, "`{src}`:\n{text}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("fn f() -> i32 {{ return {}1{}; }}", "(".repeat(10_000), ")".repeat(10_000));
    let (text, _) = parse_err(&deep);
    assert!(text.contains("expression nested too deeply"), "{text}");
    let unary = format!("fn f() -> i32 {{ return {}1; }}", "-".repeat(10_000));
    assert!(parse_err(&unary).0.contains("nested too deeply"));
    let blocks = format!("fn f() {{ {} }}", "if 1 { ".repeat(5_000));
    assert!(parse_err(&blocks).0.contains("nested too deeply"));
    // Two hundred levels are fine.
    parse_ok(&format!("fn f() -> i32 {{ return {}1{}; }}", "(".repeat(150), ")".repeat(150)));
}

/// Every error has a primary label inside the text (or at its end), so it can be shown to the user.
fn assert_labelled(src: &str) {
    let file = SourceFile::new("t.lw", src);
    if let Err(d) = parse(&file) {
        for diag in &d.0 {
            assert!(!diag.labels.is_empty(), "no label for `{}` on {src:?}", diag.message);
            for label in &diag.labels {
                assert!(
                    label.span.end as usize <= src.len() && label.span.start <= label.span.end,
                    "{src:?}"
                );
            }
            let _ = diag.render(&file);
        }
    }
}

#[test]
fn mangled_input_gives_errors_not_panics() {
    // Every prefix of the contract (input ending anywhere).
    for (i, _) in CONTRACT.char_indices() {
        assert_labelled(&CONTRACT[..i]);
    }
    // Deterministic byte mutations (xorshift), kept valid UTF-8 by mapping bytes to a printable alphabet
    // that includes every punctuation the language uses and a non-ASCII character.
    let alphabet: Vec<char> = "{}[]()#;:,=&-+*/%|^!<>.\"\\ \n0123456789xaefnt_é".chars().collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let base: Vec<char> = CONTRACT.chars().collect();
    for _ in 0..3000 {
        let mut text = base.clone();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() as usize) % text.len();
            match next() % 3 {
                0 => text[at] = alphabet[(next() as usize) % alphabet.len()],
                1 => {
                    text.remove(at);
                }
                _ => text.insert(at, alphabet[(next() as usize) % alphabet.len()]),
            }
        }
        assert_labelled(&text.iter().collect::<String>());
    }
}
