import CBerthLinux
import SystemPackage

/// A BPF_PROG_TYPE_CGROUP_DEVICE program (cgroup v2's device rules), loaded and attached.
enum DeviceProgram {
    /// Loads `instructions`: the program's descriptor. A refusal says why, with the last line
    /// of the verifier's log (asked for on a second load only, to keep the first one cheap).
    static func load(_ instructions: [UInt64]) throws(BerthError) -> FileDescriptor {
        let count = Int32(instructions.count)
        let fd = instructions.withUnsafeBytes { berth_bpf_load_device_program($0.baseAddress, count, nil, 0) }
        if fd >= 0 { return FileDescriptor(rawValue: fd) }
        let err = currentErrno
        var log = [CChar](repeating: 0, count: 65536)
        let retried = instructions.withUnsafeBytes { berth_bpf_load_device_program($0.baseAddress, count, &log, log.count) }
        if retried >= 0 { return FileDescriptor(rawValue: retried) }
        let said = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: "\n").last.map { ": \($0)" } ?? ""
        throw BerthError(.system, "loading the device filter (eBPF): \(err.berthDescription)\(said)")
    }

    /// Attaches program `fd` to the cgroup2 directory open at `cgroup` (BPF_F_ALLOW_MULTI:
    /// the host's own filters stay in force).
    static func attach(_ fd: FileDescriptor, to cgroup: FileDescriptor, display: String) throws(BerthError) {
        try syscall("attaching the device filter to", display) { berth_bpf_attach_device_program(fd.rawValue, cgroup.rawValue) }
    }
}
