/* The simulated libraries of docs/difftest.md, as real code: compiled by clang once per library, with
 * -DPFX=d (lwsim_dyn), s (lwsim_st) or r (lwsim_raw) and -DCOUNTER=its starting value. No headers and no C
 * runtime: the same file builds for Windows and Linux, for x86_64 and aarch64, with nothing installed but
 * clang. Every integer operation is done on unsigned types, so wrapping is defined, as in the IR. */

typedef signed char i8;
typedef short i16;
typedef int i32;
typedef long long i64;
typedef unsigned int u32;
typedef unsigned long long u64;

#define GLUE2(a, b) a##_##b
#define GLUE(a, b) GLUE2(a, b)
#define N(name) GLUE(PFX, name)

#ifdef _WIN32
/* The DLLs export everything; the static library exports nothing (LWSIM_STATIC). */
#ifdef LWSIM_STATIC
#define API
#else
#define API __declspec(dllexport)
#endif
__declspec(dllimport) void *GetStdHandle(u32 which);
__declspec(dllimport) i32 WriteFile(void *file, const void *bytes, u32 count, u32 *written, void *overlapped);
/* clang's objects refer to `_fltused` when they use floating point; no C runtime defines it here. */
__declspec(selectany) i32 _fltused = 0;
/* One unbuffered write per line, so the lines of all three libraries come out in call order. */
static void emit(const char *bytes, u32 count) {
    u32 written;
    WriteFile(GetStdHandle((u32)-11), bytes, count, &written, 0);
}
#else
#define API __attribute__((visibility("default")))
long write(int fd, const void *bytes, unsigned long count);
static void emit(const char *bytes, u32 count) { write(1, bytes, count); }
#endif

static char *put_text(char *at, const char *text) {
    while (*text) *at++ = *text++;
    return at;
}

static char *put_decimal(char *at, i64 value) {
    u64 magnitude = value < 0 ? 0 - (u64)value : (u64)value;
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0) *at++ = '-';
    while (count) *at++ = digits[--count];
    return at;
}

static char *put_hex(char *at, u64 value, int digits) {
    for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) *at++ = "0123456789abcdef"[(value >> shift) & 15];
    return at;
}

static void line_integer(const char *tag, i64 value) {
    char line[48];
    char *at = put_decimal(put_text(put_text(line, tag), " "), value);
    *at++ = '\n';
    emit(line, (u32)(at - line));
}

static void line_bits(const char *tag, int is_nan, u64 bits, int digits) {
    char line[48];
    char *at = put_text(put_text(line, tag), " ");
    at = is_nan ? put_text(at, "nan") : put_hex(at, bits, digits);
    *at++ = '\n';
    emit(line, (u32)(at - line));
}

/* A float's bit pattern, NaNs as the canonical quiet NaN: x86_64 and aarch64 make NaNs of different signs. */
static u64 bits32(float value) {
    union { float f; u32 u; } v = {value};
    return value != value ? 0x7fc00000u : v.u;
}
static u64 bits64(double value) {
    union { double f; u64 u; } v = {value};
    return value != value ? 0x7ff8000000000000ull : v.u;
}

API i32 N(counter) = COUNTER;
API i64 N(wide) = -3;
API const double N(scale) = 1.5;

API void N(begin)(i64 id) { line_integer("begin", id); }
API void N(trace_i8)(i8 v) { line_integer("i8", v); }
API void N(trace_i16)(i16 v) { line_integer("i16", v); }
API void N(trace_i32)(i32 v) { line_integer("i32", v); }
API void N(trace_i64)(i64 v) { line_integer("i64", v); }
API void N(trace_f32)(float v) { line_bits("f32", v != v, bits32(v), 8); }
API void N(trace_f64)(double v) { line_bits("f64", v != v, bits64(v), 16); }

API i8 N(mix_i8)(i8 a, i8 b) { return (i8)((u32)a * 3u + (u32)b); }
API i16 N(mix_i16)(i16 a, i16 b) { return (i16)((u32)a * 5u + (u32)b); }
API i32 N(mix_i32)(i32 a, i32 b) { return (i32)((u32)a * 7u + (u32)b); }
API i64 N(mix_i64)(i64 a, i64 b) { return (i64)((u64)a * 9u + (u64)b); }
API float N(mix_f32)(float a, float b) { return a * 0.5f + b; }
API double N(mix_f64)(double a, double b) { return a * 0.25 + b; }

API i32 N(widen_i8)(i8 a) { return a; }
API i32 N(widen_i16)(i16 a) { return a; }
API i8 N(ret_i8)(i64 a) { return (i8)a; }
API i16 N(ret_i16)(i64 a) { return (i16)a; }
API i32 N(ret_i32)(i64 a) { return (i32)a; }

API i64 N(many)(i8 a, i16 b, i32 c, i64 d, float e, double f, i8 g, i16 h, i32 i, i64 j) {
    u64 sum = (u64)(i64)a + 3u * (u64)(i64)b + 5u * (u64)(i64)c + 7u * (u64)d + 11u * bits32(e) +
              13u * bits64(f) + 17u * (u64)(i64)g + 19u * (u64)(i64)h + 23u * (u64)(i64)i + 29u * (u64)j;
    return (i64)sum;
}

API i32 N(same_ptr)(const void *a, const void *b) { return a == b; }
/* The narrow argument comes from a wide value, so what is above its low bits in the register is whatever the
 * target's C convention leaves there: clang extends it on x86_64 Linux and passes it through on Windows x64
 * and aarch64, where the program's callee must extend it itself. */
API i32 N(apply_i8)(i8 (*f)(i8), i64 a) { return f((i8)a); }
API i32 N(apply_i16)(i16 (*f)(i16), i64 a) { return f((i16)a); }
API i32 N(get_counter)(void) { return N(counter); }
