import Testing
@testable import BerthCommands
import BerthKit

@Suite struct CommandParsingTests {
    /// The names tools are found by are their specs' names, one for one and in order.
    @Test func multicallNamesAreTheToolsSpecNames() {
        #expect(Multicall.names == Multicall.tools.map { $0.spec.name })
        #expect(Multicall.tool(named: "ls")?.spec.name == "berth-ls" && Multicall.tool(named: "berth-net")?.spec.name == "berth-net")
        #expect(Multicall.tool(named: "berth") == nil && Multicall.tool(named: "berth-nosuch") == nil)
    }

    /// The name a process was run as (Multicall takes Path.base of argv[0]) is the last part of
    /// its path, as a split at "/" gave it.
    @Test func programNameIsThePathsLastPart() {
        #expect(Path.base("/usr/local/bin/berth-ls") == "berth-ls")
        #expect(Path.base("berth-wait") == "berth-wait")
        #expect(Path.base("./bin//berth-info/") == "berth-info")
        #expect(Path.base("/opt/bérth/berth-start") == "berth-start")
        #expect(Path.base("/") == "" && Path.base("") == "")
    }

    /// A tool's log keeps one line per message: a newline or escape in a message (a value from
    /// outside) is written escaped, as in the container's log.
    @Test func toolLogEscapesControlCharacters() throws {
        let path = "/tmp/berth-toollog-\(getpid())"
        defer { unlink(path) }
        let fd = try ToolLog.open(path)
        defer { fd.closeQuietly() }
        let log = ToolLog(program: "berth-x", fd: fd, level: .info)
        log.info("a\nb\u{1b}[2Jc")
        log.debug("below the level")
        let text = try FileSystem.readText(path)
        #expect(text.hasSuffix(" berth-x INFO a\\xab\\x1b[2Jc\n") && text.split(separator: "\n").count == 1, "\(text)")
    }

    @Test func createTakesLXCFlagsAndTemplateArguments() throws {
        let command = try CreateCommand.parse(["-n", "web", "-t", "debian", "-B", "dir", "-P", "/tmp/x", "-s", "lxc.start.auto=1", "--", "-r", "bookworm"])
        #expect(command.template == "debian")
        #expect(command.templateArguments == ["-r", "bookworm"])
        #expect(command.define == ["lxc.start.auto=1"])
        #expect(command.backingStore == "dir")
    }

    @Test func lsFlags() throws {
        let command = try ListCommand.parse(["-1", "-f", "--running", "-g", "a,b", "--format", "json", "^web"])
        #expect(command.oneLine && command.fancy && command.running)
        #expect(command.filter == "^web")
        #expect(throws: (any Error).self) { try ListCommand.parse(["-F", "NAME,BOGUS"]) }
        #expect(throws: (any Error).self) { try ListCommand.parse(["--format", "yaml"]) }
    }

    @Test func infoFlags() throws {
        let command = try InfoCommand.parse(["web", "-s", "-H", "-c", "lxc.uts.name", "-c", "lxc.rootfs.path"])
        #expect(command.state && command.noHumanize)
        #expect(command.config == ["lxc.uts.name", "lxc.rootfs.path"])
        #expect(command.positionalName == "web")
    }

    @Test func badLogLevelIsAUsageError() {
        #expect(throws: (any Error).self) { try DestroyCommand.parse(["-n", "a", "-l", "chatty"]) }
    }

    @Test func helpNamesTheTool() {
        #expect(CreateCommand.helpMessage().contains("berth-create"))
        #expect(ListCommand.helpMessage().contains("--fancy"))
    }
}
