//! The registry of linkwise's error codes (issue 13): every diagnostic has a stable code such as `LW0425`,
//! shown as `error[LW0425]: ...`, with a one-line summary and a long explanation (an example and its fix)
//! that `linkwise explain-error LW0425` prints. docs/errors.md lists the same codes (tests/diagnostics.rs
//! checks that the two agree).
//!
//! Codes are grouped by stage: `LW01xx` tokens, `LW02xx` syntax, `LW03xx` link attributes and `-l`,
//! `LW04xx` names and types, `LW05xx` statics and constants, `LW06xx` targets and objects, `LW07xx` files,
//! outputs and linking, `LW0900` linkwise's own bugs. A code, once published, keeps its meaning; a retired
//! code is not reused.
//!
//! A diagnostic made in this crate names its code where it is made ([`crate::Diagnostic::code`]); one made
//! elsewhere without a code gets it from its headline's shape ([`classify`]), so no stage needs to spell
//! codes for the registry to cover it.

/// One error code: its name, what it means in a line, and the long text with an example and its fix.
#[derive(Debug)]
pub struct Code {
    /// The code, `LW` and four digits.
    pub code: &'static str,
    /// One line: what kind of mistake this is.
    pub summary: &'static str,
    /// The long explanation `linkwise explain-error` prints: what is wrong, an example, and the fix.
    pub explanation: &'static str,
    /// Shapes of the headlines this code is given to when the diagnostic names none: `{}` stands for any
    /// text (at least one character).
    patterns: &'static [&'static str],
}

/// Codes are unique by name, so two are the same code when their names are.
impl PartialEq for Code {
    fn eq(&self, other: &Code) -> bool {
        self.code == other.code
    }
}

impl Eq for Code {}

/// The code whose name is `code` (case-insensitive, so `lw0425` is found too).
pub fn lookup(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

/// The code of a diagnostic made without one, from its headline: the first code with a pattern matching
/// the whole headline, if any.
pub fn classify(message: &str) -> Option<&'static str> {
    CODES.iter().find(|c| c.patterns.iter().any(|p| matches(p, message))).map(|c| c.code)
}

/// Whether `text` has the shape `pattern`, where each `{}` stands for one or more characters.
fn matches(pattern: &str, text: &str) -> bool {
    let mut pieces = pattern.split("{}");
    let first = pieces.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let pieces: Vec<&str> = pieces.collect();
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        // A wildcard takes at least one character.
        let Some(c) = rest.chars().next() else { return false };
        let after = &rest[c.len_utf8()..];
        if last {
            return after.ends_with(piece) && after.len() >= piece.len();
        }
        match after.find(piece) {
            Some(at) => rest = &after[at + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Every code linkwise gives, in order.
pub static CODES: &[Code] = &[
    Code {
        code: "LW0001",
        summary: "an error code that does not exist",
        explanation: "`linkwise explain-error` was given a code that is not in the registry.\n\n\
Example:\n\n    linkwise explain-error LW9999\n\n\
Fix: copy the code from the diagnostic (`error[LW0425]` means `linkwise explain-error LW0425`); \
docs/errors.md lists every code.",
        patterns: &["{} is not a linkwise error code"],
    },
    Code {
        code: "LW0101",
        summary: "a character that starts no token",
        explanation: "The source contains a character that is not part of any token of the linkwise IR.\n\n\
Example:\n\n    pub fn main() -> i32 { return 1 @ 2; }\n\n\
`@` is no operator. Fix: remove the character, or write what was meant (`1 + 2`).",
        patterns: &["unexpected character {}"],
    },
    Code {
        code: "LW0102",
        summary: "an unterminated comment or string",
        explanation: "A block comment `/* ... */` or a string literal runs to the end of the file.\n\n\
Example:\n\n    static GREETING: [u8; 6] = \"hello;\n\n\
Fix: close it (`\"hello\";`, or `*/` after the comment).",
        patterns: &["unterminated block comment", "unterminated string literal"],
    },
    Code {
        code: "LW0103",
        summary: "a malformed number literal",
        explanation: "A number literal has no digits, a wrong digit for its base, an unknown suffix, or does not fit.\n\n\
Example:\n\n    let x: i32 = 0b102;\n\n\
`2` is not a binary digit. Fix: `0b10`, or write the number in another base (`0x66`).",
        patterns: &[
            "expected at least one digit in exponent",
            "float literal is out of range for {}",
            "no valid digits found for number",
            "integer literal is too large",
            "invalid digit {} in {} literal",
            "invalid suffix {} for number literal",
            "invalid suffix {} for float literal",
        ],
    },
    Code {
        code: "LW0104",
        summary: "a malformed escape in a string",
        explanation: "A string contains a backslash escape linkwise does not know, or a `\\x`/`\\u{...}` escape that is malformed.\n\n\
Example:\n\n    static S: [u8; 2] = \"\\q\";\n\n\
Fix: use a known escape (`\\n`, `\\t`, `\\\\`, `\\\"`, `\\0`, `\\x41`, `\\u{41}`), or write `\\\\q` for a backslash.",
        patterns: &[
            "unknown character escape: {}",
            "numeric character escape is too short",
            "invalid character in numeric character escape: {}",
            "out of range hex escape",
            "incorrect unicode escape sequence",
            "unterminated unicode escape",
            "invalid character in unicode escape: {}",
            "empty unicode escape",
            "overlong unicode escape",
            "invalid unicode character escape",
        ],
    },
    Code {
        code: "LW0201",
        summary: "a token that does not fit the syntax here",
        explanation: "The parser expected one thing and found another: most often a missing `;`, `)` or `}`.\n\n\
Example:\n\n    pub fn main() -> i32 {\n        let x: i32 = 1\n        return x;\n    }\n\n\
The `let` statement has no `;`, so `return` comes where `;` should. Fix: `let x: i32 = 1;`. linkwise \
reports every such error of a file (up to 50), resynchronising at `;`, `}` and the next item.",
        patterns: &["expected {}, found {}"],
    },
    Code {
        code: "LW0202",
        summary: "an expression nested too deeply",
        explanation: "An expression or block is nested more deeply than linkwise parses (a limit that keeps a hostile input from \
exhausting the stack).\n\n\
Example: `((((((...1...))))))` with thousands of parentheses.\n\n\
Fix: split the expression with `let` bindings.",
        patterns: &["expression nested too deeply"],
    },
    Code {
        code: "LW0203",
        summary: "an operator linkwise does not have, or comparisons chained",
        explanation: "The expression uses an operator the linkwise IR does not have (`++`, `===`, `**`...), or chains comparisons.\n\n\
Example:\n\n    if 1 < x < 3 { ... }\n\n\
Fix: compare twice and combine: `if (1 < x) & (x < 3) { ... }`; for `x++` write `x = x + 1;`.",
        patterns: &["comparison operators cannot be chained", "{} is not an operator in linkwise"],
    },
    Code {
        code: "LW0204",
        summary: "an attribute that is unknown, misplaced or repeated",
        explanation: "An attribute is not one linkwise knows, stands on an item it does not apply to, or is given twice.\n\n\
Example:\n\n    #[export]\n    fn helper() {}\n\n\
`#[export]` is only allowed on `pub` items. Fix: `#[export] pub fn helper() {}`, or remove the attribute.",
        patterns: &[
            "unknown attribute {}",
            "{} is not allowed on {}",
            "multiple {} attributes on one {}",
            "an `extern` block cannot have both `#[crt]` and `#[link]`",
            "{} is only allowed on `pub` items",
            "{} is specified more than once",
        ],
    },
    Code {
        code: "LW0205",
        summary: "a name string that is empty, not UTF-8, or contains a forbidden character",
        explanation: "A library, link or export name is empty, not UTF-8, or contains NUL, whitespace or a control character.\n\n\
Example:\n\n    #[link(name = \"\")]\n\n\
Fix: give the library its name (`#[link(name = \"msvcrt\")]`); names carry no whitespace or control characters.",
        patterns: &[
            "{} must be UTF-8 text",
            "{} must not be empty",
            "{} must not contain NUL",
            "the library name {} contains {}",
            "the export name {} contains {}",
            "the export name {} is given to both {} and {}",
            "{} is exported as {}, which is the name of {}",
            "invalid library name {}",
            "no library name given",
        ],
    },
    Code {
        code: "LW0206",
        summary: "an unsupported ABI string",
        explanation: "An `extern \"...\"` block names an ABI linkwise does not implement.\n\n\
Example:\n\n    extern \"fastcall\" { fn f(); }\n\n\
Fix: use `extern \"C\"` (or plain `extern`).",
        patterns: &["unsupported ABI {}"],
    },
    Code {
        code: "LW0301",
        summary: "an unknown link kind",
        explanation: "A `#[link]` attribute's `kind` or an `-l KIND=NAME` names a kind that does not exist.\n\n\
Example:\n\n    #[link(name = \"msvcrt\", kind = \"dynamic\")]\n\n\
Fix: use one of `dylib`, `static`, `static-nobundle` or `raw-dylib` (here `kind = \"dylib\"`); the \
diagnostic suggests the closest one.",
        patterns: &["unknown link kind {}", "unknown library kind {}"],
    },
    Code {
        code: "LW0302",
        summary: "a malformed `#[link]` attribute",
        explanation: "A `#[link]` attribute has an argument it does not take, or lacks `name`.\n\n\
Example:\n\n    #[link(kind = \"static\")]\n\n\
Fix: name the library: `#[link(name = \"foo\", kind = \"static\")]`.",
        patterns: &["unknown {} argument {}", "{} attribute requires a {} argument"],
    },
    Code {
        code: "LW0303",
        summary: "a linking modifier that is unknown, malformed, repeated or not allowed with its kind",
        explanation: "A `modifiers = \"...\"` list or the modifiers of an `-l` argument are wrong: an unknown name, no `+`/`-`, \
the same modifier twice, or one that the link kind does not take.\n\n\
Example:\n\n    #[link(name = \"foo\", kind = \"dylib\", modifiers = \"+whole-archive\")]\n\n\
`whole-archive` is a modifier of static libraries. Fix: `kind = \"static\"`, or drop the modifier.",
        patterns: &[
            "invalid linking modifier syntax, {}",
            "unknown linking modifier {}",
            "linking modifier {} is only compatible with {}",
            "multiple {} modifiers in a single {}",
            "link kind {} has been superseded by {}",
        ],
    },
    Code {
        code: "LW0304",
        summary: "a `#[link_ordinal]` that cannot be used",
        explanation: "`#[link_ordinal(N)]` imports a function by number, which only `raw-dylib` libraries do, and N is 1 to 65535.\n\n\
Example:\n\n    #[link(name = \"foo\", kind = \"dylib\")] extern { #[link_ordinal(0)] fn f(); }\n\n\
Fix: `kind = \"raw-dylib\"` and an ordinal from 1 to 65535.",
        patterns: &[
            "`#[link_ordinal]` is only supported if link kind is `raw-dylib`",
            "ordinal value in {} must not be zero",
            "ordinal value in {} is too large: {}",
        ],
    },
    Code {
        code: "LW0305",
        summary: "an `-l` override that changes nothing or contradicts itself",
        explanation: "An `-l NAME:NEWNAME` renames a library no extern block links, renames one twice or to nothing, or an \
`-l` changes the C runtime of `#[crt]` blocks.\n\n\
Example:\n\n    linkwise build m.lw -l msvcr:ucrt\n\n\
when the module links `msvcrt`. Fix: name a library the module links (`-l msvcrt:ucrt`), and keep one rename \
per library.",
        patterns: &[
            "{} renames library {}, but no extern block in this module links it",
            "{} renames library {} to nothing",
            "library {} is renamed more than once",
            "{} changes {}, the C runtime library of this module's `#[crt]` blocks",
            "{} is imported from libraries of different kinds, so its call sites cannot be shaped",
            "link kind {} is only supported on Windows targets",
        ],
    },
    Code {
        code: "LW0401",
        summary: "a name defined more than once",
        explanation: "Two items of the module have the same name, or one symbol is declared twice with different types.\n\n\
Example:\n\n    pub fn f() {}\n    pub fn f() {}\n\n\
Fix: rename or remove one of them.",
        patterns: &["the name {} is defined multiple times", "{} is declared twice with different types"],
    },
    Code {
        code: "LW0402",
        summary: "a name used as something it is not",
        explanation: "A function is used as a value, a local or static is called, or an array static is read as a scalar.\n\n\
Example:\n\n    let n: i32 = 3;\n    return n(1);\n\n\
Fix: call functions, read variables: `return n;` (or call the function meant).",
        patterns: &[
            "{} is a local variable, not a function",
            "{} is a static, not a function",
            "array static {} used as a value",
            "function {} used as a value",
            "cannot take the address of local {}",
        ],
    },
    Code {
        code: "LW0403",
        summary: "control flow that does not fit the function or the statement",
        explanation: "A `return` does not match the function's return type, a function may end without returning its value, or \
an `if`/`for` is given a value of the wrong kind.\n\n\
Example:\n\n    pub fn f() -> i32 { if 1 { return 1; } }\n\n\
Fix: return a value on every path (`... } return 0; }`).",
        patterns: &[
            "`return;` in a function that returns {}",
            "a value is returned from a function that returns nothing",
            "a `for` loop counts over integers, not {}",
            "an `if` condition is an integer, not {}",
            "function {} may reach its end without returning a value of type {}",
            "a defined function's parameters need names",
        ],
    },
    Code {
        code: "LW0404",
        summary: "a call with the wrong number of arguments",
        explanation: "A function is called with more or fewer arguments than its declaration has parameters. (rustc's E0061.)\n\n\
Example:\n\n    extern { fn puts(ptr) -> i32; }\n    ... puts(&A, 1) ...\n\n\
Fix: pass exactly the declared parameters (`puts(&A)`).",
        patterns: &["this function takes {} but {} supplied"],
    },
    Code {
        code: "LW0405",
        summary: "an assignment that is not allowed",
        explanation: "An assignment targets an immutable variable, an immutable or array static, or a function.\n\n\
Example:\n\n    let x: i32 = 1;\n    x = 2;\n\n\
Fix: declare it mutable (`let mut x: i32 = 1;`, `static mut`), or assign to something else.",
        patterns: &["cannot assign {}"],
    },
    Code {
        code: "LW0406",
        summary: "an operator or cast applied to a type that does not have it",
        explanation: "A unary or binary operator or an `as` cast is used on a type it is not defined for.\n\n\
Example:\n\n    let p: ptr = &S;\n    let q: ptr = p + 1;\n\n\
Fix: pointers have no arithmetic in linkwise; compute with integers, or cast where a cast exists.",
        patterns: &["cannot apply {} to {}", "cannot cast {} to {}", "this operation will panic at runtime"],
    },
    Code {
        code: "LW0408",
        summary: "mismatched types",
        explanation: "An expression has a type other than the one its place needs. (rustc's E0308.) linkwise does not \
convert implicitly.\n\n\
Example:\n\n    let x: i64 = tolower(65);\n\n\
where `tolower` returns `i32`. Fix: cast (`tolower(65) as i64`) or change the declared type.",
        patterns: &["mismatched types{}", "{} returns nothing, so it has no value"],
    },
    Code {
        code: "LW0425",
        summary: "a name that is not defined",
        explanation: "A value, variable, static or function is used but not defined in scope. (rustc's E0425.)\n\n\
Example:\n\n    pub fn main() -> i32 {\n        let count: i32 = 1;\n        return cuont;\n    }\n\n\
Fix: spell the name as it is defined (`count`: the diagnostic suggests a close name when one exists), or \
define it, or declare the function in an `extern` block.",
        patterns: &[
            "cannot find value {}",
            "cannot find function {}",
            "cannot find static or function {}",
            "cannot find variable or static {}",
            "cannot find {} in this module",
        ],
    },
    Code {
        code: "LW0501",
        summary: "a literal or static initializer that does not fit its type",
        explanation: "A literal is out of range for its type, or a static's initializer has the wrong shape or size.\n\n\
Example:\n\n    static B: u8 = 300;\n\n\
Fix: use a value that fits (`255` at most for `u8`), or a wider type.",
        patterns: &[
            "literal out of range for {}",
            "{} does not fit in {}",
            "expected an integer from 0 to 255",
            "expected a constant of type {}",
            "an array initializer for a static of type {}",
            "expected an array initializer",
            "static {} is too large",
            "a string initializes {}, not {}",
            "the array has length {}, but its initializer has {}",
            "the address of {} cannot be stored in static {}: {}",
        ],
    },
    Code {
        code: "LW0601",
        summary: "an unsupported target or a target that cannot have this output",
        explanation: "`--target` names a triple linkwise does not support, or the output asked for does not exist on it.\n\n\
Example:\n\n    linkwise build m.lw --target riscv64gc-unknown-linux-gnu\n\n\
Fix: pick one of `linkwise targets`.",
        patterns: &[
            "unsupported target {}",
            "cannot write {}: target {} is {}, which has no import libraries",
            "`--emit implib` {}",
            "{} has no unwind record on {}",
            "the export name {} contains {}, which a COFF `/EXPORT:` directive cannot carry",
        ],
    },
    Code {
        code: "LW0701",
        summary: "an input or output file that cannot be used",
        explanation: "A file cannot be read or written, is too large, or an output would replace the input or a directory.\n\n\
Example:\n\n    linkwise build m.lw -o m.lw\n\n\
Fix: name another output (`-o m.obj`), or check the path and its permissions.",
        patterns: &[
            "cannot read {}",
            "cannot create {}",
            "cannot write {}",
            "{} is larger than {}",
            "{} is not valid UTF-8{}",
            "the input file {} would be overwritten by the output {}",
            "`-o {}` does not name a file",
            "`-o` {}",
            "`-o -` {}",
            "refusing to write binary output to a terminal (`-o -`)",
            "{} and {} would both be written to {}",
            "`--print native-static-libs` needs `--emit lib`",
            "the import library of {} would be written to {}, which is not a file name",
            "{} is not a DLL name",
            "{} is a module for {}",
        ],
    },
    Code {
        code: "LW0702",
        summary: "the link step failed",
        explanation: "The linker or a library it needs was not found, the linker failed, or it did not finish in time.\n\n\
Example:\n\n    linkwise build m.lw --emit exe    # with no LLD on PATH\n\n\
Fix: install LLD, or name it with `--linker PATH`; add library directories with `-L DIR`.",
        patterns: &[
            "cannot find {}",
            "cannot run the linker {}",
            "linking with {}",
            "could not find native static library {}",
            "cannot bundle {}",
            "the linker wrote no import library for the DLL",
        ],
    },
    Code {
        code: "LW0710",
        summary: "a library of the link is not on the search path",
        explanation: "`linkwise check-libs` (and `--check-libs`) looked for a library the module links where the \
target's linker would (lld-link: `NAME.lib` in the current directory, each `-L`, each `LIB` entry; ld.lld: \
`libNAME.so`, then `libNAME.a`), and did not find it, or found a file it cannot read.\n\n\
Example:\n\n    #[link(name = \"vendor\")]\n    extern { fn v_fn(i32) -> i32; }\n\n    linkwise check-libs m.lw    # no vendor.lib anywhere\n\n\
Fix: add the directory that holds it with `-L DIR`, or correct the library's name.",
        patterns: &["library {} is not on the search path of {}", "cannot read library {} for the check: {}"],
    },
    Code {
        code: "LW0711",
        summary: "an import does not match what its library provides",
        explanation: "`linkwise check-libs` read the symbol tables of the link's libraries and found an import \
whose declared kind or library is wrong: `dylib` for a symbol the library defines statically (the link fails \
on `__imp_X`), `static` for one an import library provides (a thunk call, or a failed link for data), a \
symbol in another library or in none, or an extern block without `#[link]` on Windows.\n\n\
Example:\n\n    #[link(name = \"vendor\", kind = \"dylib\")]   // vendor.lib is a static library\n    extern { fn v_fn(i32) -> i32; }\n\n\
Fix: the one the diagnostic gives: the `#[link]` to write, or the `-l KIND=NAME` override for a build script.",
        patterns: &[],
    },
    Code {
        code: "LW0900",
        summary: "an internal error: a bug in linkwise",
        explanation: "linkwise broke one of its own guarantees; the input is not to blame.\n\n\
Example: any `error[LW0900]: internal error: ...`.\n\n\
Fix: please report it with the input file and the command line; meanwhile, a small change to the input \
may avoid it.",
        patterns: &[],
    },
];

/// The code of internal errors.
pub const INTERNAL: &str = "LW0900";

#[cfg(test)]
mod tests {
    use super::*;

    /// Patterns match whole headlines, each `{}` standing for at least one character.
    #[test]
    fn patterns_match_whole_headlines() {
        assert!(matches("cannot find {}", "cannot find value `x` in this module"));
        assert!(matches("expected {}, found {}", "expected `;`, found keyword `return`"));
        assert!(!matches("expected {}, found {}", "expected `;`"));
        assert!(matches("unterminated string literal", "unterminated string literal"));
        assert!(!matches("unterminated string literal", "unterminated string literal!"));
        assert!(!matches("cannot find {}", "cannot find "));
        assert_eq!(classify("cannot find value `x` in this module"), Some("LW0425"));
        assert_eq!(classify("no such thing"), None);
    }

    /// Codes are unique, well formed and sorted, with an example in every explanation.
    #[test]
    fn codes_are_unique_and_explained() {
        let mut seen = std::collections::HashSet::new();
        for c in CODES {
            assert!(seen.insert(c.code), "{} twice", c.code);
            assert!(c.code.len() == 6 && c.code.starts_with("LW"), "{}", c.code);
            assert!(c.code[2..].chars().all(|d| d.is_ascii_digit()), "{}", c.code);
            assert!(c.explanation.contains("Example") && c.explanation.contains("Fix"), "{}", c.code);
            assert!(lookup(&c.code.to_lowercase()).is_some());
        }
        for pair in CODES.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} before {}", pair[0].code, pair[1].code);
        }
    }
}
