import Foundation
import Testing
import BerthKit

/// What the runtime tests check about containers: made, found, and gone without a trace.
extension Sandbox {
    /// A sandbox with one busybox container `name`.
    static func withBusybox(_ name: String) throws -> Sandbox {
        let box = try Sandbox()
        let created = try box.run("create", ["-n", name, "-t", "busybox"])
        try #require(created.status == 0, "\(created.stderr)")
        return box
    }

    /// The container's and its monitor's cgroup directories that exist now.
    func payloadCgroups(_ name: String) -> [String] {
        // The container's, and a monitor cgroup of its own (berth.monitor.NAME, which only a
        // placement key gives); not the monitors' shared one, which stays.
        (PayloadCgroup(name: name, lxcpath: lxcpath).directories + PayloadCgroup(path: CgroupPlacement.ownMonitor(name: name, lxcpath: lxcpath), inner: nil).directories)
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    func monitorPID(_ name: String) -> pid_t? {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry),
                  let cmdline = try? String(contentsOfFile: "/proc/\(entry)/cmdline", encoding: .utf8) else { continue }
            if cmdline.hasPrefix("[berth monitor] \(lxcpath) \(name)") { return pid }
        }
        return nil
    }

    /// Host pids whose command line satisfies `matches`.
    static func processes(_ matches: (String) -> Bool) -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = pid_t(entry), pid != getpid(),
                  let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let cmdline = String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return matches(cmdline) ? pid : nil
        }
    }

    /// Nothing of a stopped container remains: no monitor, no cgroup, no mount below the sandbox.
    func expectClean(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        // The monitor answers the stop before it exits; give it a moment to be gone.
        #expect(eventually { monitorPID(name) == nil }, "monitor left running", sourceLocation: sourceLocation)
        #expect(payloadCgroups(name).isEmpty, "cgroups left: \(payloadCgroups(name))", sourceLocation: sourceLocation)
        // (A test may have put the lxcpath itself on a filesystem of its own.)
        #expect(MountTable.mounts(under: root).filter { $0 != lxcpath }.isEmpty, "mounts left", sourceLocation: sourceLocation)
    }

    /// The shipped defaults (unprivileged, a veth on the managed bridge) with the managed bridge
    /// `bridge` at `ipv4` instead of the host's berthbr0, with its DHCP server only when asked
    /// for and `extra` berth.conf lines. The caller deletes the bridge (berth-net stop).
    func useManagedBridge(_ bridge: String, ipv4: String, dhcp: Bool = false, extra: [String] = []) throws {
        let lines = ["berth.net.bridge = \(bridge)", "berth.net.ipv4 = \(ipv4)", "berth.net.dhcp = \(dhcp ? 1 : 0)"] + extra
        try (lines.joined(separator: "\n") + "\n").write(toFile: configDirectory + "/berth.conf", atomically: true, encoding: .utf8)
        let defaults = try String(contentsOfFile: repositoryRoot + "/config/default.conf", encoding: .utf8)
        try defaults.replacingOccurrences(of: "berthbr0", with: bridge).write(toFile: configDirectory + "/default.conf", atomically: true, encoding: .utf8)
    }

    /// Compiles the C program `source` into a static binary at `path` with the toolchain's C
    /// compiler; false where there is none (or no static libc).
    func compileStatic(_ source: String, to path: String) throws -> Bool {
        try source.write(toFile: path + ".c", atomically: true, encoding: .utf8)
        let compilers = ["/opt/swift/usr/bin/clang", "/usr/bin/cc", "/usr/bin/clang"].filter { FileManager.default.isExecutableFile(atPath: $0) }
        guard let compiler = compilers.first else { return false }
        let built = try run(executable: compiler, ["-static", "-O1", "-o", path, path + ".c"])
        chmod(path, 0o755)
        return built.status == 0
    }

    /// Python's http.server serving `directory` on a free loopback port: the process (end it
    /// with `stopServer`) and the port, once it answers `probe`.
    func startHTTPServer(directory: String, probe: String = "/") throws -> (Started, Int) {
        for _ in 0..<5 {
            let port = Int.random(in: 20000..<60000)
            let started = try start(executable: "/usr/bin/python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", directory, "\(port)"])
            for _ in 0..<100 {
                if (try? run(executable: "/usr/bin/curl", ["-fsS", "-o", "/dev/null", "http://127.0.0.1:\(port)\(probe)"]))?.status == 0 { return (started, port) }
                if kill(started.pid, 0) != 0 { break }
                usleep(30_000)
            }
            stopServer(started)
        }
        throw SandboxError("the test's HTTP server did not start")
    }

    func stopServer(_ server: Started) {
        kill(server.pid, SIGTERM)
        _ = try? finish(server)
    }
}

struct SandboxError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
