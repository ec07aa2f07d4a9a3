import CAppArmor
import Foundation
import Testing
@testable import BerthKit

/// The start path's questions about the host that are asked around sysfs: an interface's MAC
/// address by ioctl (NetworkControl.hardwareAddress), which names are Linux bridges
/// (LinuxBridges), and whether AppArmor is enabled (LSMSupport, which asks procfs whether the
/// kernel has AppArmor before libapparmor reads sysfs). Each answer is checked against what
/// sysfs or libapparmor itself says on this host; nothing is changed.
@Suite struct HostInterfaceLookupTests {
    /// The host's interfaces as sysfs lists them: name, ARP hardware type and address.
    func sysfsInterfaces() throws -> [(name: String, type: Int, address: String)] {
        try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net").sorted().compactMap { name in
            let base = "/sys/class/net/\(name)/"
            guard let type = try? String(contentsOfFile: base + "type", encoding: .utf8),
                  let address = try? String(contentsOfFile: base + "address", encoding: .utf8) else { return nil }
            return (name, Int(type.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1, address.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func hardwareAddressMatchesSysfs() throws {
        let interfaces = try sysfsInterfaces()
        #expect(!interfaces.isEmpty)
        var ethernet = 0
        for interface in interfaces {
            let asked = NetworkControl.hardwareAddress(named: interface.name)
            if interface.type == 1 {
                ethernet += 1
                #expect(asked.map { MACAddress.format($0) } == interface.address, "\(interface.name)")
            } else {
                // Loopback and other kinds have no six-byte Ethernet address to clash with.
                #expect(asked == nil, "\(interface.name) (type \(interface.type))")
            }
        }
        #expect(ethernet > 0, "this host has no Ethernet-type interface to compare")
        #expect(NetworkControl.hardwareAddress(named: "berthnosuch0") == nil)
        #expect(NetworkControl.hardwareAddress(named: "") == nil)
        #expect(NetworkControl.hardwareAddress(named: "averyveryverylongname") == nil)
    }

    @Test func linuxBridgesAreTheOnesSysfsShows() throws {
        for interface in try sysfsInterfaces() {
            let isBridge = FileManager.default.fileExists(atPath: "/sys/class/net/\(interface.name)/bridge")
            let index = LinuxBridges.index(named: interface.name)
            #expect((index != nil) == isBridge, "\(interface.name)")
            if let index { #expect(index == NetworkControl.index(named: interface.name)) }
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
