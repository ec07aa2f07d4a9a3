import Testing
@testable import BerthKit

@Suite struct SeccompProgramCacheTests {
    /// A directory of the test's own (the tests of a suite run at once).
    func scratch(_ name: String) throws -> String {
        let directory = "/tmp/berth-seccomp-cache-test-\(CurrentProcess.id)-\(name)"
        try? FileSystem.removeTree(directory)
        try FileSystem.makeDirectory(directory, mode: 0o700)
        return directory
    }

    @Test func aKeptProgramIsReadBackAndADamagedOneIsReplaced() throws {
        let directory = try scratch("kept")
        defer { try? FileSystem.removeTree(directory) }
        let policy = try SeccompPolicy(parsing: SeccompPolicy.defaultText, origin: "default")
        let generated = try SeccompFilter(policy: policy, origin: "default").program()
        let first = try SeccompProgramCache.program(for: .parsed(policy), origin: "default", directory: directory, writer: 7)
        #expect(first.instructions == generated.instructions)
        let files = try FileSystem.list(directory)
        try #require(files.count == 1, "\(files)")
        let path = directory + "/" + files[0]
        let kept = try FileSystem.readText(path)
        // Read back: the same program, and the file is left as it was.
        #expect(try SeccompProgramCache.program(for: .parsed(policy), origin: "default", directory: directory, writer: 7).instructions == generated.instructions)
        #expect(try FileSystem.readText(path) == kept)
        // One hex digit changed: the hash no longer matches, so the program is generated again
        // and the file replaced.
        var damaged = Array(kept.utf8)
        let last = damaged.count - 2
        damaged[last] = damaged[last] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        try FileSystem.writeAtomically(path, text: String(decoding: damaged, as: UTF8.self), mode: 0o600)
        #expect(try SeccompProgramCache.program(for: .parsed(policy), origin: "default", directory: directory, writer: 7).instructions == generated.instructions)
        #expect(try FileSystem.readText(path) == kept)
        #expect(try FileSystem.list(directory) == files, "no temporary file is left")
    }

    /// The built-in policy is kept under a name of its own and comes back as the program its
    /// text compiles to, whether generated, read back, or made without a cache.
    @Test func theBuiltInPolicyIsKeptUnderItsNameAndCompilesAsItsText() throws {
        let directory = try scratch("builtin")
        defer { try? FileSystem.removeTree(directory) }
        let parsed = try SeccompPolicy(parsing: SeccompPolicy.defaultText, origin: "default")
        let generated = try SeccompFilter(policy: parsed, origin: "default").program()
        #expect(try SeccompPolicySource.builtIn.policy() == parsed)
        #expect(try SeccompProgramCache.program(for: .builtIn, origin: "default", directory: nil, writer: 7).instructions == generated.instructions)
        #expect(try SeccompProgramCache.program(for: .builtIn, origin: "default", directory: directory, writer: 7).instructions == generated.instructions)
        let files = try FileSystem.list(directory)
        try #require(files.count == 1, "\(files)")
        let kept = try FileSystem.readText(directory + "/" + files[0])
        #expect(kept.hasPrefix((SeccompProgramCache.binaryIdentity() ?? "?") + " built-in\n"), "\(kept.prefix(80))")
        #expect(try SeccompProgramCache.program(for: .builtIn, origin: "default", directory: directory, writer: 7).instructions == generated.instructions)
        #expect(try FileSystem.list(directory) == files)
        // The same policy given as a file's is another key, never taken for the built-in one.
        #expect(SeccompPolicySource.parsed(parsed).cacheName != SeccompPolicySource.builtIn.cacheName)
        _ = try SeccompProgramCache.program(for: .parsed(parsed), origin: "default", directory: directory, writer: 7)
        #expect(try FileSystem.list(directory).count == 2)
    }

    @Test func aBinaryWithoutANameOnDiskKeepsNothing() throws {
        var st = stat()
        st.st_dev = 1
        st.st_ino = 42
        st.st_nlink = 1
        #expect(SeccompProgramCache.identity(st) != nil)
        // A sealed in-memory copy (attach's) or a replaced file: no key, no file.
        st.st_nlink = 0
        #expect(SeccompProgramCache.identity(st) == nil)
        #expect(SeccompProgramCache.binaryIdentity() != nil, "the test binary is a file")
    }

    @Test func theKeyNamesThePolicyAndTheBinary() throws {
        let policy = try SeccompPolicy(parsing: SeccompPolicy.defaultText, origin: "default")
        let program = try SeccompFilter(policy: policy, origin: "default").program()
        let text = SeccompProgramCache.text(of: program, key: "binary " + policy.canonicalText)
        #expect(SeccompProgramCache.parse(text, key: "binary " + policy.canonicalText)?.instructions == program.instructions)
        #expect(SeccompProgramCache.parse(text, key: "other-binary " + policy.canonicalText) == nil)
        // Policies that differ in an action or in a comparison have different keys.
        let errno1 = SeccompPolicy(defaultAction: .allow, rules: [.init(syscall: "kexec_load", action: .errno(1), comparisons: [])])
        let errno2 = SeccompPolicy(defaultAction: .allow, rules: [.init(syscall: "kexec_load", action: .errno(2), comparisons: [])])
        let compared = SeccompPolicy(defaultAction: .allow, rules: [
            .init(syscall: "kexec_load", action: .errno(1), comparisons: [.init(argument: 0, op: .eq, value: 1, mask: 0)]),
        ])
        #expect(Set([errno1.canonicalText, errno2.canonicalText, compared.canonicalText]).count == 3)
        // A truncated file is a miss.
        #expect(SeccompProgramCache.parse(String(text.dropLast(9)), key: "binary " + policy.canonicalText) == nil)
    }

    @Test func otherBinariesProgramsGoOnceThereAreMany() throws {
        let directory = try scratch("prune")
        defer { try? FileSystem.removeTree(directory) }
        let policy = try SeccompPolicy(parsing: SeccompPolicy.defaultText, origin: "default")
        // Another binary's program stays while the directory is small (two Berths in use side
        // by side keep theirs)...
        try FileSystem.writeAtomically(directory + "/0000000000000000.bpf", text: "old-binary default allow\n8 x\n00\n", mode: 0o600)
        _ = try SeccompProgramCache.program(for: .parsed(policy), origin: "default", directory: directory, writer: 7)
        #expect(try FileSystem.list(directory).count == 2)
        // ...and goes, with all the others of other binaries, on a miss once there are many.
        for index in 1...SeccompProgramCache.pruneAbove {
            try FileSystem.writeAtomically(directory + "/old\(index).bpf", text: "old-binary default allow\n8 x\n00\n", mode: 0o600)
        }
        let other = SeccompPolicy(defaultAction: .allow, rules: [.init(syscall: "kexec_load", action: .errno(1), comparisons: [])])
        _ = try SeccompProgramCache.program(for: .parsed(other), origin: "other", directory: directory, writer: 7)
        let files = try FileSystem.list(directory)
        #expect(files.count == 2 && !files.contains("0000000000000000.bpf"), "\(files)")
    }
}

@Suite struct FNVHashTests {
    /// The names of running monitors' sockets come from this hash: a change would leave the
    /// containers a monitor of the previous build runs unreachable after an upgrade.
    @Test func commandSocketNamesStayAsTheyWere() throws {
        #expect(FNVHash.hex("".utf8) == "cbf29ce484222325")
        #expect(CommandSocket.hash("/tmp/ab/st1") == "de0cc76b7c4d3232")
        let paths = ContainerPaths(lxcpath: "/tmp/ab/st1", name: try ContainerName("s1"))
        #expect(CommandSocket(paths: paths).path == "/run/berth/s1.de0cc76b7c4d3232.sock")
        #expect(FNVHash.hex([UInt8]("/tmp/ab/st1".utf8)) == CommandSocket.hash("/tmp/ab/st1"))
    }
}
