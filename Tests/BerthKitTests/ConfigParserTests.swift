import Testing
@testable import BerthKit

@Suite struct ConfigParserTests {
    @Test func classifiesEveryKindOfLine() {
        let text = "# comment\n\n  lxc.uts.name =  web1  \nlxc.rootfs.path=\"/srv/a b\"\nfoo = bar\nlxc.broken\r\n\tlxc.tty.max\t=\t'4'\n"
        let lines = ConfigParser.parse(text, file: "t")
        #expect(lines.map(\.content) == [
            .comment, .blank, .entry(key: "lxc.uts.name", value: "web1"),
            .entry(key: "lxc.rootfs.path", value: "/srv/a b"), .foreign, .malformed,
            .entry(key: "lxc.tty.max", value: "4"),
        ])
        #expect(lines.map(\.number) == Array(1...7))
        #expect(lines[5].raw == "lxc.broken")
    }

    @Test func keepsEqualsSignsInValues() {
        #expect(ConfigParser.parseAssignment("lxc.environment=A=b=c")! == ("lxc.environment", "A=b=c"))
        #expect(ConfigParser.parseAssignment("nonsense") == nil)
        #expect(ConfigParser.parseAssignment("other.key=1") == nil)
    }

    @Test func emptyValueAndMismatchedQuotes() {
        #expect(ConfigParser.classify("lxc.cap.drop =") == .entry(key: "lxc.cap.drop", value: ""))
        #expect(ConfigParser.classify("lxc.uts.name = \"x'") == .entry(key: "lxc.uts.name", value: "\"x'"))
        #expect(ConfigParser.classify("lxc.uts.name = \"") == .entry(key: "lxc.uts.name", value: "\""))
        #expect(ConfigParser.classify("lxc = 1") == .foreign && ConfigParser.classify("lxc.") == .malformed)
    }

    /// Lines are cut at newline bytes: a final newline ends the last line, an empty line before
    /// it stays, a lone carriage return is part of its line, and text past ASCII is kept whole.
    @Test func cutsLinesAtNewlineBytes() {
        #expect(ConfigParser.parse("a\n", file: "t").map(\.raw) == ["a"])
        #expect(ConfigParser.parse("a\n\n", file: "t").map(\.raw) == ["a", ""])
        #expect(ConfigParser.parse("\n", file: "t").map(\.raw) == [""])
        #expect(ConfigParser.parse("a", file: "t").map(\.raw) == ["a"])
        #expect(ConfigParser.parse("a\r\n b \r\r\n", file: "t").map(\.raw) == ["a", " b \r"])
        let lines = ConfigParser.parse("lxc.uts.name = 'héllo wörld'\r\n# ünïcode\n", file: "t")
        #expect(lines.map(\.content) == [.entry(key: "lxc.uts.name", value: "héllo wörld"), .comment])
        #expect(lines.map(\.number) == [1, 2] && lines[1].raw == "# ünïcode")
        #expect(ConfigParser.anyAssignment("  berth.net.bridge\t=  'br1' ")! == ("berth.net.bridge", "br1"))
        #expect(ConfigParser.anyAssignment("# berth.x = 1") == nil && ConfigParser.anyAssignment("   ") == nil)
    }

    /// A reader of settings gets the same settings, numbered as in the file, without the blank
    /// and comment lines around them.
    @Test func settingsOnlyLeavesOutBlankAndCommentLines() {
        let text = "# header\n\nlxc.uts.name = a\n  # indented note\nnot a setting\nlxc.arch\n\t\nlxc.net.0.type = veth\n"
        let all = ConfigParser.parse(text, file: "t")
        let settings = ConfigParser.parse(text, file: "t", settingsOnly: true)
        #expect(settings == all.filter { $0.content != .blank && $0.content != .comment })
        #expect(settings.map(\.number) == [3, 5, 6, 8], "\(settings.map(\.number))")
        #expect(ConfigParser.parse("# only notes\n\n", file: "t", settingsOnly: true).isEmpty)
    }
}

@Suite struct ConfigDocumentTests {
    static let original = """
        # Admin's notes, keep me
        lxc.uts.name = old   # not a comment: part of the value

        lxc.net.0.type = veth
        lxc.cap.drop = sys_time
          lxc.cap.drop = sys_module
        random line kept as is

        """

    @Test func roundTripIsByteExact() {
        let doc = ConfigDocument(text: Self.original, file: "c")
        #expect(doc.render() == Self.original)
        let crlfless = ConfigDocument(text: "lxc.uts.name = a", file: "c")
        #expect(crlfless.render() == "lxc.uts.name = a\n")
    }

    @Test func setRewritesInPlaceAndKeepsEverythingElse() throws {
        var doc = ConfigDocument(text: Self.original, file: "c")
        try doc.set("lxc.uts.name", "new")
        try doc.append("lxc.cap.drop", "sys_rawio")
        try doc.set("lxc.tty.max", "2")
        let lines = doc.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "# Admin's notes, keep me")
        #expect(lines[1] == "lxc.uts.name = new")
        #expect(lines[5] == "  lxc.cap.drop = sys_module")
        #expect(lines[6] == "random line kept as is")
        #expect(Array(lines.suffix(3)) == ["lxc.cap.drop = sys_rawio", "lxc.tty.max = 2", ""])
        #expect(doc.values("lxc.cap.drop") == ["sys_time", "sys_module", "sys_rawio"])
    }

    @Test func setRemovesLaterDuplicatesAndRemoveDropsAll() throws {
        var doc = ConfigDocument(text: "lxc.uts.name = a\nlxc.uts.name = b\n# c\n", file: "c")
        try doc.set("lxc.uts.name", "z")
        #expect(doc.render() == "lxc.uts.name = z\n# c\n")
        doc.remove("lxc.uts.name")
        #expect(doc.render() == "# c\n")
    }
}

@Suite struct ModernizeTests {
    @Test func legacyKeysAreRenamedInPlace() throws {
        var doc = ConfigDocument(text: "# keep\nlxc.utsname = a\nlxc.network.type = veth\nlxc.network.link = br0\nlxc.pivotdir = x\n", file: "f")
        #expect(try doc.modernizeKeys() == 4)
        #expect(doc.render() == "# keep\nlxc.uts.name = a\nlxc.net.0.type = veth\nlxc.net.0.link = br0\n# obsolete, ignored: lxc.pivotdir = x\n")
        var orphan = ConfigDocument(text: "lxc.network.link = br0\n", file: "f")
        #expect(throws: BerthError.self) { try orphan.modernizeKeys() }
    }
}

/// The one config writer: a value with a line break or NUL never becomes a line of its own, and
/// what is written reads back as exactly what was meant.
@Suite struct ConfigWriterTests {
    @Test(arguments: ["a\nlxc.hook.pre-start = /bin/sh -c id", "a\rb", "a\r\nlxc.x = 1", "nul\0byte", "\n"])
    func valuesWithLineBreaksOrNULAreRefusedNamingTheKey(value: String) {
        var doc = ConfigDocument(text: "", file: "c")
        do {
            try doc.set("lxc.uts.name", value)
            Issue.record("accepted \(value.debugDescription)")
        } catch {
            #expect(error.code == .invalidConfig)
            #expect(error.message.hasPrefix("the value for lxc.uts.name contains "))
            #expect(!error.message.contains("\n"))
        }
        #expect(throws: BerthError.self) { try doc.append("lxc.mount.entry", value) }
        #expect(doc.render().isEmpty)
        var existing = ConfigDocument(text: "lxc.rootfs.path = dir:/old/rootfs\n", file: "c")
        #expect(throws: BerthError.self) { try existing.rewriteValues { _, _ in value } }
        #expect(existing.render() == "lxc.rootfs.path = dir:/old/rootfs\n")
    }

    @Test(arguments: ["", "lxc.a b", "lxc.a=b", "lxc.a\nlxc.b", "lxc.#x"])
    func badKeysAreRefused(key: String) {
        var doc = ConfigDocument(text: "", file: "c")
        #expect(throws: BerthError.self) { try doc.set(key, "1") }
    }

    @Test func commentsStayOneLine() {
        var doc = ConfigDocument(text: "", file: "c")
        doc.prependComments(["Template: x  Arguments: --a\nlxc.hook.pre-start = /x"])
        #expect(doc.render() == "# Template: x  Arguments: --a\\xalxc.hook.pre-start = /x\n")
        #expect(ConfigParser.parse(doc.render(), file: "c").allSatisfy { $0.content == .comment })
    }

    /// Random keys and values (blanks at the edges, quotes, `=`, `#`, tabs, non-ASCII letters)
    /// written by set/append, rendered, and read back: every value comes back byte for byte.
    @Test func writtenConfigReadsBackAsMeant() throws {
        // Found by this test: a quote byte joined by a combining mark (one Character) at the
        // start, a plain quote at the end.
        for value in ["\"\u{301}x,\"", "'\u{301}'", "\"\u{301}\""] {
            var doc = ConfigDocument(text: "", file: "c")
            try doc.set("lxc.k", value)
            #expect(ConfigDocument(text: doc.render(), file: "c").values("lxc.k") == [value], "\(value.debugDescription) written as \(doc.render().debugDescription)")
        }
        var generator = SystemRandomNumberGenerator()
        let keyAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789._-")
        let valueAlphabet: [Character] = Array("abc XYZ 019 \t=#'\"\\/:;,.-_*$`~!()[]{}<>|&?") + ["é", "ß", "漢", "🙂", "\u{301}"]
        for round in 0..<500 {
            var doc = ConfigDocument(text: "# header\n", file: "c")
            var meant: [(String, String)] = []
            for index in 0..<Int.random(in: 1...8, using: &generator) {
                let key = "lxc.k\(index)." + String((0..<Int.random(in: 1...12, using: &generator)).map { _ in keyAlphabet.randomElement(using: &generator) ?? "a" })
                var value = String((0..<Int.random(in: 0...24, using: &generator)).map { _ in valueAlphabet.randomElement(using: &generator) ?? "a" })
                // A combining mark cannot start a value written after "= ": it would join the blank.
                while value.unicodeScalars.first == "\u{301}" { value.removeFirst() }
                if round % 2 == 0 { try doc.set(key, value) } else { try doc.append(key, value) }
                meant.append((key, value))
            }
            let reread = ConfigDocument(text: doc.render(), file: "c")
            for (key, value) in meant {
                #expect(reread.values(key) == [value], "key \(key) value \(value.debugDescription) written as \(doc.render().debugDescription)")
            }
        }
    }
}
