import Foundation
import Testing
import BerthKit

/// `FileSystem.removeTree` is what destroy and failed creates use; it must never reach through a
/// mount into what is mounted there.
@Suite(.enabled(if: isRoot, "needs root"))
struct RemoveTreeTests {
    @Test func stopsAtMountsAndKeepsWhatIsMounted() throws {
        let box = try Sandbox()
        let tree = box.root + "/tree", outside = box.root + "/outside"
        for dir in [tree + "/a/b", tree + "/mnt", tree + "/c", outside] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        for file in [tree + "/a/b/f", tree + "/c/file-target", outside + "/keep"] {
            try "x".write(toFile: file, atomically: false, encoding: .utf8)
        }
        try FileManager.default.createSymbolicLink(atPath: tree + "/a/link", withDestinationPath: outside)

        // A directory mount and a file mount, as a leaked bind mount of a container would be.
        #expect(mount(outside, tree + "/mnt", nil, UInt(MS_BIND), nil) == 0)
        #expect(mount(outside + "/keep", tree + "/c/file-target", nil, UInt(MS_BIND), nil) == 0)
        defer {
            umount2(tree + "/mnt", Int32(MNT_DETACH))
            umount2(tree + "/c/file-target", Int32(MNT_DETACH))
        }
        #expect(throws: BerthError.self) { try FileSystem.removeTree(tree) }
        #expect(FileManager.default.fileExists(atPath: outside + "/keep"), "what is mounted stays")

        umount2(tree + "/mnt", Int32(MNT_DETACH))
        #expect(throws: BerthError.self) { try FileSystem.removeTree(tree) }
        #expect(FileManager.default.fileExists(atPath: outside + "/keep"), "a file mount point is not unlinked through")

        umount2(tree + "/c/file-target", Int32(MNT_DETACH))
        try FileSystem.removeTree(tree)
        #expect(!FileManager.default.fileExists(atPath: tree))
        #expect(FileManager.default.fileExists(atPath: outside + "/keep"), "symlinks are removed, not followed")
        try FileSystem.removeTree(tree)  // already gone: not an error
    }

    /// Whatever a container's root names its files: names that are not UTF-8 (removed by their
    /// bytes, not by a decoded copy), a directory of more entries than one read of it returns,
    /// a single file, an empty directory.
    @Test func removesAnyNameAndBigDirectories() throws {
        let box = try Sandbox()
        let tree = box.root + "/tree"
        try FileManager.default.createDirectory(atPath: tree + "/many/deeper", withIntermediateDirectories: true)
        for index in 0..<3000 {
            try "".write(toFile: tree + "/many/file-with-a-long-name-to-fill-the-buffer-\(index)", atomically: false, encoding: .utf8)
        }
        // Made with the raw bytes: 0xff and a lone 0xc3 are not UTF-8.
        func make(_ name: [UInt8], in directory: String, asDirectory: Bool) -> Bool {
            let path = Array(directory.utf8).map { CChar(bitPattern: $0) } + [CChar(bitPattern: UInt8(ascii: "/"))]
                + name.map { CChar(bitPattern: $0) } + [0]
            return path.withUnsafeBufferPointer { buffer in
                guard let pointer = buffer.baseAddress else { return false }
                if asDirectory { return mkdir(pointer, 0o755) == 0 }
                let fd = open(pointer, O_WRONLY | O_CREAT | O_EXCL, 0o644)
                if fd >= 0 { close(fd) }
                return fd >= 0
            }
        }
        for name: [UInt8] in [[0x62, 0xff, 0x78], [0xc3], [0x2e, 0x2e, 0x2e]] {
            #expect(make(name, in: tree + "/many/deeper", asDirectory: false))
            #expect(make(name + [0x64], in: tree, asDirectory: true))
        }
        try FileSystem.removeTree(tree)
        #expect(!FileManager.default.fileExists(atPath: tree))

        let single = box.root + "/single"
        try "x".write(toFile: single, atomically: false, encoding: .utf8)
        try FileSystem.removeTree(single)
        #expect(!FileManager.default.fileExists(atPath: single))
        let empty = box.root + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        try FileSystem.removeTree(empty)
        #expect(!FileManager.default.fileExists(atPath: empty))
    }
}
