import Foundation
import Testing

/// The library's folders form layers: no two folders under Sources/BerthKit use each other's
/// types (a type counts as a folder's when a file there declares it at the top level), and no
/// file outside Subsystems/System calls the C shim.
@Suite struct LayeringTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/BerthKit").path

    /// Every Swift file of the library: its folder (relative) and its text without comments.
    static let files: [(folder: String, path: String, text: String)] = {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var result: [(String, String, String)] = []
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".swift"), let text = try? String(contentsOfFile: root + "/" + relative, encoding: .utf8) else { continue }
            let code = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { line in line.range(of: "//").map { String(line[..<$0.lowerBound]) } ?? String(line) }
                .joined(separator: "\n")
            result.append(((relative as NSString).deletingLastPathComponent, relative, code))
        }
        return result
    }()

    static func topLevelTypes(_ text: String) -> [String] {
        let pattern = try? NSRegularExpression(pattern: "^(?:public |final |indirect )*(?:struct|class|enum|protocol|actor) ([A-Z][A-Za-z0-9_]*)", options: [.anchorsMatchLines])
        let range = NSRange(text.startIndex..., in: text)
        return (pattern?.matches(in: text, range: range) ?? []).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } }
    }

    @Test func noTwoFoldersUseEachOthersTypes() throws {
        try #require(!Self.files.isEmpty)
        var owner: [String: String] = [:]
        for file in Self.files { for type in Self.topLevelTypes(file.text) { owner[type] = file.folder } }
        var uses: [String: Set<String>] = [:]
        for file in Self.files {
            for (type, folder) in owner where folder != file.folder {
                if file.text.range(of: "\\b\(type)\\b", options: .regularExpression) != nil { uses[file.folder, default: []].insert(folder) }
            }
        }
        for (a, targets) in uses {
            for b in targets where a < b && uses[b]?.contains(a) == true {
                Issue.record("\(a) and \(b) use each other's types")
            }
        }
    }

    @Test func onlySystemCallsTheCShim() {
        for file in Self.files where !file.folder.hasPrefix("Subsystems/System") {
            #expect(file.text.range(of: "\\bberth_[a-z_]+\\(", options: .regularExpression) == nil, "\(file.path) calls the C shim")
            #expect(!file.text.contains("import CBerthLinux"), "\(file.path) imports the C shim")
        }
    }

    @Test func noFileOverFourHundredLines() {
        for file in Self.files {
            let lines = file.text.split(separator: "\n", omittingEmptySubsequences: false).count
            #expect(lines <= 401, "\(file.path) has \(lines) lines")
        }
    }
}
