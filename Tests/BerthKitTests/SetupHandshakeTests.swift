import SystemPackage
import Testing
@testable import BerthKit

/// The start handshake (SetupMessage over SetupChannel) on a real socketpair: every message
/// with its descriptor, and the monitor's side when the child fails or dies at each step.
@Suite struct SetupHandshakeTests {
    /// Both ends of a fresh socketpair, closed by `body`'s end.
    func withPair(_ body: (SetupChannel, SetupChannel) throws -> Void) throws {
        let pair = try UnixSocket.pair(display: "test")
        defer { pair.0.closeQuietly(); pair.1.closeQuietly() }
        try body(SetupChannel(fd: pair.0), SetupChannel(fd: pair.1))
    }

    /// A descriptor of a file this test can recognise on the other side (its inode).
    func probeFile() throws -> (fd: FileDescriptor, inode: UInt64) {
        let fd = try FileSystem.open("/proc/self/exe", O_RDONLY)
        return (fd, inode(fd))
    }

    func inode(_ fd: FileDescriptor) -> UInt64 {
        (try? FileSystem.status(of: fd, display: "probe")).map { UInt64($0.st_ino) } ?? 0
    }

    @Test func everyMessageArrivesWithItsDescriptor() throws {
        try withPair { monitor, child in
            let (file, expected) = try probeFile()
            defer { file.closeQuietly() }
            let sent: [SetupMessage] = [.mapped(tree: file), .mapped(tree: nil), .upperLayer(file), .terminal(file),
                                        .terminalHold(file), .ready, .go, .failed("mounting the rootfs: no such file")]
            for message in sent {
                try child.send(message)
                let received = try #require(try monitor.receive())
                #expect(received.word == message.word)
                if let fd = received.descriptor {
                    #expect(fd != file, "a new descriptor arrives, not the number sent")
                    #expect(inode(fd) == expected, "it names the same file")
                    // The monitor adopts terminals without setting the flag itself (ConsolePort).
                    #expect(fcntl(fd.rawValue, F_GETFD) & FD_CLOEXEC != 0, "it arrives close-on-exec")
                    fd.closeQuietly()
                } else {
                    #expect(message.descriptor == nil)
                    #expect(received == message)
                }
            }
        }
    }

    @Test func aReasonStaysOneMessage() throws {
        try withPair { monitor, child in
            try child.send(.failed("first line\nready\nsecond"))
            try child.send(.ready)
            #expect(try monitor.receive() == .failed("first line ready second"))
            #expect(try monitor.receive() == .ready)
        }
    }

    @Test func aLongReasonArrivesWholeAndTheNextMessageKeepsItsDescriptor() throws {
        try withPair { monitor, child in
            let (file, expected) = try probeFile()
            defer { file.closeQuietly() }
            // Longer than one peek at the socket (512 bytes): the line is read in several parts.
            let reason = String(repeating: "mount entry /very/long/path ", count: 80)
            try child.send(.failed(reason))
            try child.send(.terminal(file))
            #expect(try monitor.receive() == .failed(reason))
            let next = try #require(try monitor.receive())
            #expect(next.word == "pty")
            let fd = try #require(next.descriptor)
            #expect(inode(fd) == expected)
            fd.closeQuietly()
        }
    }

    @Test func bytesAfterALineStayInTheSocket() throws {
        let pair = try UnixSocket.pair(display: "test")
        defer { pair.0.closeQuietly(); pair.1.closeQuietly() }
        // A monitor's reply followed at once by console output, in one write.
        #expect(pair.1.writeFully("ok RUNNING 42\nconsole bytes"))
        let line = try #require(pair.0.readLineWithDescriptor())
        #expect(line.line == "ok RUNNING 42")
        #expect(line.descriptor == nil)
        #expect(pair.0.readAvailable().map { String(decoding: $0, as: UTF8.self) } == "console bytes")
    }

    /// The steps in the order the monitor expects them; the child fails or dies at each.
    static let steps = ["mapped", "upper", "pty", "hold", "ready"]

    @Test(arguments: 0..<5)
    func aChildFailingAtAStepIsReportedWithItsReason(step: Int) throws {
        try withPair { monitor, child in
            let (file, _) = try probeFile()
            defer { file.closeQuietly() }
            let messages: [SetupMessage] = [.mapped(tree: file), .upperLayer(file), .terminal(file), .terminalHold(file), .ready]
            for index in 0..<step { try child.send(messages[index]) }
            try child.send(.failed("step \(step) failed"))
            for index in 0..<step {
                let got = try monitor.receive(Self.steps[index], ended: "ended")
                got.descriptor?.closeQuietly()
            }
            do {
                _ = try monitor.receive(Self.steps[step], ended: "ended")
                Issue.record("the failure at step \(step) was not reported")
            } catch let error as BerthError {
                #expect(error.message == "step \(step) failed")
            }
        }
    }

    @Test(arguments: 0..<5)
    func aChildDyingAtAStepIsEndOfFile(step: Int) throws {
        let pair = try UnixSocket.pair(display: "test")
        defer { pair.0.closeQuietly() }
        let monitor = SetupChannel(fd: pair.0), child = SetupChannel(fd: pair.1)
        let (file, _) = try probeFile()
        defer { file.closeQuietly() }
        let messages: [SetupMessage] = [.mapped(tree: nil), .upperLayer(file), .terminal(file), .terminalHold(file), .ready]
        for index in 0..<step { try child.send(messages[index]) }
        pair.1.closeQuietly()  // the child is gone
        for index in 0..<step {
            let got = try monitor.receive(Self.steps[index], ended: "ended")
            got.descriptor?.closeQuietly()
        }
        do {
            _ = try monitor.receive(Self.steps[step], ended: "the container's first process died at step \(step)")
            Issue.record("end of file was not reported")
        } catch {
            #expect(error.message == "the container's first process died at step \(step)")
        }
        #expect(try monitor.receive() == nil)
    }

    @Test func anUnknownWordOrAMissingDescriptorIsAFailure() throws {
        try withPair { monitor, child in
            child.fd.writeFully("hello\n")
            #expect(throws: BerthError.self) { _ = try monitor.receive() }
            child.fd.writeFully("pty\n")  // a terminal without its descriptor
            #expect(throws: BerthError.self) { _ = try monitor.receive() }
            try child.send(.go)
            #expect(throws: BerthError.self) { _ = try monitor.receive("ready", ended: "ended") }
        }
    }
}
