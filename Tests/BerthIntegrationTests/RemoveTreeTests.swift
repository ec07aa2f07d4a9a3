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
}
