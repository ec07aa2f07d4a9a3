import Glibc
import SystemPackage
import Testing
@testable import BerthKit

/// The held-open /sys/fs/cgroup that cgroup files are reached from (HeldDirectory.cgroupMounts,
/// CgroupMountsDirectory): which paths go through it, and that a forgotten descriptor is never
/// used again, whatever its number now names.
@Suite(.serialized) struct CgroupMountsDirectoryTests {
    /// (device, inode) of what `fd` is open at, or of `path`.
    func identity(of fd: Int32) -> [UInt64]? {
        var st = stat()
        return fstat(fd, &st) == 0 ? [UInt64(st.st_dev), UInt64(st.st_ino)] : nil
    }

    func identity(_ path: String) -> [UInt64]? {
        var st = stat()
        return stat(path, &st) == 0 ? [UInt64(st.st_dev), UInt64(st.st_ino)] : nil
    }

    @Test func onlyPathsBelowTheDirectoryGoThroughIt() throws {
        try #require(identity("/sys/fs/cgroup") != nil, "this host has no /sys/fs/cgroup")
        for outside in ["/sys/fs/cgroup", "/sys/fs/cgroup/", "/sys/fs/cgroupx/memory", "/tmp/cgroup/memory", "sys/fs/cgroup/memory", ""] {
            #expect(HeldDirectory.cgroupMounts.split(outside) == nil, "\(outside)")
        }
        let split = try #require(HeldDirectory.cgroupMounts.split("/sys/fs/cgroup/memory/berth.payload.x/tasks"))
        #expect(split.rest == "memory/berth.payload.x/tasks")
        #expect(identity(of: split.directory.rawValue) == identity("/sys/fs/cgroup"))
    }

    @Test func aForgottenDescriptorIsNeverUsedAgain() throws {
        try #require(identity("/sys/fs/cgroup") != nil, "this host has no /sys/fs/cgroup")
        let held = try #require(HeldDirectory.cgroupMounts.split("/sys/fs/cgroup/cgroup.procs")).directory
        #expect(HeldDirectory.cgroupMounts.split("/sys/fs/cgroup/cgroup.procs")?.directory == held, "opened once, then kept")
        // What closeAll does before it closes every descriptor: the next use opens a new one
        // instead of trusting a number that may by then name something else.
        HeldDirectory.cgroupMounts.forget()
        let again = try #require(HeldDirectory.cgroupMounts.split("/sys/fs/cgroup/cgroup.procs")).directory
        #expect(again != held)
        #expect(identity(of: again.rawValue) == identity("/sys/fs/cgroup"))
        // `held` stays open: another test of this process may be using it this very moment
        // (CgroupLayout.current() reads through it), which closeAll's callers never have.
    }

    @Test func filesOutsideTheDirectoryAreOpenedByTheirPath() throws {
        let directory = "/tmp/berth-cgroup-fake-\(getpid())"
        #expect(CgroupMountsDirectory.makeDirectory(directory) == nil)
        defer { rmdir(directory) }
        #expect(CgroupMountsDirectory.makeDirectory(directory) == .fileExists)
        try FileSystem.createFile(directory + "/cpuset.cpus", bytes: Array("0-1\n".utf8))
        defer { unlink(directory + "/cpuset.cpus") }
        #expect(try CgroupMountsDirectory.readText(directory + "/cpuset.cpus") == "0-1\n")
        #expect(throws: BerthError.self) { try CgroupMountsDirectory.open(directory + "/missing", O_RDONLY) }
    }
}
