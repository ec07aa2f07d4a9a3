// See include/berth_linux.h for why each function is written in C.
#define _GNU_SOURCE
#include "berth_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/btrfs.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int berth_rename_exchange(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
    return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, RENAME_EXCHANGE);
}

int berth_close_range(unsigned int first, unsigned int last) {
    if (first > last)
        return 0;
    if (syscall(SYS_close_range, first, last, 0U) == 0)
        return 0;
    if (errno != ENOSYS)
        return -1;
    // Kernels before 5.9: close one by one up to the descriptor limit.
    long limit = sysconf(_SC_OPEN_MAX);
    if (limit < 0 || limit > 1048576)
        limit = 1048576;
    for (long fd = first; fd < limit && (unsigned long)fd <= last; fd++)
        close((int)fd);
    return 0;
}

#include <sys/personality.h>

int berth_personality(unsigned long persona) {
    return personality(persona) == -1 ? -1 : 0;
}

int berth_join_session_keyring(void) {
    // KEYCTL_JOIN_SESSION_KEYRING (1) with a NULL name: a new anonymous session keyring.
    return (int)syscall(SYS_keyctl, 1L, 0L, 0L, 0L, 0L) < 0 ? -1 : 0;
}

int berth_ficlone(int dst_fd, int src_fd) {
    return ioctl(dst_fd, FICLONE, src_fd);
}

int berth_is_btrfs(int fd) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return -1;
    return fs.f_type == BTRFS_SUPER_MAGIC;
}

int berth_btrfs_subvolume(int dir_fd, const char *name, int source_fd) {
    if (strlen(name) >= BTRFS_SUBVOL_NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (source_fd < 0) {
        struct btrfs_ioctl_vol_args args;
        memset(&args, 0, sizeof args);
        strncpy(args.name, name, sizeof args.name - 1);
        return ioctl(dir_fd, BTRFS_IOC_SUBVOL_CREATE, &args);
    }
    struct btrfs_ioctl_vol_args_v2 args;
    memset(&args, 0, sizeof args);
    args.fd = source_fd;
    strncpy(args.name, name, sizeof args.name - 1);
    return ioctl(dir_fd, BTRFS_IOC_SNAP_CREATE_V2, &args);
}

int berth_btrfs_delete_subvolume(int dir_fd, const char *name) {
    struct btrfs_ioctl_vol_args args;
    memset(&args, 0, sizeof args);
    if (strlen(name) >= sizeof args.name) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strncpy(args.name, name, sizeof args.name - 1);
    return ioctl(dir_fd, BTRFS_IOC_SNAP_DESTROY, &args);
}

int berth_idmapped_tree(const char *path, int userns_fd) {
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (fd < 0)
        return -1;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = (uint64_t)userns_fd;
    if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int berth_attach_mount(int fd, const char *target) {
    return (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
}

ssize_t berth_llistxattr(const char *path, char *list, size_t size) { return llistxattr(path, list, size); }
ssize_t berth_lgetxattr(const char *path, const char *name, void *value, size_t size) { return lgetxattr(path, name, value, size); }
int berth_lsetxattr(const char *path, const char *name, const void *value, size_t size) { return lsetxattr(path, name, value, size, 0); }

// The child's half of both spawns: stdio, nothing else of the caller's, default signals, exec.
// Async-signal-safe calls only (the parent may have threads).
static void exec_child(const char *path, char *const argv[], char *const envp[], const char *cwd,
                       int stdin_fd, int stdout_fd, int stderr_fd) {
    if ((stdin_fd >= 0 && dup2(stdin_fd, 0) < 0) || (stdout_fd >= 0 && dup2(stdout_fd, 1) < 0) ||
        (stderr_fd >= 0 && dup2(stderr_fd, 2) < 0))
        _exit(127);
    // Nothing of the caller but stdio reaches a template or a hook: a descriptor inherited by
    // the tool (a directory, a socket) would otherwise be open in code the admin did not write.
    if (berth_close_range(3, ~0U) != 0)
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
    exec_child(path, argv, envp, cwd, stdin_fd, stdout_fd, stderr_fd);
    return -1;  // not reached
}

pid_t berth_spawn_clean(const char *path, char *const argv[], char *const envp[],
                        int stdin_fd, int stdout_fd, int stderr_fd) {
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    exec_child(path, argv, envp, NULL, stdin_fd, stdout_fd, stderr_fd);
    return -1;  // not reached
}

ssize_t berth_copy_file_range(int fd_in, int fd_out, size_t len) {
    return copy_file_range(fd_in, NULL, fd_out, NULL, len, 0);
}

int berth_entry_status_at(int dirfd, const char *name, struct berth_entry_status *out) {
    struct statx sx;
    int flags = name[0] == '\0' ? AT_EMPTY_PATH : 0;
    // AT_STATX_DONT_SYNC: type, device, inode and mount id never need a network filesystem's
    // round trip.
    if (statx(dirfd, name, flags | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC,
              STATX_TYPE | STATX_MODE | STATX_INO | STATX_MNT_ID, &sx) != 0)
        return -1;
    out->mode = sx.stx_mode;
    out->device = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    out->inode = sx.stx_ino;
    out->has_mount_id = (sx.stx_mask & STATX_MNT_ID) != 0;
    out->mount_id = out->has_mount_id ? sx.stx_mnt_id : 0;
    return 0;
}

long berth_read_directory(int fd, void *buffer, unsigned long size) {
    return syscall(SYS_getdents64, fd, buffer, size);
}

// ---- Processes and namespaces ----

#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <stdlib.h>
#include <stdio.h>
#include <stddef.h>

pid_t berth_clone_into(uint64_t flags, int *pidfd) {
    struct clone_args args;
    memset(&args, 0, sizeof(args));
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.exit_signal = SIGCHLD;
    // No stack: the child runs on a copy of the parent's stack, exactly as after fork().
    return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

pid_t berth_clone_into_cgroup(uint64_t flags, int *pidfd, int cgroup) {
    struct clone_args args;
    memset(&args, 0, sizeof(args));
    args.flags = flags | CLONE_PIDFD | CLONE_INTO_CGROUP;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.exit_signal = SIGCHLD;
    args.cgroup = (uint64_t)cgroup;
    return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int berth_setns(int fd, int nstype) { return setns(fd, nstype); }
int berth_unshare(int flags) { return unshare(flags); }

int berth_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int berth_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int berth_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int berth_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }

// The constants come from linux/prctl.h on new headers; spelled out for older ones.
#ifndef PR_SCHED_CORE
#define PR_SCHED_CORE 62
#endif
#ifndef PR_SCHED_CORE_CREATE
#define PR_SCHED_CORE_CREATE 1
#endif
int berth_sched_core_create(void) {
    // pid 0 is this process; type 1 (PIDTYPE_TGID) puts the whole thread group in the domain.
    return prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE, 0, 1, 0);
}
int berth_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
int berth_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, on ? 1 : 0, 0, 0, 0); }
// Why: the seccomp mode from the kernel directly; /proc/self/status gives it too, but the kernel
// computes every line of that file (memory counters included) for each read.
int berth_seccomp_mode(void) { return prctl(PR_GET_SECCOMP, 0, 0, 0, 0); }

int berth_seccomp_install(const void *instructions, size_t size) {
    // Whole instructions only, and no more than the kernel takes in one program.
    if (size == 0 || size % sizeof(struct sock_filter) != 0 || size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
        errno = EINVAL;
        return -1;
    }
    struct sock_fprog program = {
        .len = (unsigned short)(size / sizeof(struct sock_filter)),
        .filter = (struct sock_filter *)instructions,
    };
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0);
}
int berth_capbset_drop(int cap) { return prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); }
int berth_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
int berth_set_comm(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }
// Why: a sleep of this thread may otherwise end up to the default 50 us late (the kernel
// groups timer expiries); a short poll loop wants its sleeps as asked.
int berth_set_timer_slack(unsigned long nanoseconds) { return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0); }

// The argv/environment string area, captured before main() runs.
static char *title_start;
static size_t title_space;
// argv itself, for the Swift runtime (below).
static char **captured_argv;
static int captured_argc;

// glibc passes (argc, argv, envp) to ELF constructors; this is the only portable way to reach
// the original argv area from a Swift program.
__attribute__((constructor)) static void berth_capture_argv(int argc, char **argv, char **envp) {
    if (argc <= 0 || !argv || !argv[0])
        return;
    captured_argv = argv;
    captured_argc = argc;
    char *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
    // The environment strings usually follow argv directly; they may be overwritten too once
    // the process has copied what it needs (setproctitle's trick).
    for (int i = 0; envp && envp[i]; i++) {
        if (envp[i] == end)
            end = envp[i] + strlen(envp[i]) + 1;
    }
    title_start = argv[0];
    title_space = (size_t)(end - argv[0]);
}

// The Swift runtime's source of CommandLine.arguments. Its own definition (CommandLine.cpp in
// libswiftCore.a) finds argv on Linux from a constructor that runs in every process: it opens
// /proc/self/maps, has the kernel print every mapping, scans the lines with sscanf for the stack
// and walks back from environ to argv (about 20 us and a file a process). glibc hands argv to
// constructors, so berth_capture_argv has it already; with this definition in the link, the
// linker never takes the runtime's object, constructor and all, from the archive. Why C: the
// standard library calls this with the Swift calling convention (hence swiftcall), by this
// name. The pointers are the process's own argv, as the runtime's were; a process the kernel
// started with no arguments gets an empty list.
__attribute__((swiftcall)) char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen) {
    static char *no_arguments[] = { NULL };
    if (!captured_argv) {
        *outArgLen = 0;
        return no_arguments;
    }
    *outArgLen = captured_argc;
    return captured_argv;
}

size_t berth_set_process_title(const char *title) {
    if (!title_start || title_space < 2)
        return 0;
    // Copy the environment first: getenv() must keep working after its strings are overwritten.
    extern char **environ;
    for (char **e = environ; e && *e; e++) {
        if (*e >= title_start && *e < title_start + title_space) {
            char *copy = strdup(*e);
            if (copy)
                *e = copy;
        }
    }
    size_t n = strlen(title);
    if (n > title_space - 1)
        n = title_space - 1;
    memcpy(title_start, title, n);
    // Fill the rest with NULs: the kernel then shows exactly the title in /proc/PID/cmdline.
    memset(title_start + n, 0, title_space - n);
    return title_space - 1;
}

int berth_signalfd(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++)
        sigaddset(&set, signals[i]);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int berth_signalfd_read(int fd, int *status, pid_t *pid) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof(info));
    if (n < 0)
        return errno == EAGAIN ? 0 : -1;
    if (n != sizeof(info)) {
        errno = EIO;
        return -1;
    }
    *status = info.ssi_status;
    *pid = (pid_t)info.ssi_pid;
    return (int)info.ssi_signo;
}

// ---- Terminals ----

int berth_open_pty(const char *ptmx, int *ptx, char *name, size_t name_len) {
    int fd = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int unlock = 0;
    int number = 0;
    if (ioctl(fd, TIOCSPTLCK, &unlock) < 0 || ioctl(fd, TIOCGPTN, &number) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    // The name is relative to the devpts instance the ptmx belongs to: "<dir of ptmx>/pts/N"
    // for /dev/ptmx, "<dir>/N" for a devpts instance's own ptmx node.
    const char *slash = strrchr(ptmx, '/');
    size_t dir_len = slash ? (size_t)(slash - ptmx) : 0;
    int in_pts = dir_len >= 4 && strncmp(ptmx + dir_len - 4, "/pts", 4) == 0;
    int written = snprintf(name, name_len, "%.*s%s/%d", (int)dir_len, ptmx, in_pts ? "" : "/pts", number);
    if (written < 0 || (size_t)written >= name_len) {
        close(fd);
        errno = ENAMETOOLONG;
        return -1;
    }
    *ptx = fd;
    return 0;
}

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int berth_open_pty_peer(int ptx) {
    int unlock = 0;
    if (ioctl(ptx, TIOCSPTLCK, &unlock) < 0)
        return -1;
    return ioctl(ptx, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

int berth_get_winsize(int fd, unsigned short *rows, unsigned short *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
        return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

int berth_set_winsize(int fd, unsigned short rows, unsigned short cols) {
    struct winsize ws;
    memset(&ws, 0, sizeof(ws));
    ws.ws_row = rows;
    ws.ws_col = cols;
    return ioctl(fd, TIOCSWINSZ, &ws);
}

int berth_set_controlling_tty(int fd) { return ioctl(fd, TIOCSCTTY, 0); }

// ---- Unix sockets ----

static int path_address(struct sockaddr_un *addr, const char *path) {
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    size_t len = strlen(path);
    if (len >= sizeof(addr->sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(addr->sun_path, path, len);
    return 0;
}

int berth_listen_path(const char *path) {
    struct sockaddr_un addr;
    if (path_address(&addr, path) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 64) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int berth_connect_path(const char *path) {
    return berth_connect_path_of_type(path, SOCK_STREAM);
}

int berth_connect_path_of_type(const char *path, int type) {
    struct sockaddr_un addr;
    if (path_address(&addr, path) < 0)
        return -1;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int result;
    do {
        result = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
    } while (result < 0 && errno == EINTR);
    if (result < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int berth_peer_credentials(int sock, pid_t *pid, uid_t *uid) {
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -1;
    *pid = cred.pid;
    *uid = cred.uid;
    return 0;
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

int berth_peer_pidfd(int sock) {
    int pidfd = -1;
    socklen_t len = sizeof(pidfd);
    if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0)
        return -1;
    return pidfd;
}

ssize_t berth_send_with_fd(int sock, const void *data, size_t len, int fd) {
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    if (fd >= 0) {
        memset(&control, 0, sizeof(control));
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    ssize_t n;
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
}

ssize_t berth_recv_with_fd(int sock, void *data, size_t len, int *fd) {
    struct iovec iov = {.iov_base = data, .iov_len = len};
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    *fd = -1;
    ssize_t n;
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return n;
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
            memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
    }
    return n;
}

#include <linux/openat2.h>

int berth_open_in_root(int root_fd, const char *path, int flags, mode_t mode) {
    struct open_how how;
    memset(&how, 0, sizeof(how));
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd;
    do {
        fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
    } while (fd < 0 && errno == EAGAIN);  // EAGAIN: a concurrent rename raced the walk; retry
    return fd;
}

#include <sys/mman.h>
#include <sys/sendfile.h>

int berth_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int berth_sealed_copy(const char *path) {
    int copy = -1, saved = 0;
    int source = open(path, O_RDONLY | O_CLOEXEC);
    if (source < 0)
        return -1;
    struct stat st;
    if (fstat(source, &st) != 0)
        goto fail;
    copy = memfd_create("berth", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (copy < 0)
        goto fail;
    off_t done = 0;
    while (done < st.st_size) {
        ssize_t n = sendfile(copy, source, &done, (size_t)(st.st_size - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;  // the file shrank under us
            goto fail;
        }
    }
    if (fcntl(copy, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
        goto fail;
    close(source);
    return copy;
fail:
    // One way out: close what is open, keep the errno of the step that failed.
    saved = errno;
    close(source);
    if (copy >= 0)
        close(copy);
    errno = saved;
    return -1;
}

int berth_fexecve(int fd, char *const argv[], char *const envp[]) {
    return fexecve(fd, argv, envp);
}

#include <linux/bpf.h>

int berth_bpf_load_device_program(const void *insns, int count, char *log, size_t log_size) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insn_cnt = (__u32)count;
    attr.insns = (__u64)(uintptr_t)insns;
    attr.license = (__u64)(uintptr_t)"GPL";
    if (log && log_size > 0) {
        log[0] = 0;
        attr.log_buf = (__u64)(uintptr_t)log;
        attr.log_size = (__u32)log_size;
        attr.log_level = 1;
    }
    int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
    if (fd < 0 && errno == ENOSPC && log) {
        // The log was too small for the verifier's full account; the error itself stands.
        errno = EINVAL;
    }
    return fd;
}

int berth_bpf_attach_device_program(int prog, int cgroup) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (__u32)cgroup;
    attr.attach_bpf_fd = (__u32)prog;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    return (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr));
}

int berth_malloc_trim(void) {
    return malloc_trim(0);
}

int berth_ofd_lock(int fd, int lock) {
    struct flock range = { .l_type = lock ? F_WRLCK : F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0, .l_pid = 0 };
    return fcntl(fd, F_OFD_SETLK, &range);
}

int berth_ofd_locked(int fd) {
    // l_pid must be 0 for the OFD commands; the kernel fills in l_type with F_UNLCK when no
    // other description's lock would conflict with a write lock on the whole file.
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0, .l_pid = 0 };
    if (fcntl(fd, F_OFD_GETLK, &lock) != 0) return -1;
    return lock.l_type != F_UNLCK;
}
