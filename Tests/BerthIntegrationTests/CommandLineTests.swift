import Foundation
import Testing
import BerthKit

/// Scripts written for LXC's tools run unchanged: the container's name may come first instead
/// of after -n, wherever LXC takes it.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct CommandLineTests {
    @Test func containerNamesArePositionalAsInLXC() throws {
        let box = try Sandbox()
        try box.ok("create", ["web", "-t", "busybox"])
        try box.ok("start", ["web"])
        try box.ok("wait", ["web", "-s", "RUNNING", "-t", "5"])
        #expect(try box.ok("info", ["web", "-sH"]).stdout == "RUNNING\n")
        #expect(try box.ok("attach", ["web", "--", "hostname"]).stdout == "web\n")
        try box.ok("freeze", ["web"])
        #expect(try box.ok("info", ["web", "-sH"]).stdout == "FROZEN\n")
        try box.ok("unfreeze", ["web"])
        #expect(try box.ok("cgroup", ["web", "pids.max"]).stdout.isEmpty == false)
        #expect(try box.ok("cgroup", ["-n", "web", "pids.max"]).stdout.isEmpty == false, "with -n, the words are KEY [VALUE]")
        let bad = try box.run("cgroup", ["web"])
        #expect(bad.status != 0 && bad.stderr.contains("KEY"), "\(bad.stderr)")
        try box.ok("stop", ["web", "-k"])
        try box.ok("snapshot", ["web"])
        #expect(try box.ok("snapshot", ["web", "-L"]).stdout.contains("snap0"))
        try box.ok("copy", ["web", "-N", "web2"])
        let executed = try box.run("execute", ["web2", "--", "/bin/echo", "positional"])
        #expect(executed.status == 0 && executed.stdout == "positional\n", "\(executed.stderr)")
        try box.ok("destroy", ["web2"])
        try box.ok("destroy", ["web", "-s"])
        #expect(box.entries().filter { !$0.hasPrefix(".") }.isEmpty, "\(box.entries())")
        box.expectClean("web")
    }
}
