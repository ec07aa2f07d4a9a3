// The installed binary's entry point (the release link names it with `-e berth_entry`; see the
// Makefile). It asks for huge pages on the binary's code before the code is first touched, then
// hands over to the C library's own `_start` as if the kernel had called it.
//
// Why before `_start`: the kernel reads a file mapped by a process around the first page a fault
// touches (here several MiB each way). When the binary has been evicted from the page cache,
// the first instruction of `_start` would read the whole hot text back in 4 KiB folios, and
// every later process would then map it a small page at a time. With MADV_HUGEPAGE on the text
// mapping first, that fault reads the text in 2 MiB folios, which the kernel maps with one
// entry each (a few faults instead of dozens a process). A constructor runs too late for this:
// the C library's start-up code lives in the same text.
//
// Why this section: everything here must run without touching the text segment, so it lives in
// a section of its own that the linker places after the text and the C library's PLT stubs (at
// the end of the executable segment, a page every process touches anyway and that the kernel
// has already read while loading the data segments), and it calls nothing: the system call is
// made inline. Compiled into every build; only the release link uses it as the entry point, and
// only on x86_64 (the one architecture written here; elsewhere the link keeps `_start`).
#if defined(__x86_64__)
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define BERTH_ENTRY_SECTION __attribute__((section("berth.preamble"), used, no_stack_protector))

/// The ELF header of this executable, defined by the linker; its program headers follow it.
extern const ElfW(Ehdr) __ehdr_start;

/// madvise(2) as a bare system call: glibc's wrapper is in the text this code must not touch
/// yet, and errno (thread-local storage) is not set up before `_start`. A failure (a kernel
/// without transparent huge pages) changes nothing: the text is then mapped as it always was.
static inline __attribute__((always_inline)) long berth_entry_madvise(uintptr_t address, uintptr_t length, long advice) {
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "0"((long)SYS_madvise), "D"(address), "S"(length), "d"(advice)
                     : "rcx", "r11", "memory");
    return result;
}

/// Advises huge pages on each executable segment, found from the program headers (so a change of
/// layout, or a static PIE loaded at a random address, needs nothing here).
BERTH_ENTRY_SECTION __attribute__((visibility("hidden"))) void berth_entry_advise_text(void) {
    const ElfW(Ehdr) *header = &__ehdr_start;
    const ElfW(Phdr) *programs = (const ElfW(Phdr) *)((const char *)header + header->e_phoff);
    // Where the image was loaded against where it was linked: 0 unless it is a static PIE.
    uintptr_t bias = 0;
    for (unsigned index = 0; index < header->e_phnum; index++) {
        if (programs[index].p_type == PT_LOAD && programs[index].p_offset == 0) {
            bias = (uintptr_t)header - (uintptr_t)programs[index].p_vaddr;
            break;
        }
    }
    const uintptr_t page = 4096;
    for (unsigned index = 0; index < header->e_phnum; index++) {
        const ElfW(Phdr) *program = &programs[index];
        if (program->p_type != PT_LOAD || !(program->p_flags & PF_X)) continue;
        uintptr_t start = (bias + program->p_vaddr) & ~(page - 1);
        uintptr_t end = (bias + program->p_vaddr + program->p_memsz + page - 1) & ~(page - 1);
        (void)berth_entry_madvise(start, end - start, MADV_HUGEPAGE);
    }
}

/// The process's first instruction. The kernel starts it with the stack pointer on argc and
/// %rdx holding the function `_start` registers with atexit (0 for a static program); both must
/// reach `_start` unchanged. %r12 keeps %rdx across the call (the callee preserves it), and the
/// call and its return leave the stack pointer where it was.
BERTH_ENTRY_SECTION __attribute__((naked)) void berth_entry(void) {
    __asm__ volatile("mov %rdx, %r12\n\t"
                     "call berth_entry_advise_text\n\t"
                     "mov %r12, %rdx\n\t"
                     "jmp _start\n\t");
}
#endif
