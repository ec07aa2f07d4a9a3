// CBerthLinux: the few Linux calls Swift cannot make safely or at all.
//
// Every function here exists for a stated reason; if Swift's Glibc module gains a safe way to
// make the call, the function should go. Symbols are prefixed `berth_` so they never collide
// with libc.
#ifndef BERTH_LINUX_H
#define BERTH_LINUX_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// renameat2(2) with RENAME_NOREPLACE.
/// Why C: glibc declares renameat2 only under _GNU_SOURCE, which Swift's Glibc module does not
/// define, and the raw syscall(2) fallback is variadic, which Swift cannot call. Create uses it
/// so that publishing a finished container can never replace one that appeared meanwhile.
/// Returns 0, or -1 with errno set.
int berth_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

/// fork + exec of a helper program (templates, hooks) that dies with its parent.
/// Why C: between fork() and exec() only async-signal-safe calls are allowed, and the child
/// needs prctl(PR_SET_PDEATHSIG), which is variadic and not imported by Swift; posix_spawn
/// cannot set a death signal. The child gets its own process group (so the caller can signal the
/// whole template, e.g. debootstrap and its children), the given working directory, and SIGKILL
/// when the caller dies, so an interrupted create never leaves a template writing into a
/// directory that is being removed.
/// `stdin_fd`/`stdout_fd`/`stderr_fd` of -1 keep the caller's descriptor.
/// Returns the child's pid, or -1 with errno set (exec failures arrive as exit status 127).
pid_t berth_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                  int stdin_fd, int stdout_fd, int stderr_fd);

/// copy_file_range(2) from the current offsets of both descriptors.
/// Why C: glibc declares it only under _GNU_SOURCE, which Swift's Glibc module does not define.
/// Copies go through the kernel (a reflink where the filesystem can) instead of user space.
/// Returns bytes copied, 0 at end of input, or -1 with errno set.
ssize_t berth_copy_file_range(int fd_in, int fd_out, size_t len);

/// The id of the mount `name` (relative to `dirfd`, not following a final symlink; an empty
/// `name` asks about `dirfd` itself) lies on, from statx(2) with STATX_MNT_ID.
/// Why C: glibc declares statx and its struct only under _GNU_SOURCE, which Swift's Glibc
/// module does not define. A bind mount of the same filesystem has the same st_dev as its
/// parent, so only the mount id tells that a tree walk is about to cross into a mount.
/// Returns 0 with `*mount_id` set, or -1 with errno set (EOPNOTSUPP when the kernel, older
/// than 5.8, does not report mount ids).
int berth_mount_id_at(int dirfd, const char *name, uint64_t *mount_id);

#ifdef __cplusplus
}
#endif

#endif
