import Foundation
import Testing
@testable import BerthKit

/// No key is ever accepted and ignored: every key of the table either has a refusal that a
/// config setting it meets, or an apply path that a test exercises (the key appears in a test
/// of the integration suite, which starts real containers with it).
@Suite struct KeyTableCoverageTests {
    /// A key as a config writes it: `lxc.net.0.type` for `lxc.net.N.type`, a member of a family.
    static func concrete(_ key: ConfigKey) -> String {
        if key.name.hasPrefix("lxc.net.N.") { return "lxc.net.0." + key.name.dropFirst("lxc.net.N.".count) }
        if let prefix = key.prefix { return prefix + "x" }
        return key.name
    }

    /// A valid value other than the default.
    static func nonDefault(_ key: ConfigKey) -> String {
        let sample = ConfigLoaderTests.sample(key.kind)
        if sample != key.defaultValue { return sample }
        switch key.kind {
        case .boolean: return key.defaultValue == "1" ? "0" : "1"
        case .choice(let options): return options.first { $0 != key.defaultValue } ?? sample
        default: return sample + "0"
        }
    }

    static let integrationTests: String = {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("BerthIntegrationTests")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { try? String(contentsOfFile: directory.appendingPathComponent($0).path, encoding: .utf8) }.joined(separator: "\n")
    }()

    /// The written-out index of exact keys (ConfigKeyTable+Exact.swift) names every exact key
    /// of `all` once, at its place, in byte order. When a key is added, the failure prints the
    /// two lists to paste there.
    @Test func theExactKeyIndexMatchesTheTable() {
        let entries = ConfigKeyTable.all.enumerated().filter { $0.element.prefix == nil }.map { ($0.element.name, $0.offset) }
            .sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        let names = entries.map(\.0), places = entries.map(\.1)
        #expect(ConfigKeyTable.exactNames == names && ConfigKeyTable.exactPlaces == places,
                "exactNames:\n\(names.map { "\"\($0)\"," }.joined(separator: "\n"))\nexactPlaces:\n\(places.map(String.init).joined(separator: ", "))")
        for (name, place) in entries { #expect(ConfigKeyTable.lookup(name)?.name == ConfigKeyTable.all[place].name) }
        #expect(ConfigKeyTable.exactPlace("lxc.no.such.key") == nil && ConfigKeyTable.exactPlace("") == nil)
        #expect(ConfigKeyTable.lookup("lxc.net.3.link")?.name == "lxc.net.N.link")
    }

    /// A network key's index and suffix, and what is not one: the number as `Int` reads it.
    @Test func networkKeysAreReadForTheirIndexAndSuffix() {
        let cases: [(String, (Int, String)?)] = [
            ("lxc.net.0.type", (0, "type")), ("lxc.net.12.ipv4.address", (12, "ipv4.address")), ("lxc.net.+1.link", (1, "link")),
            ("lxc.net.9999.name", (9999, "name")), ("lxc.net.10000.name", nil), ("lxc.net.-1.type", nil), ("lxc.net.x.type", nil),
            ("lxc.net..type", nil), ("lxc.net.0.", nil), ("lxc.net.0", nil), ("lxc.net", nil), ("lxc.network.0.type", nil), ("lxc.net.é.type", nil),
        ]
        for (key, expected) in cases {
            let found = ConfigKeyTable.networkIndex(key)
            #expect(found?.0 == expected?.0 && found?.1 == expected?.1, "\(key): \(String(describing: found))")
        }
    }

    @Test(arguments: ConfigKeyTable.all.filter { $0.refusal != nil })
    func refusedKeysAreRefusedNamingThem(key: ConfigKey) throws {
        let name = Self.concrete(key)
        let type = name.hasPrefix("lxc.net.0.") && name != "lxc.net.0.type" ? "lxc.net.0.type = veth\nlxc.net.0.link = br0\n" : ""
        let config = try ConfigLoader.load(text: type + "\(name) = \(Self.nonDefault(key))\n", file: "t.conf")
        do {
            try config.checkHonoured()
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.message.contains(name) && error.message.contains("not honoured"), "\(error.message)")
            #expect(error.code == .unsupported)
        }
    }

    @Test(arguments: ConfigKeyTable.all.filter { $0.refusal == nil })
    func appliedKeysAreExercisedByAnIntegrationTest(key: ConfigKey) {
        // A family is exercised through any member; a network key through any interface.
        let needle = key.prefix ?? (key.name.hasPrefix("lxc.net.N.") ? "." + key.name.dropFirst("lxc.net.N.".count) + " " : key.name)
        #expect(Self.integrationTests.contains(needle), "\(key.name) is neither refused nor set by any integration test")
    }
}
