/// The section 1 manual pages of the tools, for `make man` (through berth-docgen) and the test
/// that keeps the committed pages in step with the tools.
public enum ToolManual {
    /// The page of `tool` (`berth-ls`), dated `date`; nil for a name that is no tool.
    public static func page(tool: String, date: String) -> String? {
        Multicall.tool(named: tool).map { ToolHelp.manual($0.spec, date: mdocDate(date)) }
    }

    /// `2026-12-04` as mdoc writes dates (`December 4, 2026`); any other text as it is.
    static func mdocDate(_ text: String) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        guard parts.count == 3, (1...12).contains(parts[1]) else { return text }
        return "\(months[parts[1] - 1]) \(parts[2]), \(parts[0])"
    }
}
