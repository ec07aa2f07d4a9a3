// See include/berth_linux.h for why each function is written in C.
#define _GNU_SOURCE
#include "berth_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

int berth_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
    // Raw syscall: glibc's wrapper exists only from 2.28 and only with _GNU_SOURCE; the raw
    // number works on every kernel since 3.15, which is older than anything Berth supports.
    return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE);
}

pid_t berth_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                  int stdin_fd, int stdout_fd, int stderr_fd) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;  // parent (pid > 0) or fork failure (-1, errno set)

    // Child: async-signal-safe calls only from here to execve().
    // Order matters: the death signal is set first, then the parent is re-checked, because the
    // parent may have died between fork() and prctl(), and then no signal would ever come.
    if (prctl(PR_SET_PDEATHSIG, (unsigned long)SIGKILL, 0UL, 0UL, 0UL) < 0 || getppid() != parent)
        _exit(127);
    // Own process group, so that stopping the template reaches its children too.
    setpgid(0, 0);
    if (stdin_fd >= 0 && dup2(stdin_fd, 0) < 0)
        _exit(127);
    if (stdout_fd >= 0 && dup2(stdout_fd, 1) < 0)
        _exit(127);
    if (stderr_fd >= 0 && dup2(stderr_fd, 2) < 0)
        _exit(127);
    // The caller may have blocked or ignored signals; a template must start with defaults.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    }
    if (cwd && chdir(cwd) < 0)
        _exit(127);
    execve(path, argv, envp);
    _exit(127);
}

ssize_t berth_copy_file_range(int fd_in, int fd_out, size_t len) {
    return copy_file_range(fd_in, NULL, fd_out, NULL, len, 0);
}

int berth_mount_id_at(int dirfd, const char *name, uint64_t *mount_id) {
    struct statx sx;
    int flags = name[0] == '\0' ? AT_EMPTY_PATH : 0;
    // AT_STATX_DONT_SYNC: only the mount id is wanted, never a network filesystem round trip.
    if (statx(dirfd, name, flags | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) != 0)
        return -1;
    if (!(sx.stx_mask & STATX_MNT_ID)) {
        errno = EOPNOTSUPP;
        return -1;
    }
    *mount_id = sx.stx_mnt_id;
    return 0;
}
