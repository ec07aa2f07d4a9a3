import Foundation
import Testing
import BerthKit
import CBerthLinux

/// True when the tests can do what the tools do: create files owned by root, chroot, mount.
let isRoot = getuid() == 0

/// Where the built tools are: beside the test binary, or `BERTH_BIN_DIR` (to test an install).
let binDirectory: String = {
    if let dir = ProcessInfo.processInfo.environment["BERTH_BIN_DIR"] { return dir }
    let exe = (try? FileSystem.readLink("/proc/self/exe")) ?? CommandLine.arguments[0]
    return Path.parent(exe)
}()

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Looks at `condition` every 10 ms until it holds, `tries` times, then once more, which
/// decides. For what follows a command's return (a monitor moving or ending, a veth going, a
/// guest's boot script): 200 tries wait about two seconds.
func eventually(tries: Int = 200, _ condition: () throws -> Bool) rethrows -> Bool {
    for _ in 0..<tries {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

/// True when `pid` has ended: gone, or a zombie nobody has reaped yet (an orphan is adopted by
/// the test process, which reaps only its own children by pid).
func processEnded(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 else { return true }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

/// What a tool run produced.
struct RunResult {
    let status: Int32
    let stdout: String
    let stderr: String
    let signaled: Bool
}

/// A private lxcpath and config directory for one test, with every container, mount and file
/// it made removed at the end, also when the test fails.
final class Sandbox: @unchecked Sendable {
    let root: String
    let lxcpath: String
    let configDirectory: String

    init() throws {
        root = "/tmp/berth-it-" + UUID().uuidString.prefix(8).lowercased()
        lxcpath = root + "/lxc"
        configDirectory = root + "/etc"
        try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        // The tests make privileged containers unless they ask otherwise (--unprivileged, or a
        // berth.conf of their own); new containers are unprivileged by default.
        try "berth.unprivileged = 0\n".write(toFile: configDirectory + "/berth.conf", atomically: true, encoding: .utf8)
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["BERTH_CONFIG_DIR"] = configDirectory
        env["BERTH_TEMPLATE_DIR"] = repositoryRoot + "/templates"
        env["BERTH_CACHE_DIR"] = root + "/cache"
        // The managed bridge's pid files, leases and host entries stay in the sandbox.
        env["BERTH_NET_RUN_DIR"] = root + "/net-run"
        env["BERTH_NET_STATE_DIR"] = root + "/net-state"
        return env
    }

    /// Runs `berth-<tool>` with `-P <lxcpath>` added unless `lxcpath` is false.
    @discardableResult
    func run(_ tool: String, _ arguments: [String], lxcpath: Bool = true) throws -> RunResult {
        let process = try start(tool, arguments, lxcpath: lxcpath)
        return try finish(process)
    }

    func start(_ tool: String, _ arguments: [String], lxcpath: Bool = true) throws -> Started {
        try start(executable: binDirectory + "/berth-" + tool, (lxcpath ? ["-P", self.lxcpath] : []) + arguments)
    }

    /// Runs any executable with the sandbox's environment.
    @discardableResult
    func run(executable: String, _ arguments: [String]) throws -> RunResult {
        try finish(start(executable: executable, arguments))
    }

    /// A tool started by `start`: its pid and the read ends of its stdout and stderr pipes.
    struct Started {
        let pid: pid_t
        let stdout: Int32
        let stderr: Int32
    }

    /// Starts `executable` (berth_spawn_clean) and waits for it with waitpid on its own pid: the
    /// harness stays independent of how Foundation notices children ending, and of any
    /// SIGCHLD a tool's own children cause.
    func start(executable: String, _ arguments: [String]) throws -> Started {
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard pipe(&out) == 0, pipe(&err) == 0 else { throw POSIXError(.EMFILE) }
        // Close-on-exec, so other tools started meanwhile do not keep these pipes open.
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        // Nothing else of this multi-threaded test process may leak into the tool: another
        // test's file still open for writing would make an exec fail with ETXTBSY.
        let pid = berth_spawn_clean(executable, argv, envp, null, out[1], err[1])
        let rc = pid > 0 ? 0 : errno
        close(null)
        close(out[1])
        close(err[1])
        guard pid > 0 else {
            close(out[0])
            close(err[0])
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .ENOENT)
        }
        return Started(pid: pid, stdout: out[0], stderr: err[0])
    }

    func finish(_ started: Started) throws -> RunResult {
        // Read both pipes to the end before waiting, so a chatty tool cannot block on a full pipe.
        var output: [Int32: [UInt8]] = [started.stdout: [], started.stderr: []]
        var open = [started.stdout, started.stderr]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&fds, nfds_t(fds.count), -1) < 0 { if errno == EINTR { continue } else { break } }
            for entry in fds where entry.revents != 0 {
                let n = read(entry.fd, &buffer, buffer.count)
                if n > 0 {
                    output[entry.fd, default: []] += buffer[0..<n]
                } else if n == 0 || errno != EINTR {
                    open.removeAll { $0 == entry.fd }
                    close(entry.fd)
                }
            }
        }
        var status: Int32 = 0
        while waitpid(started.pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return RunResult(status: signal != 0 ? signal : (status >> 8) & 0xff,
                         stdout: String(decoding: output[started.stdout] ?? [], as: UTF8.self),
                         stderr: String(decoding: output[started.stderr] ?? [], as: UTF8.self), signaled: signal != 0)
    }

    /// Writes an executable template script into the sandbox.
    func template(_ name: String, _ body: String) throws -> String {
        let path = root + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// Names in the lxcpath, hidden ones included.
    func entries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: lxcpath)) ?? []).sorted()
    }

    deinit {
        // Stop whatever a test left running (its monitor and init), by asking each monitor, in
        // the lxcpath and in any other one a test made in the sandbox.
        let others = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).map { root + "/" + $0 }
            .filter { $0 != lxcpath && FileSystem.isDirectory($0) }
        for path in [lxcpath] + others {
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []) where !name.hasPrefix(".") {
                guard let valid = try? ContainerName(name), FileSystem.isFile(path + "/" + name + "/config") else { continue }
                _ = try? run("stop", ["-P", path, "-n", name, "-k"], lxcpath: false)
                // A stopped container keeps its lock file in /run/berth (a monitor a test killed,
                // its socket too) until berth-destroy, which the sandbox's removal is not.
                let paths = ContainerPaths(lxcpath: path, name: valid)
                CommandSocket(paths: paths).removeIfStale()
                // And its MAC addresses' hold files (/run/berth/macs), as berth-destroy removes them.
                MACClaim.removeStale(of: try? Container(lxcpath: path, name: valid).loadConfig(), paths: paths)
            }
        }
        // A DHCP server a failed test left running: ended by the pid its pid file names, when
        // that process is the dnsmasq started with this pid file.
        for bridge in (try? FileManager.default.contentsOfDirectory(atPath: root + "/net-run")) ?? [] {
            let pidFile = root + "/net-run/\(bridge)/dnsmasq.pid"
            guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  String(decoding: cmdline, as: UTF8.self).contains("--pid-file=\(pidFile)") else { continue }
            kill(pid, SIGTERM)
        }
        // Unmount anything a failed test left below the sandbox, deepest first, then remove the
        // tree without crossing into other filesystems.
        for mount in MountTable.mounts(under: root).sorted(by: { $0.count > $1.count }) {
            umount2(mount, Int32(MNT_DETACH))
        }
        try? FileSystem.removeTree(root)
    }
}

/// Parses JSON output.
func json(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8))
}
