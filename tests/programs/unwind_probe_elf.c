/* The ELF half of tests/programs/unwind.lw (x86_64 and aarch64 Linux), compiled by clang and linked against
 * glibc and libgcc_s, whose unwinder reads `.eh_frame`. `snapshot` records the registers of its caller, `outer`
 * (one frame up, through clang's own call frame information); `probe` walks up from itself through linkwise's
 * `inner` and `outer` to `main` with _Unwind_Backtrace. It returns 0 when each frame starts where its function
 * does and the registers recovered for `outer` equal the record, else the first thing that differs:
 * 1 fewer than four frames, 2 `inner`'s start, 3 `outer`'s start, 4 `main`'s start, 5 `outer`'s CFA,
 * 6.. the callee-saved registers in the order of `saved` below. */
#include <stdint.h>
#include <unwind.h>

#if defined(__x86_64__)
/* DWARF numbers of the System V callee-saved registers: RBX, RBP, R12..R15. */
static const int saved[] = {3, 6, 12, 13, 14, 15};
#elif defined(__aarch64__)
/* X19..X28 and the frame pointer X29. */
static const int saved[] = {19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29};
#else
#error "unwind_probe_elf.c: x86_64 or aarch64 only"
#endif
#define SAVED (sizeof saved / sizeof saved[0])

struct frame {
    uintptr_t start, cfa, regs[SAVED];
};

struct walk {
    int count, wanted;
    struct frame frames[4];
};

static _Unwind_Reason_Code record(struct _Unwind_Context *context, void *argument) {
    struct walk *walk = argument;
    if (walk->count < walk->wanted) {
        struct frame *f = &walk->frames[walk->count];
        f->start = _Unwind_GetRegionStart(context);
        f->cfa = _Unwind_GetCFA(context);
        for (unsigned i = 0; i < SAVED; i++) f->regs[i] = _Unwind_GetGR(context, saved[i]);
    }
    walk->count++;
    return walk->count < walk->wanted ? _URC_NO_REASON : _URC_END_OF_STACK;
}

int inner(void);
int outer(void);
int main(void);

static struct walk recorded;

__attribute__((noinline)) long long seed(int k) { return 0x5eed000000000000LL + 0x0101010101LL * k; }
__attribute__((noinline)) double fseed(int k) { return 1000.0 + k * 0.125; }

/* Not a tail call: snapshot's own frame must be the first one the walk sees. */
__attribute__((noinline, disable_tail_calls)) void snapshot(void) {
    recorded.wanted = 2; /* snapshot, outer */
    _Unwind_Backtrace(record, &recorded);
}

__attribute__((noinline)) int probe(void) {
    struct walk walk = {.wanted = 4}; /* probe, inner, outer, main */
    _Unwind_Backtrace(record, &walk);
    if (walk.count < 4 || recorded.count < 2) return 1;
    if (walk.frames[1].start != (uintptr_t)inner) return 2;
    if (walk.frames[2].start != (uintptr_t)outer || recorded.frames[1].start != (uintptr_t)outer) return 3;
    if (walk.frames[3].start != (uintptr_t)main) return 4;
    if (walk.frames[2].cfa != recorded.frames[1].cfa) return 5;
    for (unsigned i = 0; i < SAVED; i++)
        if (walk.frames[2].regs[i] != recorded.frames[1].regs[i]) return 6 + (int)i;
    return 0;
}

int main(void) {
    int result = outer();
    __asm__ volatile("" ::: "memory"); /* keeps `outer()` from becoming a tail call: main's frame must exist */
    return result;
}
