import Testing
import Foundation
@testable import BerthKit

@Suite struct ManualTests {
    static var repositoryRoot: String {
        // Tests/BerthKitTests/ManualTests.swift → repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    @Test func committedConfigManualMatchesTheKeyTable() throws {
        let committed = try String(contentsOfFile: Self.repositoryRoot + "/man/berth.container.conf.5", encoding: .utf8)
        #expect(committed == ConfigManual.render(), "man/berth.container.conf.5 is stale: run make man")
    }

    @Test func everyKeyIsInTheManual() {
        let page = ConfigManual.render()
        for key in ConfigKeyTable.all {
            #expect(page.contains(".B \(key.name)\n"), "\(key.name) missing from the manual")
        }
    }
}
