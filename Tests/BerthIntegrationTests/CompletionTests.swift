import Foundation
import Testing
import BerthKit

/// The bash completion `berth --completion bash` writes, run in a real bash the way
/// bash-completion calls it: container names from the lxcpath on the line, snapshot names of
/// the container named, states, flags from the tool's own spec.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct CompletionTests {
    @Test func completesNamesSnapshotsStatesAndFlags() throws {
        let box = try Sandbox()
        try box.ok("create", ["-n", "web1", "-t", "busybox"])
        try box.ok("create", ["-n", "db1", "-t", "busybox"])
        try box.ok("snapshot", ["-n", "web1"])
        let script = try box.run(executable: binDirectory + "/berth", ["--completion", "bash"])
        try #require(script.status == 0 && script.stdout.contains("complete -F _berth berth berth-create"), "\(script.stderr)")
        try script.stdout.write(toFile: box.root + "/completion.bash", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["berth-start", "-P", box.lxcpath, "-n", "w"], "web1"),
            (["berth-attach", "-P", box.lxcpath, ""], "db1 web1"),
            (["berth", "stop", "-P", box.lxcpath, "--name", "d"], "db1"),
            (["berth-snapshot", "-P", box.lxcpath, "-n", "web1", "-r", ""], "snap0"),
            (["berth-wait", "-n", "web1", "-s", "FR"], "FREEZING FROZEN"),
            (["berth-stop", "--ti"], "--timeout"),
            (["berth-net", "st"], "start stop status"),
            (["berth", "unfr"], "unfreeze"),
        ]
        var body = "set -e\nexport PATH='\(binDirectory)':$PATH\nsource '\(box.root)/completion.bash'\n"
        body += "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMPREPLY=(); _berth; echo \"${COMPREPLY[*]}\"; }\n"
        for (words, _) in cases { body += "t " + words.map { "'\($0)'" }.joined(separator: " ") + "\n" }
        let ran = try box.run(executable: "/bin/bash", ["-c", body])
        #expect(ran.status == 0, "\(ran.stderr)")
        let lines = ran.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, (words, expected)) in cases.enumerated() {
            #expect(index < lines.count && lines[index] == expected, "\(words): \(index < lines.count ? lines[index] : "nothing")")
        }
    }
}
