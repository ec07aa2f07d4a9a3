// CBerthLinux: the few Linux calls Swift cannot make safely or at all.
//
// Every function here exists for a stated reason; if Swift's Glibc module gains a safe way to
// make the call, the function should go. Symbols are prefixed `berth_` so they never collide
// with libc.
#ifndef BERTH_LINUX_H
#define BERTH_LINUX_H

#include <stdint.h>
#include <sys/types.h>

/// O_PATH from <fcntl.h>, which glibc defines only under _GNU_SOURCE: a descriptor that names
/// a file without opening it, for fchdir, *at() calls and mounting on /proc/self/fd/N.
#define BERTH_O_PATH 010000000

#ifdef __cplusplus
extern "C" {
#endif

/// renameat2(2) with RENAME_NOREPLACE.
/// Why C: glibc declares renameat2 only under _GNU_SOURCE, which Swift's Glibc module does not
/// define, and the raw syscall(2) fallback is variadic, which Swift cannot call. Create uses it
/// so that publishing a finished container can never replace one that appeared meanwhile.
/// Returns 0, or -1 with errno set.
int berth_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

/// close_range(2) of `first`...`last`, falling back to closing one by one on kernels before 5.9.
/// Why C: glibc 2.36 declares close_range only under _GNU_SOURCE, and the raw syscall(2) is
/// variadic. Used wherever a process is about to run code of the container, a template or a
/// hook, so that no descriptor of the caller reaches it. Returns 0, or -1 with errno set.
int berth_close_range(unsigned int first, unsigned int last);

/// malloc_trim(0): returns the heap's free pages to the kernel. Why C: <malloc.h> is not part of
/// the C library module Swift imports. Returns 1 when memory was released.
int berth_malloc_trim(void);

/// personality(2): sets the execution domain (PER_LINUX32 makes uname report i686).
/// Why C: <sys/personality.h> is not part of Swift's Glibc module. Returns 0, or -1 with errno.
int berth_personality(unsigned long persona);
// prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE) for this thread group: a core-scheduling domain
// that what it forks inherits. C because prctl is variadic. -1 with errno (EINVAL: the kernel
// has no core scheduling).
int berth_sched_core_create(void);

/// keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL): this process gets a new session keyring, so a
/// container never shares the session keyring of whoever started it (lxc.keyring.session).
/// Why C: keyctl has no glibc wrapper and syscall(2) is variadic. Returns 0, or -1 with errno.
int berth_join_session_keyring(void);

/// renameat2(2) with RENAME_EXCHANGE: swaps two paths in one step.
/// Why C: as berth_rename_noreplace. A restore swaps the finished copy with the container it
/// replaces, so at every moment one complete container carries the name.
/// Returns 0, or -1 with errno set.
int berth_rename_exchange(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

/// ioctl(FICLONE): makes `dst_fd` share all of `src_fd`'s data blocks (a reflink) on
/// filesystems that can (btrfs, xfs). Why C: ioctl is variadic, which Swift cannot call.
/// Returns 0, or -1 with errno set (EOPNOTSUPP, EXDEV, EINVAL where reflinks are impossible).
int berth_ficlone(int dst_fd, int src_fd);

/// Whether the file open at `fd` lives on btrfs (fstatfs f_type BTRFS_SUPER_MAGIC).
/// Why C: the magic number and struct statfs layout come from kernel headers. Returns 1, 0, or
/// -1 with errno set.
int berth_is_btrfs(int fd);

/// Creates the btrfs subvolume `name` in the directory `dir_fd`, or, with `source_fd` >= 0, a
/// snapshot of the subvolume open at `source_fd` (BTRFS_IOC_SUBVOL_CREATE /
/// BTRFS_IOC_SNAP_CREATE_V2). Why C: ioctl is variadic and its argument structs come from
/// <linux/btrfs.h>; no btrfs-progs process is needed. Returns 0, or -1 with errno set.
int berth_btrfs_subvolume(int dir_fd, const char *name, int source_fd);

/// Deletes the btrfs subvolume `name` in the directory `dir_fd` (BTRFS_IOC_SNAP_DESTROY), with
/// whatever it holds. Why C: as berth_btrfs_subvolume. Returns 0, or -1 with errno set.
int berth_btrfs_delete_subvolume(int dir_fd, const char *name);

/// llistxattr, lgetxattr and lsetxattr (extended attributes of a path, not following a final
/// symlink). Why C: <sys/xattr.h> is not part of Swift's Glibc module. Return as the libc calls.
ssize_t berth_llistxattr(const char *path, char *list, size_t size);
ssize_t berth_lgetxattr(const char *path, const char *name, void *value, size_t size);
int berth_lsetxattr(const char *path, const char *name, const void *value, size_t size);

/// A detached copy of the directory tree at `path` (open_tree(OPEN_TREE_CLONE)), idmapped
/// through the user namespace `userns_fd` (mount_setattr(MOUNT_ATTR_IDMAP)): a file stored
/// as uid N is seen as the host uid that N maps to in that namespace (0 on disk: the container's
/// root), and the container's writes are stored unshifted. Why C: open_tree and mount_setattr have no glibc wrappers, the raw syscall(2) is
/// variadic, and struct mount_attr comes from <linux/mount.h>. Returns the mount's descriptor
/// (close-on-exec), or -1 with errno set (EINVAL where the filesystem cannot be idmapped).
int berth_idmapped_tree(const char *path, int userns_fd);

/// move_mount(2) of the detached mount `fd` onto `target`. Why C: no glibc wrapper, and the
/// raw syscall(2) is variadic. Returns 0, or -1 with errno set.
int berth_attach_mount(int fd, const char *target);

/// fork + exec of a helper program (templates, hooks) that dies with its parent.
/// Why C: between fork() and exec() only async-signal-safe calls are allowed, and the child
/// needs prctl(PR_SET_PDEATHSIG), which is variadic and not imported by Swift; posix_spawn
/// cannot set a death signal. The child gets its own process group (so the caller can signal the
/// whole template, e.g. debootstrap and its children), the given working directory, and SIGKILL
/// when the caller dies, so an interrupted create never leaves a template writing into a
/// directory that is being removed.
/// `stdin_fd`/`stdout_fd`/`stderr_fd` of -1 keep the caller's descriptor.
/// Returns the child's pid, or -1 with errno set (exec failures arrive as exit status 127).
/// Starts `path` with the given stdio and nothing else inherited (every other descriptor is
/// closed in the child), default signal handling, in the caller's process group. For callers
/// that have threads, where any descriptor may be open at fork time. Why C: fork() is not
/// callable from Swift, and the child may only use async-signal-safe calls before execve.
pid_t berth_spawn_clean(const char *path, char *const argv[], char *const envp[],
                        int stdin_fd, int stdout_fd, int stderr_fd);
pid_t berth_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                  int stdin_fd, int stdout_fd, int stderr_fd);

/// copy_file_range(2) from the current offsets of both descriptors.
/// Why C: glibc declares it only under _GNU_SOURCE, which Swift's Glibc module does not define.
/// Copies go through the kernel (a reflink where the filesystem can) instead of user space.
/// Returns bytes copied, 0 at end of input, or -1 with errno set.
ssize_t berth_copy_file_range(int fd_in, int fd_out, size_t len);

/// What a tree removal needs to know of a directory entry, from one statx(2) (not following a
/// symlink): its mode, device (makedev of statx's major and minor, as stat's st_dev), inode and
/// mount id (`has_mount_id` 0 on kernels that do not report one).
struct berth_entry_status {
    uint32_t mode;
    uint64_t device;
    uint64_t inode;
    uint64_t mount_id;
    int has_mount_id;
};

/// Why C: glibc declares statx and its struct only under _GNU_SOURCE, which Swift's Glibc
/// module does not define. One call where a tree walk made two (fstatat for the type and
/// device, statx for the mount id); the mount id is what tells a walk that it is about to cross
/// into a bind mount of the same filesystem (same device as its parent). `name` "" means
/// `dirfd` itself. Returns 0, or -1 with errno set.
int berth_entry_status_at(int dirfd, const char *name, struct berth_entry_status *out);

/// Why C: getdents64(2) has no glibc wrapper that Swift's Glibc module declares. Reads the next
/// entries of the directory open at `fd` into `buffer` (linux_dirent64 records), without the
/// DIR stream fdopendir builds (an fstat and two fcntl calls per directory). Returns the bytes
/// read, 0 at the end, -1 with errno set.
long berth_read_directory(int fd, void *buffer, unsigned long size);


// ---- Processes and namespaces ----

/// clone3(2) without a new stack, so the child returns here like fork(2) but is born in the new
/// namespaces given by `flags` (CLONE_NEW*), with a pidfd for it stored in `*pidfd`.
/// Why C: glibc has no clone3 wrapper and syscall(2) is variadic. Berth calls it only from
/// single-threaded processes (the monitor, attach), where the child may go on running Swift
/// code: no other thread can hold a lock the child would need.
/// Returns the child's pid in the parent, 0 in the child, or -1 with errno set.
pid_t berth_clone_into(uint64_t flags, int *pidfd);

/// setns(2) and unshare(2). Why C: glibc declares them only under _GNU_SOURCE.
/// As berth_clone_into, with the child born in the cgroup2 directory open at `cgroup`
/// (CLONE_INTO_CGROUP, Linux 5.7): no migration afterwards, so no moment outside its cgroup.
/// Fails (EINVAL, EBUSY, EOPNOTSUPP...) where the kernel or the cgroup does not allow it; the
/// caller then clones normally and the child joins by writing cgroup.procs.
pid_t berth_clone_into_cgroup(uint64_t flags, int *pidfd, int cgroup);
int berth_setns(int fd, int nstype);
int berth_unshare(int flags);

/// pivot_root(2). Why C: glibc has no wrapper, and syscall(2) is variadic.
int berth_pivot_root(const char *new_root, const char *put_old);

/// pidfd_open(2) and pidfd_send_signal(2). Why C: no glibc wrappers in Debian 12's glibc 2.36
/// headers as imported by Swift; syscall(2) is variadic. A pidfd names one process for ever, so
/// a signal can never hit a recycled pid.
int berth_pidfd_open(pid_t pid);
int berth_pidfd_send_signal(int pidfd, int sig);

/// prctl(2) calls. Why C: prctl is variadic, which Swift cannot call.
int berth_set_pdeathsig(int sig);
int berth_set_child_subreaper(void);
int berth_set_dumpable(int on);
int berth_seccomp_mode(void);
// Why: a filter libseccomp generated ahead of time (seccomp_export_bpf) is installed later with
// one prctl, as libseccomp's own load does when no filter flags are asked for; the program's
// struct is C's to lay out.
int berth_seccomp_install(const void *instructions, size_t size);
// Why: memfd_create is declared by glibc only under _GNU_SOURCE, which Swift's Glibc module
// is imported without. An anonymous, close-on-exec in-memory file.
int berth_memfd(const char *name);
int berth_set_timer_slack(unsigned long nanoseconds);
int berth_capbset_drop(int cap);
int berth_set_no_new_privs(void);
int berth_set_comm(const char *name);

/// Replaces what `ps` shows for this process (its argv area) with `title`, as setproctitle
/// does: the bytes from argv[0] to the end of the environment strings are overwritten. Call it
/// only after the process has stopped reading its original argv and environment strings.
/// Why C: the argv area is reached through the (argc, argv, envp) glibc passes to ELF
/// constructors, which only C can receive; PR_SET_MM needs CAP_SYS_RESOURCE, which root in a
/// container or VM may lack. Returns the number of bytes available for titles.
size_t berth_set_process_title(const char *title);

/// A signalfd for `signals` (a NULL-free array of `count` signal numbers), non-blocking and
/// close-on-exec. Why C: glibc declares signalfd only in <sys/signalfd.h>, which Swift's Glibc
/// module does not include. Returns the fd, or -1 with errno set.
int berth_signalfd(const int *signals, int count);
/// Reads one signal from a signalfd: returns the signal number and stores the sender's status
/// (si_status) and pid, 0 when none is pending, or -1 with errno set.
int berth_signalfd_read(int fd, int *status, pid_t *pid);


/// openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: opens `path` as if `root_fd` were
/// `/`, so no `..` or symlink (absolute or relative) inside a container's rootfs can lead out of
/// it. Why C: glibc 2.36 has no wrapper, struct open_how comes from <linux/openat2.h>, and
/// syscall(2) is variadic. Mount targets are opened this way and mounted on through
/// /proc/self/fd/N (the CVE-2015-1335 class of escape). Returns the fd, or -1 with errno set.
int berth_open_in_root(int root_fd, const char *path, int flags, mode_t mode);

// ---- Terminals ----

/// Opens a new pty pair on the devpts instance whose ptmx is `ptmx` ("/dev/ptmx" for the
/// host's): stores the controlling side in `*ptx` (close-on-exec) and the name of the other side
/// in `name`. Why C: posix_openpt/unlockpt/ptsname_r are declared only under _XOPEN_SOURCE and
/// unlocking uses a variadic ioctl. Returns 0, or -1 with errno set.
int berth_open_pty(const char *ptmx, int *ptx, char *name, size_t name_len);
/// Unlocks the pty pair of the controlling side `ptx` (a ptmx already opened) and opens its
/// other side straight from it (TIOCGPTPEER, Linux 4.13), with no path looked up: used inside a
/// container's rootfs, whose /dev/pts path its root could have pointed elsewhere. Why C: ioctl
/// is variadic. Returns the descriptor (close-on-exec, no controlling tty), or -1 with errno set.
int berth_open_pty_peer(int ptx);
/// Window size of a terminal, and setting it. Why C: ioctl is variadic.
int berth_get_winsize(int fd, unsigned short *rows, unsigned short *cols);
int berth_set_winsize(int fd, unsigned short rows, unsigned short cols);
/// Makes `fd` the controlling terminal of the calling session leader. Why C: ioctl is variadic.
int berth_set_controlling_tty(int fd);

// ---- Unix sockets ----

/// A listening stream socket bound at the filesystem path `path`, close-on-exec, with
/// SO_PASSCRED. The caller makes sure nothing is at `path` (see CommandSocket). Why C:
/// sockaddr_un's fixed-size path array is awkward to fill from Swift. Returns the fd, or -1
/// with errno set (ENAMETOOLONG when the path does not fit in sun_path).
int berth_listen_path(const char *path);
/// Connects to the socket at `path`. ECONNREFUSED (a stale socket file) or ENOENT means nobody
/// listens.
int berth_connect_path(const char *path);
/// The same for a socket of `type` (SOCK_DGRAM for a syslog socket such as /dev/log), so that
/// later sends need no address.
int berth_connect_path_of_type(const char *path, int type);
/// The pid and uid of the process at the other end of a connected Unix socket (SO_PEERCRED),
/// as seen from the caller's pid namespace. Why C: struct ucred is declared only under
/// _GNU_SOURCE. Returns 0, or -1 with errno set.
int berth_peer_credentials(int sock, pid_t *pid, uid_t *uid);
/// A pidfd for the process at the other end of a connected Unix socket (SO_PEERPIDFD, Linux
/// 6.5), so that checks made on it through /proc cannot be fooled by a recycled pid. Why C:
/// the constant is missing from older headers. Returns the pidfd (close-on-exec), or -1.
int berth_peer_pidfd(int sock);
/// Sends `len` bytes and, if `fd` >= 0, the descriptor `fd` with them (SCM_RIGHTS).
/// Why C: the CMSG_* macros are not imported into Swift. Returns bytes sent or -1.
ssize_t berth_send_with_fd(int sock, const void *data, size_t len, int fd);
/// Receives up to `len` bytes and a descriptor if one came (`*fd`, else -1), close-on-exec.
ssize_t berth_recv_with_fd(int sock, void *data, size_t len, int *fd);

/// An open-file-description write lock on the whole file open at `fd` (F_OFD_SETLK), taken
/// without waiting (`lock` 1), or dropped (`lock` 0). Why C: glibc defines the F_OFD_* commands
/// only under _GNU_SOURCE, and fcntl(2) is variadic. A monitor holds one on its lock file beside
/// the flock: unlike a flock, it can be asked about without being taken (berth_ofd_locked), so
/// a reader never holds what a starting monitor must take. Returns 0, or -1 with errno set.
int berth_ofd_lock(int fd, int lock);
/// Whether another open file description holds a lock on the file open at `fd` (F_OFD_GETLK,
/// which takes nothing): 1 when one does, 0 when none does, -1 with errno set.
int berth_ofd_locked(int fd);

/// A sealed in-memory copy of the file at `path` (a memfd whose size and contents can never
/// change again: F_SEAL_WRITE, F_SEAL_GROW, F_SEAL_SHRINK, F_SEAL_SEAL), or -1 with errno.
/// Why C: memfd_create's flags and the F_ADD_SEALS constants are macros Swift does not import,
/// and sendfile's in-kernel copy keeps the copy cheap.
int berth_sealed_copy(const char *path);
/// Executes the file open at `fd` (fexecve). Why C: a thin pass-through so Swift callers get
/// errno without importing glibc's fexecve declaration differences across versions.
int berth_fexecve(int fd, char *const argv[], char *const envp[]);

/// Loads a BPF_PROG_TYPE_CGROUP_DEVICE program of `count` 8-byte instructions and returns its
/// fd, or -1 with errno; the verifier's complaint, if any, goes to `log`. Why C: union bpf_attr
/// and the bpf() syscall have no Swift import.
int berth_bpf_load_device_program(const void *insns, int count, char *log, size_t log_size);
/// Attaches program `prog` to the cgroup2 directory open at `cgroup` as a device filter
/// (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI so the host's own filters stay in force).
int berth_bpf_attach_device_program(int prog, int cgroup);

#ifdef __cplusplus
}
#endif

#endif
