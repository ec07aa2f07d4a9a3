import Foundation
import Testing
import BerthKit

/// True when the tests can do what the tools do: create files owned by root, chroot, mount.
let isRoot = getuid() == 0

/// Where the built tools are: beside the test binary, or `BERTH_BIN_DIR` (to test an install).
let binDirectory: String = {
    if let dir = ProcessInfo.processInfo.environment["BERTH_BIN_DIR"] { return dir }
    let exe = (try? FileSystem.readLink("/proc/self/exe")) ?? CommandLine.arguments[0]
    return Path.parent(exe)
}()

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

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
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["BERTH_CONFIG_DIR"] = configDirectory
        env["BERTH_TEMPLATE_DIR"] = repositoryRoot + "/templates"
        env["BERTH_CACHE_DIR"] = root + "/cache"
        return env
    }

    /// Runs `berth-<tool>` with `-P <lxcpath>` added unless `lxcpath` is false.
    @discardableResult
    func run(_ tool: String, _ arguments: [String], lxcpath: Bool = true, stdin: String? = nil) throws -> RunResult {
        let process = try start(tool, arguments, lxcpath: lxcpath)
        return try finish(process, stdin: stdin)
    }

    func start(_ tool: String, _ arguments: [String], lxcpath: Bool = true) throws -> (Process, Pipe, Pipe) {
        try start(executable: binDirectory + "/berth-" + tool, (lxcpath ? ["-P", self.lxcpath] : []) + arguments)
    }

    /// Runs any executable with the sandbox's environment.
    @discardableResult
    func run(executable: String, _ arguments: [String]) throws -> RunResult {
        try finish(start(executable: executable, arguments))
    }

    func start(executable: String, _ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    func finish(_ started: (Process, Pipe, Pipe), stdin: String? = nil) throws -> RunResult {
        let (process, out, err) = started
        // Read both pipes to the end before waiting, so a chatty tool cannot block on a full pipe.
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self), signaled: process.terminationReason == .uncaughtSignal)
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
        // Stop whatever a test left running (its monitor and init), by asking each monitor.
        for name in entries() where !name.hasPrefix(".") {
            _ = try? run("stop", ["-n", name, "-k"])
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
