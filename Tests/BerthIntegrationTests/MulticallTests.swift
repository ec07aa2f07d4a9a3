import Foundation
import Testing
import BerthKit

/// The installed `berth` binary runs every tool, chosen by the name it is called as.
@Suite(.enabled(if: isRoot, "needs root"))
struct MulticallTests {
    let berth = binDirectory + "/berth"

    @Test func listsEveryTool() throws {
        let box = try Sandbox()
        let listed = try box.run(executable: berth, ["--list-tools"])
        #expect(listed.status == 0)
        #expect(listed.stdout == "berth-create\nberth-destroy\nberth-ls\nberth-info\nberth-checkconfig\nberth-start\nberth-stop\nberth-attach\nberth-console\nberth-wait\nberth-execute\nberth-freeze\nberth-unfreeze\nberth-cgroup\nberth-top\nberth-copy\nberth-clone\nberth-snapshot\nberth-autostart\nberth-update-config\nberth-config\nberth-monitor\nberth-unshare\nberth-usernsexec\nberth-net\nberth-export\nberth-diff\nberth-device\n")
        let help = try box.run(executable: berth, ["--help"])
        #expect(help.status == 0 && help.stdout.contains("berth-create        Create a container from a template."))
    }

    @Test func runsToolsAsSubcommandsAndThroughLinks() throws {
        let box = try Sandbox()
        let created = try box.run(executable: berth, ["create", "-P", box.lxcpath, "-n", "m1", "-t", "none"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try box.run(executable: berth, ["berth-ls", "-P", box.lxcpath]).stdout == "m1\n")

        // A link named like the tool, as `make install` makes them.
        let link = box.root + "/berth-info"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: berth)
        let info = try box.run(executable: link, ["-P", box.lxcpath, "-n", "m1", "-s", "-H"])
        #expect(info.status == 0 && info.stdout == "STOPPED\n", "\(info.stderr)")
        // Errors name the tool that was run, not the binary.
        let missing = try box.run(executable: link, ["-P", box.lxcpath, "-n", "nope"])
        #expect(missing.status == 1 && missing.stderr == "berth-info: nope doesn't exist\n")
        #expect(try box.run(executable: link, ["--version"]).stdout == "0.1.0\n")
        #expect(try box.run("destroy", ["-n", "m1"]).status == 0)
    }

    @Test func refusesUnknownTools() throws {
        let box = try Sandbox()
        let unknown = try box.run(executable: berth, ["frobnicate"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "berth: unknown tool 'frobnicate' (berth --list-tools names them)\n")
        let bare = try box.run(executable: berth, [])
        #expect(bare.status == 1 && bare.stderr.hasPrefix("usage: berth TOOL"))
    }
}
