import CAppArmor
import Foundation
import Testing
@testable import BerthKit

/// The start path's questions about the host that are asked around sysfs: an interface's MAC
/// address by ioctl (NetworkControl.hardwareAddress), which names are Linux bridges
/// (LinuxBridges), and whether AppArmor is enabled (LSMSupport, which asks procfs whether the
/// kernel has AppArmor before libapparmor reads sysfs). Each answer is checked against what
/// sysfs or libapparmor itself says on this host.
///
/// Other suites make and remove host interfaces while these run (every container's veth): an
/// interface is compared only when sysfs says the same of it before and after the question.
@Suite struct HostInterfaceLookupTests {
    /// What sysfs says of one interface: its index, ARP hardware type, address and whether it is
    /// a bridge; nil when it is gone.
    struct Seen: Equatable {
        let index: Int
        let type: Int
        let address: String
        let isBridge: Bool
    }

    func seen(_ name: String) -> Seen? {
        let base = "/sys/class/net/\(name)/"
        func number(_ file: String) -> Int? {
            (try? String(contentsOfFile: base + file, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        guard let index = number("ifindex"), let type = number("type"),
              let address = try? String(contentsOfFile: base + "address", encoding: .utf8) else { return nil }
        return Seen(index: index, type: type, address: address.trimmingCharacters(in: .whitespacesAndNewlines),
                    isBridge: FileManager.default.fileExists(atPath: base + "bridge"))
    }

    /// `question` asked of every host interface that sysfs shows the same before and after it.
    func compared<Answer>(_ question: (String) -> Answer) throws -> [(name: String, seen: Seen, answer: Answer)] {
        try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net").sorted().compactMap { name in
            guard let before = seen(name) else { return nil }
            let answer = question(name)
            guard seen(name) == before else { return nil }
            return (name, before, answer)
        }
    }

    @Test func hardwareAddressMatchesSysfs() throws {
        var ethernet = 0
        for (name, seen, asked) in try compared(NetworkControl.hardwareAddress(named:)) {
            if seen.type == 1 {
                ethernet += 1
                #expect(asked.map { MACAddress.format($0) } == seen.address, "\(name)")
            } else {
                // Loopback and other kinds have no six-byte Ethernet address to clash with.
                #expect(asked == nil, "\(name) (type \(seen.type))")
            }
        }
        #expect(ethernet > 0, "this host has no Ethernet-type interface to compare")
        #expect(NetworkControl.hardwareAddress(named: "lo") == nil)
        #expect(NetworkControl.hardwareAddress(named: "berthnosuch0") == nil)
        #expect(NetworkControl.hardwareAddress(named: "") == nil)
        #expect(NetworkControl.hardwareAddress(named: "averyveryverylongname") == nil)
    }

    @Test func linuxBridgesAreTheOnesSysfsShows() throws {
        let answers = try compared(LinuxBridges.index(named:))
        #expect(!answers.isEmpty)
        for (name, seen, index) in answers {
            #expect((index != nil) == seen.isBridge, "\(name)")
            if let index { #expect(Int(index) == seen.index, "\(name)") }
        }
        for name in ["", ".", "..", "lo/..", "berthnosuch0"] { #expect(LinuxBridges.index(named: name) == nil, "\(name)") }
    }

    /// `ip ARGS...`, true when it succeeded.
    func ip(_ arguments: [String]) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FileManager.default.fileExists(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    @Test func aRememberedBridgeIsAskedAgainOnceItIsGone() throws {
        // A process that starts several containers (berth-autostart) must not keep the index of
        // a bridge removed, or made again, since it asked.
        let name = "bbt\(getpid() % 100_000)"
        #expect(LinuxBridges.index(named: name) == nil)
        try #require(try ip(["link", "add", name, "type", "bridge"]))
        defer { _ = try? ip(["link", "del", name]) }
        let first = try #require(LinuxBridges.index(named: name))
        #expect(first == NetworkControl.index(named: name))
        #expect(try ip(["link", "del", name]))
        #expect(LinuxBridges.index(named: name) == nil)
        try #require(try ip(["link", "add", name, "type", "bridge"]))
        let second = try #require(LinuxBridges.index(named: name))
        #expect(second != first && second == NetworkControl.index(named: name))
        // Made again as something else: no longer a bridge.
        #expect(try ip(["link", "del", name]))
        try #require(try ip(["link", "add", name, "type", "veth", "peer", "name", name + "p"]))
        #expect(LinuxBridges.index(named: name) == nil)
    }

    @Test func apparmorAnswerIsLibapparmors() {
        // The procfs gate changes only how the answer is reached: where the kernel has no
        // AppArmor, libapparmor says "not enabled" too.
        #expect(LSMSupport.apparmorEnabled == (aa_is_enabled() == 1))
        if !FileManager.default.fileExists(atPath: "/proc/self/attr/apparmor") { #expect(!LSMSupport.apparmorEnabled) }
    }
}
