import Foundation
import Testing
import BerthKit

/// The release binary under test, with where its entry point jumps to (glibc's `_start`); nil
/// unless it is the release link, which starts at `berth_entry` (x86_64 only).
let releaseImage = ReleaseImage.load(binDirectory + "/berth")

struct ReleaseImage {
    let bytes: [UInt8]
    /// Where e_entry is in the ELF header.
    static let entryField = 24
    /// The address berth_entry jumps to: `_start`.
    let startAddress: UInt64

    static func load(_ path: String) -> ReleaseImage? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        func word(_ at: Int, _ size: Int) -> UInt64 {
            (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
        }
        // A 64-bit little-endian ELF for x86_64 (EM_X86_64 is 62).
        guard bytes.count > 64, bytes[0..<4].elementsEqual([0x7f, 0x45, 0x4c, 0x46]), bytes[4] == 2, bytes[5] == 1, word(18, 2) == 62 else { return nil }
        let entry = word(entryField, 8)
        let sectionTable = Int(word(40, 8)), sectionSize = Int(word(58, 2)), sections = Int(word(60, 2)), names = Int(word(62, 2))
        guard sectionTable > 0, sectionSize == 64, sectionTable + sections * sectionSize <= bytes.count, names < sections else { return nil }
        let nameTable = Int(word(sectionTable + names * sectionSize + 24, 8))
        for index in 0..<sections {
            let header = sectionTable + index * sectionSize
            let nameStart = nameTable + Int(word(header, 4))
            guard nameStart < bytes.count, let end = bytes[nameStart...].firstIndex(of: 0) else { continue }
            guard String(decoding: bytes[nameStart..<end], as: UTF8.self) == "berth.preamble" else { continue }
            let address = word(header + 16, 8), offset = Int(word(header + 24, 8)), size = word(header + 32, 8)
            guard entry >= address, entry < address + size else { return nil }
            let at = offset + Int(entry - address)
            // mov %rdx,%r12; call rel32; mov %r12,%rdx; jmp rel32 (berth_entry.c): _start is the
            // jump's target, relative to the end of the sixteen bytes.
            guard at + 16 <= bytes.count, bytes[at..<at + 3].elementsEqual([0x49, 0x89, 0xd4]), bytes[at + 3] == 0xe8,
                  bytes[at + 8..<at + 11].elementsEqual([0x4c, 0x89, 0xe2]), bytes[at + 11] == 0xe9 else { return nil }
            let jump = Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: word(at + 12, 4))))
            return ReleaseImage(bytes: bytes, startAddress: UInt64(Int64(entry) + 16 + jump))
        }
        return nil
    }
}

/// The release binary's entry point, `berth_entry`, and what it is for: a binary evicted from the
/// page cache is read back in huge folios, so its processes map their code with huge-page entries.
/// `make install-check` runs this against the release link; the test build's binary skips it.
@Suite(.enabled(if: isRoot, "needs root"),
       .enabled(if: releaseImage != nil, "the binary under test is not the release link (make install-check tests that one)"))
struct EntryPointTests {
    @Test func anEvictedBinaryComesBackInHugePages() throws {
        let image = try #require(releaseImage)
        let box = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: box.root) }
        #expect(try box.run("create", ["-n", "c1", "-t", "none"]).status == 0)
        defer { _ = try? box.run("destroy", ["-n", "c1"]) }

        // The binary as built: berth_entry runs first.
        let withEntry = box.root + "/with-entry"
        try FileManager.default.createDirectory(atPath: withEntry, withIntermediateDirectories: true)
        #expect(try writeEvicted(image.bytes, to: withEntry + "/berth-wait") == 0)
        let huge = try hugeMappedKilobytes(box, withEntry + "/berth-wait")
        #expect(huge >= 2048, "an evicted binary starting at berth_entry maps \(huge) kB of its text in huge pages")

        // The same bytes starting at glibc's _start, as before berth_entry: the first fault reads
        // the text back in small folios, and nothing is mapped with huge-page entries.
        var plain = image.bytes
        for byte in 0..<8 { plain[ReleaseImage.entryField + byte] = UInt8(truncatingIfNeeded: image.startAddress >> (8 * UInt64(byte))) }
        let withoutEntry = box.root + "/without-entry"
        try FileManager.default.createDirectory(atPath: withoutEntry, withIntermediateDirectories: true)
        #expect(try writeEvicted(plain, to: withoutEntry + "/berth-wait") == 0)
        #expect(try hugeMappedKilobytes(box, withoutEntry + "/berth-wait") == 0)
    }

    /// Writes `bytes` to `path` as an executable and drops it from the page cache, as the kernel
    /// does under memory pressure; returns how many of its pages are still cached (mincore).
    func writeEvicted(_ bytes: [UInt8], to path: String) throws -> Int {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(.ENOENT) }
        defer { close(fd) }
        // Written back first: only clean pages can be dropped.
        fsync(fd)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        guard let map = mmap(nil, bytes.count, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else { throw POSIXError(.ENOMEM) }
        defer { munmap(map, bytes.count) }
        var resident = [UInt8](repeating: 0, count: (bytes.count + 4095) / 4096)
        guard mincore(map, bytes.count, &resident) == 0 else { throw POSIXError(.EINVAL) }
        return resident.filter { $0 & 1 != 0 }.count
    }

    /// FilePmdMapped of a `berth-wait` run from `binary` (waiting for a container that stays
    /// stopped), read until it shows some or half a second has passed; then the wait is ended,
    /// and it must have been waiting then (ended by the SIGTERM, not crashed at its start).
    func hugeMappedKilobytes(_ box: Sandbox, _ binary: String) throws -> Int {
        let started = try box.start(executable: binary, ["-P", box.lxcpath, "-n", "c1", "-s", "RUNNING", "-t", "10"])
        var kilobytes = 0
        _ = eventually(tries: 50) {
            let rollup = (try? String(contentsOfFile: "/proc/\(started.pid)/smaps_rollup", encoding: .utf8)) ?? ""
            for line in rollup.split(separator: "\n") where line.hasPrefix("FilePmdMapped:") {
                kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            }
            return kilobytes > 0
        }
        kill(started.pid, SIGTERM)
        let ended = try box.finish(started)
        #expect(ended.signaled && ended.status == SIGTERM, "\(binary) ended with \(ended.status): \(ended.stderr)")
        return kilobytes
    }
}
