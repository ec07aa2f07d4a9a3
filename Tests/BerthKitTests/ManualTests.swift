import Testing
import Foundation
@testable import BerthKit
@testable import BerthCommands

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

    @Test func committedToolPagesMatchTheTools() throws {
        // Every tool's page is made from its own definition; only the date may differ.
        func undated(_ page: String) -> String { page.split(separator: "\n").filter { !$0.hasPrefix(".Dd ") }.joined(separator: "\n") }
        for tool in Multicall.tools {
            let name = tool.spec.name
            let committed = try String(contentsOfFile: Self.repositoryRoot + "/man/\(name).1", encoding: .utf8)
            let current = try #require(ToolManual.page(tool: name, date: "2026-01-01"))
            #expect(undated(committed) == undated(current), "man/\(name).1 is stale: run make man")
        }
    }

    @Test func everyOptionIsInItsToolsHelpAndPage() throws {
        for tool in Multicall.tools {
            let help = ToolHelp.text(tool.spec)
            let page = try #require(ToolManual.page(tool: tool.spec.name, date: "2026-01-01"))
            for option in tool.spec.options where !option.hidden {
                if let long = option.long {
                    #expect(help.contains("--\(long)"), "\(tool.spec.name) --help lacks --\(long)")
                    #expect(page.contains("Fl -\(long)"), "\(tool.spec.name)(1) lacks --\(long)")
                }
            }
        }
    }
}
