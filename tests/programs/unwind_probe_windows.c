/* The Windows x64 half of tests/programs/unwind.lw, compiled by clang for x86_64-pc-windows-msvc without
 * headers or a C runtime. `snapshot` records the caller's registers (its own frame unwound with clang's correct unwind
 * information); `probe` unwinds two frames, its own and linkwise's `inner`, and returns 0 when every
 * recovered register equals that record, else the first that differs: 1 RIP's function, 2 RSP, 3 RBP,
 * 4..10 RBX RSI RDI R12..R15, 11..20 XMM6..XMM15, 21 no unwind information found. (An exit status keeps only
 * 8 bits, so this is a number, not a mask.) */
typedef unsigned long long u64;
typedef struct { _Alignas(16) unsigned char bytes[0x4d0]; } CONTEXT; /* x64 CONTEXT: 1232 bytes */

__declspec(dllimport) void RtlCaptureContext(CONTEXT *context);
__declspec(dllimport) void *RtlLookupFunctionEntry(u64 pc, u64 *image_base, void *history);
__declspec(dllimport) void ExitProcess(unsigned code);
__declspec(dllimport) void *RtlVirtualUnwind(unsigned type, u64 image_base, u64 pc, void *entry,
                                             CONTEXT *context, void **handler_data, u64 *frame, void *pointers);

/* Offsets in CONTEXT (winnt.h). */
enum { RSP = 0x98, RBP = 0xa0, RIP = 0xf8, XMM0 = 0x1a0 };
static const unsigned short saved_gprs[7] = {0x90, 0xa8, 0xb0, 0xd8, 0xe0, 0xe8, 0xf0};

static u64 get(const CONTEXT *c, unsigned offset) { return *(const u64 *)(c->bytes + offset); }

/* Replaces `c`, the state inside some function, with the state of its caller; 0 if no unwind info. */
__declspec(noinline) static int unwind(CONTEXT *c) {
    u64 base = 0, frame = 0;
    void *data = 0;
    void *entry = RtlLookupFunctionEntry(get(c, RIP), &base, 0);
    if (!entry) return 0;
    RtlVirtualUnwind(0 /* UNW_FLAG_NHANDLER */, base, get(c, RIP), entry, c, &data, &frame, 0);
    return 1;
}

/* MSVC-target objects that use floating point reference `_fltused`, which the C runtime normally defines. */
int _fltused;

static CONTEXT recorded;
static int recorded_ok;

__declspec(noinline) long long seed(int k) { return 0x5eed000000000000LL + 0x0101010101LL * k; }
__declspec(noinline) double fseed(int k) { return 1000.0 + k * 0.125; }

__declspec(noinline) void snapshot(void) {
    RtlCaptureContext(&recorded);
    recorded_ok = unwind(&recorded);
}

__declspec(noinline) int probe(void) {
    static CONTEXT c;
    u64 base_now = 0, base_then = 0;
    RtlCaptureContext(&c);
    if (!recorded_ok || !unwind(&c) || !unwind(&c)) return 21;
    /* Both return addresses lie in `outer`: the same function entry. */
    if (RtlLookupFunctionEntry(get(&c, RIP), &base_now, 0) != RtlLookupFunctionEntry(get(&recorded, RIP), &base_then, 0))
        return 1;
    if (get(&c, RSP) != get(&recorded, RSP)) return 2;
    if (get(&c, RBP) != get(&recorded, RBP)) return 3;
    for (int i = 0; i < 7; i++)
        if (get(&c, saved_gprs[i]) != get(&recorded, saved_gprs[i])) return 4 + i;
    for (int i = 6; i < 16; i++) {
        unsigned at = XMM0 + 16 * i;
        if (get(&c, at) != get(&recorded, at) || get(&c, at + 8) != get(&recorded, at + 8)) return 5 + i;
    }
    return 0;
}

int outer(void);

void mainCRTStartup(void) { ExitProcess(outer()); }
