import Testing
@testable import BerthKit

@Suite struct SeccompPolicyTests {
    @Test func version2DenylistWithSectionsFiltersAndComments() throws {
        let policy = try SeccompPolicy(parsing: """
            2
            denylist errno 0
            reject_force_umount   # as LXC's common.seccomp
            [all]
            kexec_load errno 1
            open_by_handle_at
            [x86_64]
            ioctl errno 1 [1,0x5412,SCMP_CMP_EQ]
            personality kill [0,0xff,SCMP_CMP_MASKED_EQ,0x00ff]
            [arm64]
            arm_only_call errno 1
            """, origin: "p", architecture: "x86_64")
        #expect(policy.defaultAction == .errno(0))
        #expect(policy.rules.map(\.syscall) == ["umount2", "kexec_load", "open_by_handle_at", "ioctl", "personality"])
        #expect(policy.rules[0] == .init(syscall: "umount2", action: .errno(13), comparisons: [.init(argument: 1, op: .maskedEq, value: 1, mask: 1)]))
        #expect(policy.rules[2].action == .kill, "a denylist rule without an action kills")
        #expect(policy.rules[3].comparisons == [.init(argument: 1, op: .eq, value: 0x5412, mask: 0)])
        #expect(policy.rules[4].comparisons == [.init(argument: 0, op: .maskedEq, value: 0xff, mask: 0xff)])
    }

    @Test func version1AndAllowlists() throws {
        let v1 = try SeccompPolicy(parsing: "1\n0\n1\n60\n", origin: "p")
        #expect(v1.defaultAction == .kill && v1.rules.map(\.syscall) == ["#0", "#1", "#60"])
        let allow = try SeccompPolicy(parsing: "2\nwhitelist\nread\nwrite errno 5\n", origin: "p")
        #expect(allow.defaultAction == .kill)
        #expect(allow.rules.map(\.action) == [.allow, .errno(5)])
    }

    @Test func errorsNameFileAndLine() {
        func message(_ text: String) -> String {
            do { _ = try SeccompPolicy(parsing: text, origin: "pol"); return "" } catch { return error.message }
        }
        #expect(message("3\n").contains("pol:1: unknown seccomp policy version '3'"))
        #expect(message("2\ngraylist\n").contains("pol:2: expected denylist or allowlist"))
        #expect(message("2\ndenylist\nkeyctl notify\n").contains("pol:3: the notify action"))
        #expect(message("2\ndenylist\nkeyctl errno 99999\n").contains("pol:3: errno needs a number"))
        #expect(message("2\ndenylist\nioctl errno 1 [9,1,SCMP_CMP_EQ]\n").contains("pol:3: bad argument filter"))
        #expect(message("2\ndenylist\nioctl errno 1 [1,1,SCMP_CMP_MASKED_EQ]\n").contains("needs a mask"))
        #expect(message("1\nread\n").contains("pol:2: version 1 policies list syscall numbers"))
        #expect(message("2\ndenylist\n\n# x\nkéxec errno 1\n").contains("pol:5: 'kéxec' is not a syscall name"))
    }

    @Test func lineEndsCommentsAndSpacesAreTheFilesNotTheRules() throws {
        let policy = try SeccompPolicy(parsing: "2\r\ndenylist\r\n\t kexec_load errno 1 \t# no\r\n#all of it a comment\r\nbpf\r\n", origin: "p")
        #expect(policy.rules == [.init(syscall: "kexec_load", action: .errno(1), comparisons: []), .init(syscall: "bpf", action: .kill, comparisons: [])])
    }

    @Test func defaultPolicyCompiles() throws {
        let policy = try SeccompPolicy(parsing: SeccompPolicy.defaultText, origin: "default")
        #expect(policy.rules.contains { $0.syscall == "kexec_load" } && policy.rules.contains { $0.syscall == "open_by_handle_at" })
        let filter = try SeccompFilter(policy: policy, origin: "default")
        #expect(filter.unknownSyscalls.isEmpty, "\(filter.unknownSyscalls)")
    }

    @Test func theGeneratedProgramIsWholeInstructionsTheKernelTakes() throws {
        let policy = try SeccompPolicy(parsing: SeccompPolicy.defaultText, origin: "default")
        let program = try SeccompFilter(policy: policy, origin: "default").program()
        // struct sock_filter is 8 bytes; one program holds at most BPF_MAXINSNS (4096).
        #expect(!program.instructions.isEmpty)
        #expect(program.instructions.count % 8 == 0)
        #expect(program.instructions.count / 8 <= 4096)
        // The same policy gives the same program (it is generated, not sampled).
        #expect(try SeccompFilter(policy: policy, origin: "default").program().instructions == program.instructions)
    }
}
