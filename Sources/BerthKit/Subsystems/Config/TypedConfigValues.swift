/// Typed reads of a loaded config, with the defaults the key table declares: the one place a
/// key's default lives is `ConfigKeyTable`, and the one place its shape is checked is the loader
/// (`ValueKind.check`), so these reads neither restate a default nor parse a value twice.
extension ContainerConfig {
    /// The key's value, else its default from the key table; nil when it has neither. `auto`
    /// (which LXC allows for sizes) is the default too.
    public func effective(_ key: String) -> String? {
        if let text = value(key), text != "auto" { return text }
        return ConfigKeyTable.lookup(key)?.defaultValue
    }

    /// A boolean key (`1` or `true`); false when it has neither a value nor a default.
    public func boolean(_ key: String) -> Bool {
        effective(key).map { $0 == "1" || $0 == "true" } ?? false
    }

    /// A number key.
    public func unsigned(_ key: String) throws(BerthError) -> UInt64 {
        guard let number = try typed(key, UInt64.init) else { throw Self.noDefault(key) }
        return number
    }

    /// A size key (`500000`, `64K`, `1M`), in bytes.
    public func size(_ key: String) throws(BerthError) -> UInt64 {
        guard let bytes = try typed(key, SizeParser.bytes) else { throw Self.noDefault(key) }
        return bytes
    }

    /// A signal key (`SIGPWR`, `30`, `SIGRTMIN+3`); nil when it has neither value nor default.
    public func signal(_ key: String) throws(BerthError) -> Int32? {
        try typed(key, SignalName.number)
    }

    /// The effective text through `parse`; a value the loader let through but `parse` refuses
    /// (a config built without the loader) is an error naming where it was set.
    private func typed<T>(_ key: String, _ parse: (String) -> T?) throws(BerthError) -> T? {
        guard let text = effective(key) else { return nil }
        guard let result = parse(text) else {
            let place = origin(key).map { "\($0.file):\($0.line): " } ?? ""
            throw BerthError(.invalidConfig, "\(place)bad value for \(key): '\(PrintableText.escaped(text))'")
        }
        return result
    }

    /// Every key this config sets to a value Berth cannot honour (`ConfigKey.refusal`), as one
    /// error naming each with its file and line. A key set to its default asks for nothing and
    /// passes. Run at start and at create, so nothing is ever accepted and ignored.
    public func checkHonoured() throws(BerthError) {
        var problems: [String] = []
        for entry in entries where !entry.value.isEmpty {
            guard let descriptor = ConfigKeyTable.lookup(entry.key), let reason = descriptor.refusal,
                  entry.value != descriptor.defaultValue, values(entry.key).contains(entry.value) else { continue }
            problems.append("\(entry.file):\(entry.line): \(entry.key) = \(PrintableText.escaped(String(entry.value.prefix(80)))): not honoured: \(reason); remove it")
        }
        guard problems.isEmpty else { throw BerthError(.unsupported, problems.joined(separator: "\n")) }
    }

    private static func noDefault(_ key: String) -> BerthError {
        BerthError(.invalidConfig, "\(key) is not set and has no default")
    }
}
